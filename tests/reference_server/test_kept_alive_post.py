"""The signaling notifications' POST: kept-alive connections, a new one when the peer closed, clean errors."""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reference_server import kept_alive_post


class _Peer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list  # (client port, path, headers, body) per request
    close_after_answer = False
    hang = False

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_POST(self):  # noqa: N802 - stdlib naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.client_address[1], self.path, dict(self.headers.items()), body))
        if self.hang:
            threading.Event().wait(2)
            return
        self.send_response(200)
        self.send_header("X-Spreed-Signaling-Features", "a")
        self.send_header("X-Spreed-Signaling-Features", "b")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
        self.close_connection = self.close_after_answer  # without saying so: the client finds out later


@pytest.fixture
def peer():
    def serve(**behaviour):
        handler = type("Handler", (_Peer,), {"seen": [], **behaviour})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", handler.seen

    servers: list[ThreadingHTTPServer] = []
    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


async def _post(url: str, timeout: float = 5.0) -> kept_alive_post.Answer:
    headers = [("Content-Type", "application/json")]
    return await kept_alive_post.post(url, headers, b'{"type":"x"}', verify=False, timeout=timeout)


def test_posts_share_one_connection_and_carry_the_headers(peer):
    url, seen = peer()

    async def two() -> kept_alive_post.Answer:
        await _post(f"{url}/api/v1/room/abc")
        answer = await _post(f"{url}/api/v1/room/def")
        await kept_alive_post.close_all()
        return answer

    answer = asyncio.run(two())
    assert answer.status == 200 and answer.headers["x-spreed-signaling-features"] == "a, b"
    assert [entry[1] for entry in seen] == ["/api/v1/room/abc", "/api/v1/room/def"]
    assert seen[0][0] == seen[1][0]  # the same client port: one connection
    headers, body = seen[0][2], seen[0][3]
    assert body == b'{"type":"x"}' and headers["Content-Length"] == str(len(body))
    assert headers["Host"] == url.removeprefix("http://")
    assert headers["User-Agent"] == kept_alive_post.USER_AGENT


def test_a_connection_the_peer_closed_is_not_reused(peer):
    url, seen = peer(close_after_answer=True)

    async def two() -> None:
        await _post(url + "/a")
        await asyncio.sleep(0.1)  # the peer's EOF arrives
        await _post(url + "/b")
        await kept_alive_post.close_all()

    asyncio.run(two())
    assert [entry[1] for entry in seen] == ["/a", "/b"]
    assert seen[0][0] != seen[1][0]


def test_a_refused_connection_is_a_post_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(kept_alive_post.PostError):
        asyncio.run(_post(f"http://127.0.0.1:{port}/a"))


def test_a_peer_that_does_not_answer_is_a_timeout(peer):
    url, _ = peer(hang=True)
    with pytest.raises(kept_alive_post.PostError, match="Timeout"):
        asyncio.run(_post(url + "/a", timeout=0.3))


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/a", "http:///a", "http://127.0.0.1:99999/a"])
def test_an_unusable_url_is_a_post_error(url):
    with pytest.raises(kept_alive_post.PostError):
        asyncio.run(_post(url, timeout=2))
