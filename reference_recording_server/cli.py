"""The talk-reference-recording-server command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import sys

import uvicorn

from reference_recording_server import mutants
from reference_recording_server.app import create_app
from reference_recording_server.config import ConfigError, load_settings

PROG = "talk-reference-recording-server"


class _Server(uvicorn.Server):
    """uvicorn re-raises a captured SIGTERM after shutdown; a clean stop must exit 0."""

    def handle_exit(self, sig: int, frame) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Reference implementation of the Nextcloud Talk recording server protocol."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8000, help="port to bind; 0 picks a free one (default 8000)"
    )
    parser.add_argument(
        "--config", help="YAML configuration: backends, start_delay, faults (docs/recording-server-suite.md)"
    )
    parser.add_argument("--mutant", metavar="NAME", help="break one rule on purpose (the suite's self-test)")
    parser.add_argument(
        "--list-mutants", action="store_true", help="print every mutant's name and rule, then exit"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, bind, print the listening line, serve until SIGTERM or Ctrl-C."""
    args = _parser().parse_args(argv)
    if args.list_mutants:
        for name, mutant in mutants.MUTANTS.items():
            print(f"{name}\t{mutant.rule}")
        return 0
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
        mutant = args.mutant or settings.mutant
        if mutant:
            mutants.apply(mutant)
    except ConfigError as exc:
        print(f"{PROG}: bad configuration: {exc}", file=sys.stderr)
        return 2
    except mutants.UnknownMutant as exc:
        print(f"{PROG}: --mutant: {exc}", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"{PROG}: --port must be 0-65535, not {args.port}", file=sys.stderr)
        return 2
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"{PROG}: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    server = _Server(uvicorn.Config(create_app(settings), log_config=None, access_log=False, lifespan="on"))

    def stop_early(_sig, _frame) -> None:
        server.should_exit = True  # a signal before uvicorn installs its handlers still means a clean stop

    signal.signal(signal.SIGINT, stop_early)
    signal.signal(signal.SIGTERM, stop_early)
    print(f"{PROG} listening on http://{shown}:{port}/", flush=True)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock
