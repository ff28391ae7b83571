"""Start and stop the bundled reference server as a child process for one run."""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from conformance.outcomes import SetupError
from conformance.target._profile import EMBEDDED_UPLOAD_LIMIT_BYTES

READY_LINE = re.compile(r"talk-reference-server listening on (?P<url>https?://\S+)")
LOG_TAIL_LINES = 20


class EmbeddedServerError(SetupError):
    """The bundled reference server did not come up."""


def reference_server_config(upload_max_bytes: int) -> dict:
    """The configuration the suite runs the reference server with."""
    # testing mode: brute force is counted and answered with 429, but nobody sleeps.
    return {"bruteforce": {"testing": True}, "upload_max_bytes": upload_max_bytes}


class EmbeddedServer:
    """The reference server in a child process, bound to a free loopback port."""

    def __init__(
        self,
        work_dir: Path | None = None,
        upload_max_bytes: int = EMBEDDED_UPLOAD_LIMIT_BYTES,
        startup_timeout: float = 30.0,
        command: Sequence[str] | None = None,
        mutant: str | None = None,
        talk_version: int | None = None,
    ) -> None:
        self._work_dir = work_dir
        self._talk_version = talk_version  # the Talk release it models (None: its default, the newest)
        self._upload_max_bytes = upload_max_bytes
        self._startup_timeout = startup_timeout
        self._command = list(command) if command else None
        self._mutant = mutant
        self._process: subprocess.Popen[str] | None = None
        self._own_tmp: tempfile.TemporaryDirectory[str] | None = None
        self.url: str = ""
        self.log_path: Path | None = None

    def start(self) -> str:
        """Launch the server and wait for its "listening on" line; return its base URL (no trailing slash)."""
        work_dir = self._prepare_work_dir()
        data_dir = work_dir / "data"
        data_dir.mkdir(exist_ok=True)
        config_path = work_dir / "reference-server.yaml"
        config = reference_server_config(self._upload_max_bytes)
        if self._talk_version is not None:
            config["talk_version"] = self._talk_version
        config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.log_path = work_dir / "reference-server.log"
        command = self._command or [
            sys.executable,
            "-m",
            "reference_server",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--config",
            str(config_path),
            *(("--mutant", self._mutant) if self._mutant else ()),
        ]
        with open(self.log_path, "w", encoding="utf-8") as log:
            try:
                self._process = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True
                )
            except OSError as exc:
                raise EmbeddedServerError(f"cannot start the reference server ({exc})") from None
        self.url = self._wait_until_ready(self._process)
        return self.url

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after a grace period)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._own_tmp is not None:
            self._own_tmp.cleanup()
            self._own_tmp = None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines the server wrote to stderr."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _prepare_work_dir(self) -> Path:
        if self._work_dir is not None:
            self._work_dir.mkdir(parents=True, exist_ok=True)
            return self._work_dir
        self._own_tmp = tempfile.TemporaryDirectory(prefix="talk-reference-server-")
        return Path(self._own_tmp.name)

    def _wait_until_ready(self, process: subprocess.Popen[str]) -> str:
        lines: queue.Queue[str | None] = queue.Queue()
        # A reader thread, because a blocking readline() cannot honour the startup timeout.
        reader = threading.Thread(target=_pump, args=(process, lines), daemon=True, name="reference-stdout")
        reader.start()
        deadline = time.monotonic() + self._startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                message = self._failure(f"did not report readiness within {self._startup_timeout:g}s")
                self.stop()
                raise EmbeddedServerError(message)
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
                message = self._failure(f"exited with status {process.returncode} before it was ready")
                self.stop()
                raise EmbeddedServerError(message)
            match = READY_LINE.search(line)
            if match:
                return match["url"].rstrip("/")

    def _failure(self, what: str) -> str:
        tail = self.log_tail()
        where = f" (log: {self.log_path})" if self.log_path else ""
        detail = f"; last lines of its log:\n{tail}" if tail else "; it wrote nothing to its log"
        return f"the bundled reference server {what}{where}{detail}"


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    # Keeps draining stdout after readiness so the child never blocks on a full pipe.
    assert process.stdout is not None
    with contextlib.suppress(ValueError, OSError):
        for line in process.stdout:
            lines.put(line)
    lines.put(None)
