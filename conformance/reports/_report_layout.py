"""Where each command writes its reports by default, and whether a chosen report directory can be used.

One layout for every command (README, "Reports"): everything below ./conformance-report, the scenarios of
`run` at its top, `fuzz` in fuzz/, `recording-server` in recording-server/.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPORT_ROOT = "conformance-report"
DEFAULT_REPORT_DIRS = {
    "run": REPORT_ROOT,
    "fuzz": f"{REPORT_ROOT}/fuzz",
    "recording-server": f"{REPORT_ROOT}/recording-server",
}


def default_report_dir(command: str) -> str:
    """A command's report directory when --report-dir is not given (relative to the working directory)."""
    return DEFAULT_REPORT_DIRS[command]


def unusable_report_dir(path: Path) -> str | None:
    """Why reports cannot be written to `path` (created if missing); None when they can."""
    if path.exists() and not path.is_dir():
        return f"{path} exists and is not a directory"
    try:
        path.mkdir(parents=True, exist_ok=True)
        # Writable for this user: a directory created by someone else (or read-only media) fails here.
        with tempfile.NamedTemporaryFile(dir=path, prefix=".talk-conformance-probe-"):
            pass
    except OSError as exc:
        return f"cannot write to {path}: {exc.strerror or exc}"
    if not os.access(path, os.W_OK):
        return f"cannot write to {path}: permission denied"
    return None
