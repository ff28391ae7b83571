"""Steps: a real recording server (the reference one, or one at a URL) records for the target."""

from __future__ import annotations

import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from conformance.outcomes import Unsupported
from conformance.protocol import RECORDING_STATES
from conformance.recording_server_suite import EmbeddedRecordingServer
from conformance.suite.plugin import scenario_steps
from conformance.target import RunContext, configure_recording
from steps.recording_server import file_parameter, recording_notifications
from steps.world import World, poll

# A real recording takes a few round trips; the reference recording server reports within milliseconds.
REPORT_TIMEOUT = 15.0
# As its start delay: long enough for Talk to have answered the start (and stored "starting") first.
FAILING = {"faults": {"fail_after": 0.05}}
KINDS = ("faithful", "failing")
RECORDS_FOR_THE_TARGET = "a real recording server records for the target"
CANNOT_RECORD = "the real recording server cannot record"
REAL_SERVER_STEPS = {("given", RECORDS_FOR_THE_TARGET), ("given", CANNOT_RECORD)}  # the steps that set one up


def uses_real_recording_server(item: pytest.Item) -> bool:
    """Whether the scenario sets a real recording server up (in its own steps or its feature's background)."""
    return any(step in REAL_SERVER_STEPS for step in scenario_steps(item) or ())


class RealRecordingServers:
    """The recording servers started for the end-to-end group, one per configuration; stopped at the end."""

    def __init__(self) -> None:
        self._work = tempfile.TemporaryDirectory(prefix="talk-end-to-end-")
        self._starts = ThreadPoolExecutor(max_workers=len(KINDS), thread_name_prefix="recording-server")
        self._started: dict[str, Future[EmbeddedRecordingServer]] = {}
        self._considered = False  # whether start_ahead looked at the session's scenarios

    def url(self, world: World, failing: bool = False) -> str:
        """The URL of the recording server to use; the reference ones are started on first use."""
        wanted = world.profile.recording_server
        if wanted is None:
            raise Unsupported(
                "no real recording server: set recording_server in the profile (reference or a URL)"
            )
        if wanted != "reference":
            if failing:
                raise Unsupported("a recording server that cannot record needs recording_server: reference")
            return wanted
        self._start_both(world.run)
        return self._started["failing" if failing else "faithful"].result().url

    def start_ahead(self, run: RunContext, items: list[pytest.Item]) -> None:
        """Start the reference ones now when a scenario of the session needs them, so none waits for them."""
        if self._considered:
            return
        self._considered = True
        if run.profile.recording_server == "reference" and any(map(uses_real_recording_server, items)):
            self._start_both(run)

    def _start_both(self, run: RunContext) -> None:
        if not self._started:
            # Both at once: the other kind is up by the time a later scenario asks for it (a start costs
            # the scenario that waits for it some 0.2 s).
            for kind in KINDS:
                self._started[kind] = self._starts.submit(self._start, run, kind)

    def _start(self, run: RunContext, kind: str) -> EmbeddedRecordingServer:
        server = EmbeddedRecordingServer(
            Path(self._work.name) / kind,
            run.base_url + "/",
            run.profile.recording_secret,
            **(FAILING if kind == "failing" else {}),
        )
        server.start()
        return server

    def stop(self) -> None:
        """Stop every recording server started here, all at once, while the rest of the run tears down."""
        self._starts.shutdown(wait=True)  # a start still under way ends first
        running = [future.result() for future in self._started.values() if future.exception() is None]
        self._started.clear()
        # Each stop waits out uvicorn's shutdown (some 0.15 s). Not a daemon: the process waits for it (and
        # the removal of the work directory) before it exits.
        threading.Thread(target=self._stop_all, args=(running,), name="recording-servers-stop").start()

    def _stop_all(self, running: list[EmbeddedRecordingServer]) -> None:
        try:
            with ThreadPoolExecutor(max_workers=max(len(running), 1)) as pool:
                list(pool.map(EmbeddedRecordingServer.stop, running))
        finally:
            self._work.cleanup()


def _use(world: World, url: str) -> None:
    admin = world.profile.admin
    if admin is None:
        raise Unsupported("the end-to-end group needs the profile's admin account")
    restore = configure_recording(
        world.run.base_url,
        admin,
        world.profile.recording_secret,
        url,
        world.timeout,
        world.profile.tls_verify,
    )
    world.on_teardown(restore)  # back to the fake recording server for every other scenario


@given(RECORDS_FOR_THE_TARGET)
def real_server_records(world: World, real_recording_servers: RealRecordingServers) -> None:
    _use(world, real_recording_servers.url(world))


@given(CANNOT_RECORD)
def real_server_cannot_record(world: World, real_recording_servers: RealRecordingServers) -> None:
    _use(world, real_recording_servers.url(world, failing=True))


@when("the real recording server can record again")
def real_server_records_again(world: World, real_recording_servers: RealRecordingServers) -> None:
    _use(world, real_recording_servers.url(world))


@then(parsers.re(r"the room's recording status becomes \"(?P<state>[a-z ]+)\""))
def recording_status_becomes(world: World, state: str) -> None:
    wanted = RECORDING_STATES[state]
    reached = poll(
        lambda: world.recording_status() == wanted,
        timeout=REPORT_TIMEOUT,
        waiting_for=f"the recording server to bring the room to {state!r}",
    )
    assert reached, world.explain(
        f"the room's recording status is {world.recording_status()} after {REPORT_TIMEOUT:g}s",
        f"{wanted} ({state}), reported by the recording server",
    )


@then("the moderator is notified that a video recording of the room is stored")
def notified_video_stored(world: World) -> None:
    def stored() -> list:
        return [n for n in recording_notifications(world, "moderator") if file_parameter(n).get("name")]

    found = poll(stored, timeout=REPORT_TIMEOUT, waiting_for="the recording server's upload to be stored")
    assert found, world.explain("the moderator has no notification about a stored recording", "one")
    name = str(file_parameter(found[0])["name"])
    assert name.startswith("Recording ") and name.endswith(".webm"), world.explain(
        f"the stored recording is named {name!r}",
        "Recording <date and time>.webm, as the recording server names it",
    )
