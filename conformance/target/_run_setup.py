"""The run set-up, once: bundled server, fake recording server, signaling stand-in, recording config."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conformance.outcomes import SetupError
from conformance.target import _expectation_choice as expectation_choice
from conformance.target import _preflight as preflight
from conformance.target import _setup_driver as setup_driver
from conformance.target._cleanup_stack import CleanupStack
from conformance.target._embedded_server import EmbeddedServer
from conformance.target._fake_recording_server import FakeRecordingServer
from conformance.target._profile import EMBEDDED_UPLOAD_LIMIT_BYTES, RunContext, TargetProfile
from conformance.target._signaling_stand_in import SignalingStandIn


@dataclass
class PreparedRun:
    """What a run set up on the target, valid until its stop function ran."""

    profile: TargetProfile
    base_url: str
    fake_url: str
    fake_url_for_target: str
    signaling_stand_in: SignalingStandIn | None  # None: the target keeps its own signaling server
    signaling_secret: str = field(repr=False)
    checks: preflight.Preflight
    expectations_line: str = ""  # the preflight's line about the expectations the run uses

    def context(self, lock_path: Path) -> RunContext:
        """The plain data every scenario (and xdist worker) of the run shares."""
        return RunContext(
            profile=self.profile,
            base_url=self.base_url,
            fake_recording_server_url=self.fake_url,
            recording_server_url_for_target=self.fake_url_for_target,
            lock_path=lock_path,
            signaling_stand_in_url=self.signaling_stand_in.url if self.signaling_stand_in else None,
            target_release=self.checks.release,
        )

    def secrets(self) -> tuple[str, ...]:
        """Values of this set-up that outputs must hide, besides the profile's."""
        return (self.signaling_secret,)


def set_up_run(
    profile: TargetProfile,
    work_dir: Path | None = None,
    checks: preflight.Preflight | None = None,
    launched_server: EmbeddedServer | None = None,
) -> tuple[PreparedRun, Callable[[], list[str]]]:
    """Set up the run (preflight included); return it and a stop function listing cleanup problems.

    Without a URL in the profile the run uses the bundled server: `launched_server`, when the caller started
    it ahead (see `bundled_server`), else one started here.
    """
    checks = checks or preflight.Preflight(profile)
    cleanups = CleanupStack()
    stop = cleanups.unwind

    try:
        base_url = profile.url
        if base_url is None:
            server = launched_server or bundled_server(profile, work_dir)
            cleanups.push("stopping the reference server", server.stop)
            base_url = server.start()
        checks.target(base_url)
        choice = expectation_choice.choose(profile.expectations, profile.auto_expectations, checks.release)
        profile = dataclasses.replace(profile, expectations=choice.path)
        checks.announce(choice.line)
        checks.administration(base_url)
        profile = _resolve_background_setup(profile, checks.database(base_url))
        host, port = profile.listen_address
        fake = FakeRecordingServer(secret=profile.recording_secret, host=host, port=port)
        _start_server(fake.start, "the fake recording server", profile.fake_recording_server_listen)
        cleanups.push("stopping the fake recording server", fake.stop)
        fake_for_target = profile.fake_recording_server_url or fake.url
        signaling_secret = secrets.token_hex(16)
        stand_in: SignalingStandIn | None = None
        if profile.configure_recording and profile.admin is not None:
            host, port = profile.signaling_listen_address
            stand_in = SignalingStandIn(signaling_secret, host, port)
            _start_server(stand_in.start, "the signaling stand-in", profile.signaling_stand_in_listen)
            cleanups.push("stopping the signaling stand-in", stand_in.stop)
            for_target = setup_driver.SignalingServer(
                profile.signaling_stand_in_url or stand_in.url, signaling_secret
            )
            configuration = setup_driver.configure_recording(
                base_url, profile.admin, profile.recording_secret, fake_for_target, profile.request_timeout,
                profile.tls_verify, signaling_stand_in=for_target,
            )  # fmt: skip
            cleanups.push("restoring the target's recording configuration", configuration)
            if not configuration.signaling_stand_in_used:
                stand_in = None  # the target's own signaling server gets the notifications
            checks.reachability(base_url, fake_for_target, for_target.url if stand_in else None)
        prepared = PreparedRun(
            profile, base_url, fake.url, fake_for_target, stand_in, signaling_secret, checks, choice.line
        )
    except BaseException:
        stop()
        raise
    return prepared, stop


def bundled_server(profile: TargetProfile, work_dir: Path | None = None) -> EmbeddedServer:
    """The bundled reference server a run without a target URL uses (not started yet)."""
    return EmbeddedServer(
        work_dir / "reference-server" if work_dir else None,
        upload_max_bytes=profile.upload_limit_bytes or EMBEDDED_UPLOAD_LIMIT_BYTES,
    )


def _resolve_background_setup(profile: TargetProfile, database: str | None) -> TargetProfile:
    """`background_setup: auto` decided: one request at a time against a SQLite-backed target."""
    if profile.background_setup is not None:
        return profile
    return dataclasses.replace(profile, background_setup=database != preflight.SQLITE)


def _start_server(start_server: Callable[[], None], what: str, listen: str) -> None:
    try:
        start_server()
    except OSError as exc:  # a failure outside the bind, e.g. no thread can be started
        raise SetupError(f"{what} cannot listen on {listen}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def prepared_run(
    profile: TargetProfile, work_dir: Path | None = None, checks: preflight.Preflight | None = None
) -> Iterator[PreparedRun]:
    """`set_up_run` as a context manager; cleanup problems become one SetupError at the end."""
    run, stop = set_up_run(profile, work_dir, checks)
    try:
        yield run
    except BaseException:
        stop()  # the body's exception says more than a cleanup problem after it
        raise
    problems = stop()
    if problems:
        raise SetupError("cleanup after the run failed: " + "; ".join(problems))


def new_run_dir() -> Path:
    """A fresh, unique place for one run's lock, traffic parts and hand-over files (created when used)."""
    return Path(tempfile.gettempdir()) / f"talk-conformance-{os.getpid()}-{secrets.token_hex(4)}"


def preflight_run(profile: TargetProfile, report: Callable[[str], None]) -> None:
    """The preflight as a command: set the run up, report each check, undo it all (PreflightFailed etc.)."""
    with prepared_run(profile, checks=preflight.Preflight(profile, report)):
        pass
