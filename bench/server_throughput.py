"""Server throughput: signed backend callbacks/s and start/stop pairs/s, beside a bare Starlette endpoint.

Every server runs in its own child process under the same uvicorn settings (one worker, no access log,
TCP_NODELAY); the load comes from one asyncio process with httpx and a bounded number of requests and seconds.

    python -m bench.server_throughput [--clients 8] [--seconds 1] [--rounds 3] [--max-requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.recording_target import ADMIN, MODERATOR, SECRET, TIMEOUT, signaling_stand_in
from bench.reference_process import ReferenceProcess
from conformance.protocol import sign
from conformance.target import (
    API_PATH,
    RECORDING,
    FakeRecordingServer,
    FakeRecordingServerControl,
    TalkSession,
    configure_recording,
    create_room,
    join_call,
    join_room,
    stopped_message,
)

LISTENING = "listening on "
SUCCESS = b'{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":null}}'


# --- child processes ---------------------------------------------------------------------------------


def _loopback_socket() -> socket.socket:
    # IPPROTO_TCP explicitly, as the reference server does: asyncio then sets TCP_NODELAY on connections.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def serve_bare() -> None:
    """Child process: a Starlette app whose one endpoint reads the body and answers an OCS success."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def endpoint(request: Request) -> Response:
        await request.body()
        return Response(SUCCESS, media_type="application/json; charset=utf-8")

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST", "DELETE"])])
    sock = _loopback_socket()
    print(f"{LISTENING}http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    asyncio.run(server.serve(sockets=[sock]))


def serve_fake(secret: str) -> None:
    """Child process: the suite's fake recording server, so it does not share the load generator's GIL."""
    fake = FakeRecordingServer(secret)
    fake.start()
    print(f"{LISTENING}{fake.url}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    fake.stop()


class ChildServer:
    """`python -m bench.server_throughput --serve-…` in a child process."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server_throughput", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if LISTENING not in line:
            self.stop()
            raise RuntimeError(f"child server did not start: {line!r}")
        self.url = line.split(LISTENING, 1)[1].strip()

    def stop(self) -> None:
        """Terminate and reap."""
        if self.process.stdin:
            self.process.stdin.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()


# --- load ------------------------------------------------------------------------------------------------


@dataclass
class Rate:
    """What one load run achieved."""

    name: str
    operations: int
    seconds: float
    failures: int

    @property
    def per_second(self) -> float:
        """Operations per second."""
        return self.operations / self.seconds if self.seconds else 0.0


async def _load(
    name: str,
    clients: int,
    seconds: float,
    max_operations: int,
    operation: Callable[[httpx.AsyncClient, int], Awaitable[bool]],
) -> Rate:
    """`clients` concurrent loops of `operation` until the time or the operation budget runs out."""
    done = failures = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def loop(index: int) -> None:
            nonlocal done, failures
            while time.monotonic() < deadline and done < max_operations:
                done += 1
                if not await operation(client, index):
                    failures += 1

        began = time.monotonic()
        await asyncio.gather(*(loop(index) for index in range(clients)))
        elapsed = time.monotonic() - began
    return Rate(name, done, elapsed, failures)


def _signed_stopped_requests(token: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    # Signed ahead of time so the client's HMAC work does not count against the server.
    prepared = []
    for _ in range(count):
        body = json.dumps(stopped_message(token)).encode()
        headers = {
            "OCS-APIRequest": "true",
            "Content-Type": "application/json",
            **sign(SECRET, body).headers(),
        }
        prepared.append((body, headers))
    return prepared


def measure_callbacks(
    url: str, token: str, clients: int, seconds: float, max_requests: int, path: str
) -> Rate:
    """Signed `stopped` callbacks (always accepted, one state write each) posted to `path`."""
    prepared = _signed_stopped_requests(token, 64)

    async def post(client: httpx.AsyncClient, index: int) -> bool:
        body, headers = prepared[index % len(prepared)]
        response = await client.post(f"{url}{path}", content=body, headers=headers)
        return response.status_code == 200

    return asyncio.run(_load("callback", clients, seconds, max_requests, post))


def measure_start_stop(
    url: str, tokens: list[str], clients: int, seconds: float, max_pairs: int, path_prefix: str
) -> Rate:
    """Each client owns a room: start (→ starting), stop (recording server answers 404 → failed), again."""
    auth = (MODERATOR.user_id, MODERATOR.password)
    headers = {"OCS-APIRequest": "true", "Accept": "application/json"}

    async def pair(client: httpx.AsyncClient, index: int) -> bool:
        target = f"{url}{path_prefix}/{tokens[index]}"
        start = await client.post(target, data={"status": 1}, headers=headers, auth=auth)
        stop = await client.delete(target, headers=headers, auth=auth)
        return start.status_code == 200 and stop.status_code == 200

    return asyncio.run(_load("start/stop pair", clients, seconds, max_pairs, pair))


def client_creation_ms(verify: bool, count: int = 30) -> float:
    """What `httpx.AsyncClient(verify=…)` costs: why the reference server shares one per verify setting."""
    began = time.perf_counter()
    for _ in range(count):
        httpx.AsyncClient(verify=verify, trust_env=False)
    return (time.perf_counter() - began) / count * 1000


def run(
    work_dir: Path, clients: int = 8, seconds: float = 1.0, max_requests: int = 20000, rounds: int = 3
) -> dict[str, float]:
    """Both loads on the reference server and on the bare endpoint, alternating; median rates and ratios."""
    fake = ChildServer("--serve-fake", SECRET)
    bare = ChildServer("--serve-bare")
    server = ReferenceProcess(work_dir, config={"bruteforce": {"enabled": False}})
    try:
        server.start()
        configure_recording(
            server.url, ADMIN, SECRET, fake.url, TIMEOUT, signaling_stand_in=signaling_stand_in()
        )
        moderator = TalkSession(server.url, MODERATOR, TIMEOUT)
        control = FakeRecordingServerControl(fake.url)
        tokens = []
        for index in range(clients):
            token = create_room(moderator, f"throughput-{index}")
            join_room(moderator, token)
            join_call(moderator, token)
            control.answer(token, "stop", 404)  # stop → failed, so the next start is allowed
            tokens.append(token)
        callback_room = tokens[0]
        rates: dict[str, list[float]] = {"callbacks": [], "bare_callbacks": [], "pairs": [], "bare_pairs": []}
        failures = {"callbacks": 0, "pairs": 0}
        # Alternating rounds, so a burst of load from elsewhere on the machine hits both sides alike.
        for _ in range(rounds):
            for name, url in (("callbacks", server.url), ("bare_callbacks", bare.url)):
                rate = measure_callbacks(
                    url, callback_room, clients, seconds, max_requests, f"{API_PATH}/backend"
                )
                rates[name].append(rate.per_second)
                failures["callbacks"] += rate.failures if url == server.url else 0
            for name, url in (("pairs", server.url), ("bare_pairs", bare.url)):
                rate = measure_start_stop(url, tokens, clients, seconds, max_requests // 2, RECORDING)
                rates[name].append(rate.per_second)
                failures["pairs"] += rate.failures if url == server.url else 0
        moderator.close()
    finally:
        server.stop()
        bare.stop()
        fake.stop()
    median = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "clients": clients,
        "rounds": rounds,
        "callbacks_per_s": round(median["callbacks"], 1),
        "callback_failures": failures["callbacks"],
        "bare_callbacks_per_s": round(median["bare_callbacks"], 1),
        "callback_ratio": round(median["callbacks"] / median["bare_callbacks"], 3),
        "start_stop_pairs_per_s": round(median["pairs"], 1),
        "start_stop_failures": failures["pairs"],
        "bare_pairs_per_s": round(median["bare_pairs"], 1),
        "pair_ratio": round(median["pairs"] / median["bare_pairs"], 3),
        "httpx_client_verify_off_ms": round(client_creation_ms(False), 2),
        "httpx_client_verify_on_ms": round(client_creation_ms(True), 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (also the child servers' entry point)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per load and round (default 1)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds; medians are reported (default 3)"
    )
    parser.add_argument(
        "--max-requests", type=int, default=20000, help="request budget per load (default 20000)"
    )
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-fake", metavar="SECRET", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare()
        return 0
    if args.serve_fake is not None:
        serve_fake(args.serve_fake)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as work_dir:
        figures = run(Path(work_dir), args.clients, args.seconds, args.max_requests, args.rounds)
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0 if figures["callback_failures"] == 0 and figures["start_stop_failures"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
