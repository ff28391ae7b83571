"""The run's traffic recording: whether it is wanted, starting it, and merging it into one HAR at the end."""

from __future__ import annotations

from pathlib import Path

from conformance.redaction import Redactor
from conformance.target import TargetProfile
from conformance.traffic import (
    active_traffic_capture,
    start_traffic_capture,
    stop_traffic_capture,
    traffic_part_files,
)


class RunTraffic:
    """Records the run's exchanges into part files in the run directory when a HAR is asked for."""

    def __init__(self, asked: Path | None, invocation_dir: Path, run_dir: Path, redactor: Redactor) -> None:
        self.asked = asked
        self.invocation_dir = invocation_dir
        self.run_dir = run_dir
        self.redactor = redactor
        self.written: tuple[Path, int] | None = None

    def path(self, profile: TargetProfile | None) -> Path | None:
        """Where the run's traffic goes as HAR: the option, else the profile's record_traffic."""
        chosen = self.asked or (profile.record_traffic if profile is not None else None)
        return (self.invocation_dir / chosen).resolve() if chosen else None

    def start(self, profile: TargetProfile, restart: bool = True) -> None:
        """Record from now on when the run asks for a HAR (into the same part file, with our redactor)."""
        if self.path(profile) is not None and (restart or active_traffic_capture() is None):
            start_traffic_capture(self.run_dir, self.redactor)

    def write(self, profile: TargetProfile | None, target_url: str | None) -> str | None:
        """Controller: merge every process's parts into the HAR; the problem, if writing failed."""
        out = self.path(profile)
        stop_traffic_capture()
        if out is None or not traffic_part_files(self.run_dir):
            return None
        from conformance.traffic import write_run_har

        try:
            count = write_run_har(self.run_dir, out, target_url)
        except OSError as exc:
            return f"writing the traffic recording {out} failed: {exc}"
        self.written = (out, count)
        return None
