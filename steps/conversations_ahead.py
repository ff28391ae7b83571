"""Conversations created ahead of their scenario, while the scenario before it runs.

Against a slow target every setup request costs its latency. A scenario whose first step is "a conversation
with a moderator and a participant" finds that conversation already made: by the same two requests, under its
own room name and traffic label, only earlier. Profile `background_setup: false` turns this off.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from conformance.outcomes import SetupError
from conformance.suite.plugin import next_scenario, scenario_steps
from conformance.target import RunContext, TalkSession, add_participant, create_room, delete_room
from conformance.traffic import scenario_label, traffic_scenario_of_this_thread
from steps.world import room_name

CONVERSATION = "a conversation with a moderator and a participant"

# How long a scenario waits for its conversation before giving up: one creation and one invitation.
WAIT_FACTOR = 2


@dataclass
class Conversation:
    """A group conversation and the moderator's session that created it (already logged in)."""

    token: str
    moderator: TalkSession


def create_conversation(moderator: TalkSession, name: str, participant: str) -> str:
    """The moderator's group conversation with the participant as plain member; its token."""
    token = create_room(moderator, name)
    add_participant(moderator, token, participant)
    return token


def starts_with_conversation(item: pytest.Item) -> bool:
    """Whether the item's first step is the conversation step (what would be made ahead)."""
    steps = scenario_steps(item)
    return bool(steps) and steps[0] == ("given", CONVERSATION)


class ConversationsAhead:
    """One background thread that makes the next scenario's conversation; unclaimed ones are deleted."""

    def __init__(self, run: RunContext) -> None:
        self.run = run
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pending: dict[str, Future[Conversation]] = {}

    def prepare_after(self, item: pytest.Item) -> None:
        """Start on the conversation of the scenario after `item`, unless background setup is off."""
        # A disruptive scenario runs alone, its own setup included: nothing is made for the next one then.
        if self.run.profile.background_setup and item.get_closest_marker("disruptive") is None:
            self.prepare(next_scenario(item))

    def prepare(self, item: pytest.Item | None) -> None:
        """Start making the conversation of the next scenario (never a skipped one) if it opens with one."""
        if item is None or not starts_with_conversation(item):
            return
        label = scenario_label(item)
        with self._lock:
            if item.nodeid in self._pending:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ahead")
            self._pending[item.nodeid] = self._executor.submit(self._make, label)

    def _make(self, scenario: str) -> Conversation:
        profile = self.run.profile
        moderator, participant = profile.users[0], profile.users[1]
        session = TalkSession(self.run.base_url, moderator, profile.request_timeout, profile.tls_verify)
        try:
            with traffic_scenario_of_this_thread(scenario):
                token = create_conversation(session, room_name(self.run, scenario), participant.user_id)
        except BaseException:
            session.close()
            raise
        return Conversation(token, session)

    def claim(self, item: pytest.Item) -> Conversation | None:
        """The item's conversation, if one was made ahead (waits for it); a failure is a setup error."""
        with self._lock:
            future = self._pending.pop(item.nodeid, None)
        if future is None:
            return None
        limit = WAIT_FACTOR * self.run.profile.request_timeout
        try:
            return future.result(timeout=limit)
        except TimeoutError:
            future.add_done_callback(_delete_when_made)  # made too late for its scenario: not kept
            raise SetupError(f"the conversation prepared ahead was not ready within {limit:g} s") from None

    def close(self) -> list[str]:
        """Delete the conversations no scenario claimed (the run stopped early); return the problems."""
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
            executor, self._executor = self._executor, None
        problems = []
        for future in pending:
            try:
                conversation = future.result(timeout=WAIT_FACTOR * self.run.profile.request_timeout)
                _delete(conversation)
            except Exception as error:  # noqa: BLE001 - report every leftover, not just the first
                problems.append(f"a conversation prepared ahead: {error}")
        if executor is not None:
            executor.shutdown(wait=True)
        return problems


def _delete(conversation: Conversation) -> None:
    try:
        delete_room(conversation.moderator, conversation.token)
    finally:
        conversation.moderator.close()


def _delete_when_made(future: Future[Conversation]) -> None:
    if future.exception() is None:
        _delete(future.result())
