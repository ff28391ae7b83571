"""The talk-reference-server command."""

import argparse
import asyncio
import logging
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
from pathlib import Path

import uvicorn

from reference_server import mutants
from reference_server.app import create_app
from reference_server.config import ConfigError, load_config
from reference_server.server_state import open_state

# PHP accepts JSON nested 512 levels deep; re-encoding it (unknown_type message) needs a deeper stack.
RECURSION_LIMIT = 8000


class _Server(uvicorn.Server):
    """uvicorn re-raises a captured SIGTERM after shutdown (exit -15); the contract wants a clean exit 0."""

    def handle_exit(self, sig: int, frame) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="talk-reference-server",
        description="Reference implementation of the Nextcloud Talk recording API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind; 0 picks a free one (default 8080)"
    )
    parser.add_argument("--data-dir", help="state directory (default: a temporary one, removed at exit)")
    parser.add_argument("--config", help="YAML configuration file (accounts, app_config, bruteforce, ...)")
    parser.add_argument(
        "--mutant",
        metavar="NAME",
        help="break one documented rule on purpose (the suite's mutation self-test); overrides the config's "
        "mutant; names: " + ", ".join(sorted(mutants.MUTANTS)),
    )
    parser.add_argument(
        "--list-mutants", action="store_true", help="print every mutant's name and rule, then exit"
    )
    return parser


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only disables Nagle (TCP_NODELAY) on sockets whose proto says TCP.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, open the data dir, bind, print the listening line, serve until SIGTERM/Ctrl-C."""
    args = _parser().parse_args(argv)
    if args.list_mutants:
        for mutant in mutants.MUTANTS.values():
            print(f"{mutant.name}\t{mutant.rule}")
        return 0
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request log lines are ours alone
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"talk-reference-server: bad configuration: {exc}", file=sys.stderr)
        return 2
    try:
        mutants.activate(args.mutant or config.mutant)
    except mutants.UnknownMutant as exc:
        print(f"talk-reference-server: --mutant: {exc}", file=sys.stderr)
        return 2
    if args.mutant or config.mutant:
        logging.getLogger("reference_server").warning(
            "mutant %s active: %s", mutants._active, mutants.MUTANTS[args.mutant or config.mutant].rule
        )
    if not 0 <= args.port <= 65535:
        print(f"talk-reference-server: --port must be 0-65535, not {args.port}", file=sys.stderr)
        return 2
    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="talk-reference-")) if temporary else Path(args.data_dir)
    try:
        return _serve(args, config, data_dir)
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def _serve(args, config, data_dir: Path) -> int:
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(
            f"talk-reference-server: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    base_url = config.base_url or f"http://{shown_host}:{port}/"
    try:
        state = open_state(data_dir, config, base_url)
    except (OSError, sqlite3.Error) as exc:
        sock.close()
        print(f"talk-reference-server: cannot use data dir {data_dir}: {exc}", file=sys.stderr)
        return 1
    server = _Server(
        uvicorn.Config(
            create_app(state), log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5
        )
    )

    def stop_early(_sig, _frame):
        # A signal between the listening line and uvicorn's own handlers must still mean "shut down cleanly".
        server.should_exit = True

    signal.signal(signal.SIGINT, stop_early)
    signal.signal(signal.SIGTERM, stop_early)
    print(f"talk-reference-server listening on http://{shown_host}:{port}/", flush=True)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    finally:
        state.database.close()
        sock.close()
    return 0
