"""Fuzz throughput: cases/s against the reference server and against a trivial app serving the same spec.

Both targets run in child processes on loopback sockets and get the same schemathesis configuration
(phases examples, coverage and fuzzing; checks off, so no failure makes Hypothesis shrink on one side only;
error feedback off, so the generator does not do extra work for the side whose 400s explain themselves).
The ratio reference/trivial shows how much the reference server itself slows fuzzing down (target >= 0.9).

    python bench/fuzz_throughput.py [--max-examples N] [--rounds R]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
from pathlib import Path

from conformance.fuzz import FuzzInputs, FuzzSettings, load_schema, prepared_target, read_contract, run_engine
from conformance.resources import contract_path
from conformance.target import load_profile

PHASES = ("examples", "coverage", "fuzzing")
SUCCESS = b'{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":null}}'


async def trivial_app(scope, receive, send):  # noqa: ANN001 - bare ASGI, no framework overhead
    """Answer every request with 200 and a valid OCS success envelope."""
    if scope["type"] != "http":
        return
    more = True
    while more:  # drain the body like a real server would
        message = await receive()
        more = message.get("more_body", False)
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", b"%d" % len(SUCCESS)),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": SUCCESS})


def serve_trivial() -> None:
    """Child process: serve the trivial app on a free loopback port and announce it on stdout."""
    import uvicorn

    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on connections of such a socket.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(trivial_app, log_level="error", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def start_trivial() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-trivial"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening on "):
        process.kill()
        raise SystemExit("the trivial app did not start")
    return process, line.split()[-1]


def measure(inputs: FuzzInputs, settings: FuzzSettings) -> tuple[int, float]:
    document = read_contract(contract_path())
    result = run_engine(load_schema(inputs, document, settings), settings.seed)
    return result.total_cases, result.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-trivial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_trivial:
        serve_trivial()
        return 0
    settings = FuzzSettings(
        max_examples=args.max_examples, phases=PHASES, checks_enabled=False, error_feedback=False
    )
    profile = load_profile(env={})
    trivial, trivial_url = start_trivial()
    rates: dict[str, list[float]] = {"reference": [], "trivial": []}
    try:
        with prepared_target(profile) as target:
            reference_inputs = target.fuzz_inputs()
            trivial_inputs = FuzzInputs(**{**reference_inputs.__dict__, "base_url": trivial_url})
            for _ in range(args.rounds):
                # Interleaved, so drift of the machine affects both sides alike.
                for name, inputs in (("reference", reference_inputs), ("trivial", trivial_inputs)):
                    cases, seconds = measure(inputs, settings)
                    rates[name].append(cases / seconds)
                    print(f"{name:9} {cases:5d} cases in {seconds:6.2f}s = {cases / seconds:7.1f} cases/s")
    finally:
        trivial.terminate()
        trivial.wait(timeout=10)
    reference, baseline = statistics.median(rates["reference"]), statistics.median(rates["trivial"])
    ratio = reference / baseline
    print(f"median cases/s: reference {reference:.1f}, trivial {baseline:.1f}, ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
