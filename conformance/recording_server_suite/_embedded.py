"""The bundled reference recording server as a child process, configured to trust the Talk stand-in."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

from conformance.target import ChildServer

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
        self._child = ChildServer("the reference recording server", READY_LINE)
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
        self.url = self._child.launch(command, self.log_path, timeout)
        return self.url

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        self._child.stop()
