"""The talk-reference-server command."""

import argparse
import asyncio
import logging
import shutil
import signal
import socket
import sqlite3
import ssl
import sys
import tempfile
from pathlib import Path

import uvicorn

from reference_server import mutant_switch, mutants, web_root
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
        "mutant; --list-mutants names them",
    )
    parser.add_argument(
        "--list-mutants", action="store_true", help="print every mutant's name and rule, then exit"
    )
    parser.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate (chain)")
    parser.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert")
    parser.add_argument(
        "--web-root",
        default="",
        metavar="PATH",
        help="serve everything below this path, as a Nextcloud in a sub-directory (e.g. /nextcloud)",
    )
    return parser


def _tls_problem(cert: str | None, key: str | None) -> str | None:
    """Why the TLS options cannot be used (None when they can, or when TLS is off)."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        return "--tls-cert and --tls-key go together"
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not Path(path).is_file():
            return f"{option}: {path} does not exist or is not a file"
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:  # ssl.SSLError: not PEM, or the key does not fit the certificate
        return f"--tls-cert/--tls-key: cannot use {cert} with {key}: {getattr(exc, 'reason', None) or exc}"
    return None


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
        mutant_switch.activate(args.mutant or config.mutant)
    except mutants.UnknownMutant as exc:
        print(f"talk-reference-server: --mutant: {exc}", file=sys.stderr)
        return 2
    if args.mutant or config.mutant:
        logging.getLogger("reference_server").warning(
            "mutant %s active: %s", mutant_switch.active(), mutants.MUTANTS[args.mutant or config.mutant].rule
        )
    if not 0 <= args.port <= 65535:
        print(f"talk-reference-server: --port must be 0-65535, not {args.port}", file=sys.stderr)
        return 2
    problem = _tls_problem(args.tls_cert, args.tls_key)
    try:
        args.web_root = web_root.normalize(args.web_root)
    except ValueError as exc:
        problem = problem or f"--web-root {exc}"
    if problem:
        print(f"talk-reference-server: {problem}", file=sys.stderr)
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
    scheme = "https" if args.tls_cert else "http"
    listening_url = f"{scheme}://{shown_host}:{port}{args.web_root}/"
    try:
        state = open_state(data_dir, config, config.base_url or listening_url)
    except (OSError, sqlite3.Error) as exc:
        sock.close()
        print(f"talk-reference-server: cannot use data dir {data_dir}: {exc}", file=sys.stderr)
        return 1
    server = _Server(
        uvicorn.Config(
            create_app(state, args.web_root),
            log_config=None,
            access_log=False,
            lifespan="on",
            # Nextcloud trusts no proxy by default: X-Forwarded-* change neither the client nor the scheme.
            proxy_headers=False,
            timeout_graceful_shutdown=5,
            ssl_certfile=args.tls_cert,
            ssl_keyfile=args.tls_key,
        )
    )

    def stop_early(_sig, _frame):
        # A signal between the listening line and uvicorn's own handlers must still mean "shut down cleanly".
        server.should_exit = True

    signal.signal(signal.SIGINT, stop_early)
    signal.signal(signal.SIGTERM, stop_early)
    print(f"talk-reference-server listening on {listening_url}", flush=True)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    finally:
        state.database.close()
        sock.close()
    return 0
