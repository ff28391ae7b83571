"""The reference server as a child process the benchmarks may inspect, limit, kill and restart."""

from __future__ import annotations

import os
import re
import resource
import select
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import requests
import yaml

READY_LINE = re.compile(r"talk-reference-server listening on (?P<url>http://\S+)")
REQUEST_LOG = "reference_server.requests"
ERROR_LOG = "reference_server.errors"


class ServerStartError(RuntimeError):
    """The reference server did not print its listening line."""


def default_config(upload_max_bytes: int = 1024 * 1024) -> dict:
    """Brute force in testing mode (counted, never slept), like the suite's embedded server."""
    return {"bruteforce": {"testing": True}, "upload_max_bytes": upload_max_bytes}


class ReferenceProcess:
    """`python -m reference_server` on a free loopback port with a data dir that survives restarts."""

    def __init__(
        self,
        work_dir: Path,
        config: Mapping | None = None,
        env: Mapping[str, str] | None = None,
        file_size_limit: int | None = None,
    ) -> None:
        self.work_dir = Path(work_dir)
        self.data_dir = self.work_dir / "data"
        self.config = dict(config if config is not None else default_config())
        self.env = dict(env or {})
        self.file_size_limit = file_size_limit
        self.log_path = self.work_dir / "reference-server.log"
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def pid(self) -> int:
        """Process id of the running server."""
        assert self.process is not None, "server not started"
        return self.process.pid

    def start(self, timeout: float = 30.0) -> str:
        """Launch (or relaunch on the same data dir) and wait for the listening line; return the base URL."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        config_path = self.work_dir / "reference-server.yaml"
        config_path.write_text(yaml.safe_dump(self.config), encoding="utf-8")
        command = [
            sys.executable, "-m", "reference_server", "--host", "127.0.0.1", "--port", "0",
            "--data-dir", str(self.data_dir), "--config", str(config_path),
        ]  # fmt: skip
        limit = self.file_size_limit

        def limit_file_size() -> None:
            # The "disk full" of an unprivileged process: writes past the limit fail with EFBIG.
            if limit is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        with open(self.log_path, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                text=True,
                env={**os.environ, **self.env},
                preexec_fn=limit_file_size if limit is not None else None,  # noqa: PLW1509
            )
        assert self.process.stdout is not None
        # The server prints exactly one line on stdout; wait for it no longer than the timeout.
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        match = READY_LINE.search(line)
        if match is None:
            self.kill()
            raise ServerStartError(f"reference server did not start: {line!r}; log:\n{self.log_tail()}")
        self.url = match["url"].rstrip("/")
        return self.url

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a power cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        self._reap()

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reap()

    def _reap(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()

    def alive(self) -> bool:
        """True while the process runs and answers a trivial request."""
        if self.process is None or self.process.poll() is not None:
            return False
        try:
            return requests.get(f"{self.url}/ocs/v2.php/cloud/capabilities", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def peak_rss_bytes(self) -> int:
        """VmHWM of the server process: the most resident memory it ever had."""
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        kib = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(kib[1]) * 1024 if kib else 0

    def log_lines(self) -> list[str]:
        """Everything the server wrote to stderr so far."""
        if not self.log_path.exists():
            return []
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def request_count(self) -> int:
        """Requests the server answered, counted from its per-request log lines."""
        return sum(REQUEST_LOG in line for line in self.log_lines())

    def unhandled_errors(self) -> list[str]:
        """Log lines of the last-resort exception handler (a 500 nobody registered)."""
        return [line for line in self.log_lines() if ERROR_LOG in line]

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log."""
        return "\n".join(self.log_lines()[-lines:])

    def __enter__(self) -> ReferenceProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
