"""Steps about the call in the conversation."""

from __future__ import annotations

from pytest_bdd import given, when

from conformance.target import join_call, join_room, leave_call
from steps.world import World


def ensure_call(world: World) -> None:
    """Start a call (the moderator joins it) unless one is already active."""
    if world.call_active:
        return
    moderator = world.session("moderator")
    join_room(moderator, world.room)
    join_call(moderator, world.room)
    world.call_active = True


@given("a call is active in the conversation")
def call_is_active(world: World) -> None:
    """The moderator joins the room and its call, which makes the call active."""
    ensure_call(world)


@when("the call ends for everyone")
def call_ends(world: World) -> None:
    """The moderator ends the call for all participants."""
    world.act(lambda: leave_call(world.session("moderator"), world.room, for_everyone=True))
    world.call_active = False
