"""Given steps that prepare conversations and who is in them."""

from __future__ import annotations

import pytest
from pytest_bdd import given

from conformance.target import join_room, make_public, promote_to_moderator
from steps.conversations_ahead import CONVERSATION, ConversationsAhead, create_conversation
from steps.world import World


@given(CONVERSATION)
def conversation(
    world: World, conversations_ahead: ConversationsAhead, request: pytest.FixtureRequest
) -> None:
    """A group conversation owned by the moderator, with the participant as plain member."""
    made = conversations_ahead.claim(request.node)
    if made is not None:
        world.use_session("moderator", made.moderator)
        token = made.token
    else:
        moderator, participant = world.session("moderator"), world.user_id("participant")
        token = create_conversation(moderator, world.room_name(), participant)
    world.token = token
    world.on_teardown(lambda: world.delete_room_later(token))
    world.on_teardown(lambda: world.fake.forget(token))
    conversations_ahead.prepare_after(request.node)


@given("the participant is a moderator of the conversation")
def participant_is_moderator(world: World) -> None:
    """Promote the participant."""
    promote_to_moderator(world.session("moderator"), world.room, world.user_id("participant"))


@given("the conversation is public")
def conversation_is_public(world: World) -> None:
    """Guests may join by link."""
    make_public(world.session("moderator"), world.room)


@given("a guest has joined the conversation")
def guest_joined(world: World) -> None:
    """A guest opens a Talk session in the room (kept in the guest's cookies)."""
    join_room(world.session("guest"), world.room)
