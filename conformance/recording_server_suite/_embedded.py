"""The bundled reference recording server as a child process, configured to trust the Talk stand-in."""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from conformance.outcomes import SetupError

READY_LINE = re.compile(r"talk-reference-recording-server listening on (?P<url>https?://\S+)")
START_DELAY_SECONDS = 0.05  # short, so the run stays fast; long enough that a start is answered first


class EmbeddedRecordingServer:
    """`python -m reference_recording_server` on a free loopback port, for one run."""

    def __init__(
        self, work_dir: Path, backend_url: str, secret: str, mutant: str | None = None, **settings: Any
    ) -> None:
        self._settings = settings  # more configuration keys, e.g. faults (tests)
        self._work_dir = work_dir
        self._backend_url = backend_url
        self._secret = secret
        self._mutant = mutant
        self._process: subprocess.Popen[str] | None = None
        self.log_path = work_dir / "reference-recording-server.log"
        self.url = ""

    def start(self, timeout: float = 30.0) -> str:
        """Launch it and wait for its listening line; its URL without a trailing slash."""
        self._work_dir.mkdir(parents=True, exist_ok=True)
        config = self._work_dir / "reference-recording-server.yaml"
        settings = {
            "backends": [{"url": self._backend_url, "secret": self._secret}],
            "start_delay": START_DELAY_SECONDS,
            **self._settings,
        }
        config.write_text(yaml.safe_dump(settings), encoding="utf-8")
        config.chmod(0o600)  # it holds the secret
        command = [sys.executable, "-m", "reference_recording_server", "--port", "0", "--config", str(config)]
        if self._mutant:
            command += ["--mutant", self._mutant]
        with open(self.log_path, "w", encoding="utf-8") as log:
            try:
                self._process = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True
                )
            except OSError as exc:
                raise SetupError(f"cannot start the reference recording server ({exc})") from None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(self._process, lines), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            match = READY_LINE.search(line)
            if match:
                self.url = match["url"].rstrip("/")
                return self.url
        self.stop()
        tail = "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-10:])
        raise SetupError(f"the reference recording server did not come up (log {self.log_path}):\n{tail}")

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


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    # Keeps draining stdout after readiness, so the child never blocks on a full pipe.
    assert process.stdout is not None
    with contextlib.suppress(ValueError, OSError):
        for line in process.stdout:
            lines.put(line)
    lines.put(None)
