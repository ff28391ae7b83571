"""Given steps that drive a room's recording status through the public APIs, and config switches."""

from __future__ import annotations

from pytest_bdd import given, parsers

from conformance.outcomes import SetupError
from conformance.protocol import RECORDING_STATES
from conformance.suite import steps_need_it_alone
from conformance.target import RECORDING, switch_call_recording
from steps.calls import ensure_call
from steps.world import World

STATE = "(?P<state>" + "|".join(RECORDING_STATES) + ")"


def _require(world: World, what: str, status: int, response_text: str) -> None:
    if status != 200:
        raise SetupError(f"{what} answered {status} while preparing the room: {response_text[:200]}")


def drive_to(world: World, state: str) -> None:
    """none -> starting -> recording / failed, by a moderator's start and the recording server's report."""
    if state == "none":
        return
    ensure_call(world)
    status = 2 if "audio" in state else 1
    moderator = world.session("moderator")
    response = moderator.request("POST", f"{RECORDING}/{world.room}", data={"status": status})
    _require(world, "starting the recording", response.status_code, response.text)
    world.note_on_target("started", world.room, world.user_id("moderator"))
    client = world.recording_server
    if state in ("video", "audio"):
        response = client.started(world.room, status, "users", world.user_id("moderator"))
        _require(world, "the recording server's `started` report", response.status_code, response.text)
    elif state == "failed":
        response = client.failed(world.room)
        _require(world, "the recording server's `failed` report", response.status_code, response.text)
    # No read-back: the answers already say the state (start 200 is "starting", an accepted report is
    # the reported state), and every scenario's Then steps read the room where it matters.


@given(parsers.re(r"the room's recording is \"" + STATE + r"\""))
def recording_is(world: World, state: str) -> None:
    """Bring the room into a recording status."""
    drive_to(world, state)


RECORDING_DISABLED = "call recording is disabled on the target"
# Every other scenario would see recording disabled: the scenario runs alone from this step on.
steps_need_it_alone(RECORDING_DISABLED)


@given(RECORDING_DISABLED)
def recording_disabled(world: World) -> None:
    """Switch the app config `call_recording` off for this scenario (needs admin, runs exclusively)."""
    if world.profile.admin is None:
        raise SetupError("disabling recording needs the administrator account")
    world.run_alone()
    restore = switch_call_recording(
        world.run.base_url, world.profile.admin, False, world.timeout, world.profile.tls_verify
    )
    world.on_teardown(restore)
