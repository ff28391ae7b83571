"""POSTs over kept-alive HTTP/1.1 connections (h11 framing on asyncio streams): the signaling notifications.

Talk tells the signaling server of every room change before it answers the request, so the cost of each
notification is paid by the request. On the loopback one through httpx cost about 0.9 ms of CPU; framed by
h11 (the HTTP/1.1 engine under httpx) and written in one piece, about 0.15 ms.
"""

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

USER_AGENT = "Nextcloud Server Crawler"  # what Talk's HTTP client sends (the real recordings show it)
MAX_ANSWER_BYTES = 1024 * 1024  # Talk reads only the status and the headers of these answers


class PostError(Exception):
    """No answer: the URL is unusable, the connection failed or broke, or the time ran out."""


@dataclass(frozen=True)
class Answer:
    """Status and headers (lower-case names, repeated ones joined by ", ") of an answer."""

    status: int
    headers: dict[str, str]


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    http: h11.Connection

    def usable(self) -> bool:
        # A peer that closed an idle connection has sent EOF: reusing it would lose the request.
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


# (event loop, scheme, host, port, verify) → idle connections: a connection belongs to its loop.
_idle: dict[tuple, list[_Connection]] = {}
_tls: dict[bool, ssl.SSLContext] = {}


def _tls_context(verify: bool) -> ssl.SSLContext:
    if verify not in _tls:
        context = ssl.create_default_context()
        if not verify:  # the app config's "verify": false, as Talk's client honours it
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        _tls[verify] = context
    return _tls[verify]


async def post(url: str, headers: list[tuple[str, str]], body: bytes, verify: bool, timeout: float) -> Answer:
    """POST `body` with `headers` (plus Host, User-Agent and Content-Length); PostError without an answer."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise PostError("InvalidURL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PostError("UnsupportedProtocol")
    key = (asyncio.get_running_loop(), parts.scheme, parts.hostname, port, verify)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rpartition("@")[2]
    request = [("Host", host), ("User-Agent", USER_AGENT), *headers, ("Content-Length", str(len(body)))]
    connection = None
    try:
        async with asyncio.timeout(timeout):
            connection = await _checkout(key, parts.hostname, port)
            answer = await _exchange(connection, target, request, body)
    except TimeoutError:
        _discard(connection)
        raise PostError("Timeout") from None
    except (OSError, ValueError, h11.ProtocolError) as exc:  # ssl.SSLError is an OSError
        _discard(connection)
        raise PostError(type(exc).__name__) from None
    except BaseException:
        _discard(connection)  # e.g. cancelled: the connection is in an unknown state
        raise
    _checkin(key, connection)
    return answer


async def _checkout(key: tuple, hostname: str, port: int) -> _Connection:
    idle = _idle.get(key, [])
    while idle:
        connection = idle.pop()
        if connection.usable():
            return connection
        connection.close()
    scheme, verify = key[1], key[4]
    tls = _tls_context(verify) if scheme == "https" else None
    reader, writer = await asyncio.open_connection(hostname, port, ssl=tls)
    return _Connection(reader, writer, h11.Connection(h11.CLIENT))


async def _exchange(connection: _Connection, target: str, headers: list, body: bytes) -> Answer:
    http = connection.http
    request = h11.Request(method="POST", target=target, headers=headers)
    # Head and body in one write: the peer wakes up once.
    head = http.send(request)
    connection.writer.write(head + http.send(h11.Data(data=body)) + http.send(h11.EndOfMessage()))
    await connection.writer.drain()
    answer, received = None, 0
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            http.receive_data(await connection.reader.read(65536))  # b"" at EOF: h11 then raises
        elif isinstance(event, h11.Response):
            joined: dict[str, str] = {}
            for name, value in event.headers:
                key, text = name.decode("latin-1"), value.decode("latin-1")
                joined[key] = f"{joined[key]}, {text}" if key in joined else text
            answer = Answer(event.status_code, joined)
        elif isinstance(event, h11.Data):
            received += len(event.data)
            if received > MAX_ANSWER_BYTES:
                raise h11.RemoteProtocolError("answer too large")
        elif isinstance(event, h11.EndOfMessage) and answer is not None:
            return answer


def _checkin(key: tuple, connection: _Connection) -> None:
    http = connection.http
    if http.our_state is h11.DONE and http.their_state is h11.DONE:
        http.start_next_cycle()
        _idle.setdefault(key, []).append(connection)
    else:  # the peer closes after this answer (Connection: close, HTTP/1.0)
        connection.close()


def _discard(connection: _Connection | None) -> None:
    if connection is not None:
        connection.close()


async def close_all() -> None:
    """Close this loop's idle connections (the app's lifespan shutdown)."""
    loop = asyncio.get_running_loop()
    for key in [key for key in _idle if key[0] is loop]:
        for connection in _idle.pop(key):
            connection.close()
