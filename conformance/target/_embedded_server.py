"""Start and stop the bundled reference server as a child process for one run."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

from conformance.outcomes import SetupError
from conformance.target._child_server import LOG_TAIL_LINES, ChildServer
from conformance.target._profile import EMBEDDED_UPLOAD_LIMIT_BYTES

READY_LINE = re.compile(r"talk-reference-server listening on (?P<url>https?://\S+)")


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
        self._child = ChildServer("the bundled reference server", READY_LINE, EmbeddedServerError)
        self._own_tmp: tempfile.TemporaryDirectory[str] | None = None
        self.url: str = ""
        self.log_path: Path | None = None

    def launch(self) -> None:
        """Start the server process without waiting for it, so that it starts up while the caller does."""
        if self._child.spawned:
            return
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
        try:
            self._child.spawn(command, self.log_path)
        except EmbeddedServerError:
            self.stop()  # the temporary work directory too
            raise

    def start(self) -> str:
        """Launch the server (unless `launch` did) and wait for its "listening on" line; its base URL."""
        self.launch()
        try:
            self.url = self._child.wait_until_ready(self._startup_timeout)
        except EmbeddedServerError:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after a grace period)."""
        self._child.stop()
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
        return self._child.log_tail(lines)

    def _prepare_work_dir(self) -> Path:
        if self._work_dir is not None:
            self._work_dir.mkdir(parents=True, exist_ok=True)
            return self._work_dir
        self._own_tmp = tempfile.TemporaryDirectory(prefix="talk-reference-server-")
        return Path(self._own_tmp.name)
