"""Given steps that prepare conversations and who is in them."""

from __future__ import annotations

from pytest_bdd import given

from conformance import setup_driver
from steps.world import World


@given("a conversation with a moderator and a participant")
def conversation(world: World) -> None:
    """A group conversation owned by the moderator, with the participant as plain member."""
    moderator = world.session("moderator")
    token = setup_driver.create_room(moderator, world.room_name())
    world.token = token
    world.on_teardown(lambda: world.delete_room_later(token))
    world.on_teardown(lambda: world.fake.forget(token))
    setup_driver.add_participant(moderator, token, world.user_id("participant"))


@given("the participant is a moderator of the conversation")
def participant_is_moderator(world: World) -> None:
    """Promote the participant."""
    setup_driver.promote(world.session("moderator"), world.room, world.user_id("participant"))


@given("the conversation is public")
def conversation_is_public(world: World) -> None:
    """Guests may join by link."""
    setup_driver.make_public(world.session("moderator"), world.room)


@given("a guest has joined the conversation")
def guest_joined(world: World) -> None:
    """A guest opens a Talk session in the room (kept in the guest's cookies)."""
    setup_driver.join_room(world.session("guest"), world.room)
