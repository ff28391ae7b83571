"""A server of ours as a child process: launched, awaited until it prints its listening line, stopped."""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from conformance.outcomes import SetupError

LOG_TAIL_LINES = 20


class ChildServer:
    """One child process that announces its URL on stdout and logs to a file; `name` words its errors."""

    def __init__(self, name: str, ready_line: re.Pattern[str], error: type[SetupError] = SetupError) -> None:
        self._name = name
        self._ready_line = ready_line
        self._error = error
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()  # the child's stdout, line by line
        self.log_path: Path | None = None

    def launch(self, command: Sequence[str], log_path: Path, timeout: float) -> str:
        """Start `command` and wait for its listening line; its URL without a trailing slash."""
        self.spawn(command, log_path)
        return self.wait_until_ready(timeout)

    @property
    def spawned(self) -> bool:
        """The process was started and not stopped since."""
        return self._process is not None

    def spawn(self, command: Sequence[str], log_path: Path) -> None:
        """Start `command` without waiting for it: it starts up while the caller does its own start."""
        self.log_path = log_path
        with open(log_path, "w", encoding="utf-8") as log:
            try:
                self._process = subprocess.Popen(
                    list(command), stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True
                )
            except OSError as exc:
                raise self._error(f"cannot start {self._name} ({exc})") from None
        self._lines = queue.Queue()
        # A reader thread, because a blocking readline() cannot honour the timeout.
        threading.Thread(
            target=_pump, args=(self._process, self._lines), daemon=True, name="child-server-stdout"
        ).start()

    def wait_until_ready(self, timeout: float) -> str:
        """Wait for the spawned process's listening line; its URL without a trailing slash."""
        process = self._process
        if process is None:
            raise self._error(f"{self._name} was not started")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fail(f"did not report readiness within {timeout:g}s")
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
                self._fail(f"exited with status {process.returncode} before it was ready")
            match = self._ready_line.search(line)
            if match:
                return match["url"].rstrip("/")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines the server wrote to its log."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _fail(self, what: str) -> None:
        tail = self.log_tail()
        detail = f"; last lines of its log:\n{tail}" if tail else "; it wrote nothing to its log"
        message = f"{self._name} {what} (log: {self.log_path}){detail}"
        self.stop()
        raise self._error(message)


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    # Keeps draining stdout after readiness, so the child never blocks on a full pipe.
    assert process.stdout is not None
    with contextlib.suppress(ValueError, OSError):
        for line in process.stdout:
            lines.put(line)
    lines.put(None)
