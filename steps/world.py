"""The state of one scenario: who acts, which room, what was sent last, what to clean up."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from conformance import progress_lines
from conformance.outcomes import SetupError
from conformance.protocol import REQUEST_NAMES, START_OPERATION, load_contract
from conformance.redaction import Redactor
from conformance.reports import AssertionLog, describe_body
from conformance.target import (
    Account,
    FakeRecordingServerControl,
    RecordingServerClient,
    RunContext,
    TalkSession,
    answer_order,
    chat_messages,
    delete_room,
    get_room,
    note_target_trace,
    submit_background_cleanup,
)
from conformance.traffic import current_traffic_scenario, traffic_scenario_of_this_thread

# How long to wait for effects the target may apply asynchronously (chat, notifications).
EFFECT_TIMEOUT = 5.0
POLL_FIRST_PAUSE = 0.01
POLL_LONGEST_PAUSE = 0.5

REQUEST = r"the (?P<request>request|" + "|".join(REQUEST_NAMES) + ")"

# The Then steps that compare the room with the room as it was just before an action. Only a scenario with
# such a step pays for reading the room before each of its actions (two requests each on a slow target).
STATUS_IS = r"the room's recording status is \"(?P<state>[a-z ]+)\""
NO_RECORDING_MESSAGE_SINCE = "the chat shows no recording system message since then"
BEFORE_READS = {"status": re.compile(STATUS_IS), "chat": re.compile(re.escape(NO_RECORDING_MESSAGE_SINCE))}


def before_reads(steps: list[tuple[str, str]] | None) -> frozenset[str]:
    """What a scenario with these (type, text) steps reads before each action; everything when unknown."""
    if steps is None:
        return frozenset(BEFORE_READS)
    return frozenset(
        what
        for what, pattern in BEFORE_READS.items()
        if any(kind == "then" and pattern.fullmatch(text) for kind, text in steps)
    )


@dataclass
class Exchange:
    """One action of a When step: the request sent (if any) and what the room looked like just before."""

    operation: str | None  # operationId of the request; None for actions outside the recording API
    response: requests.Response | None
    sent_body: bytes | None = None
    status_before: int | None = None  # the room's recording status read just before the request
    trigger: str | None = None  # the type of a report (started, stopped, failed)
    chat_mark: int | None = None  # the newest chat message id before the request (None: not read)
    order: int = 0  # when it was answered, among every request of the run (conformance.target.answer_order)


def room_name(run: RunContext, scenario: str) -> str:
    """A room name carrying the run prefix, so leftovers can be traced to a run."""
    return f"{run.profile.run_id} {scenario}"[:200]


class World:
    """Everything one scenario knows; created fresh per scenario, torn down even after failures."""

    def __init__(
        self,
        run: RunContext,
        scenario: str,
        assertions: AssertionLog | None = None,
        steps: list[tuple[str, str]] | None = None,
        alone: Callable[[], None] | None = None,
    ) -> None:
        self.run = run
        self._alone = alone
        self.before_reads = before_reads(steps)
        self.assertions = assertions if assertions is not None else AssertionLog()
        self.profile = run.profile
        self.scenario = scenario
        self.timeout = self.profile.request_timeout
        self.redactor = Redactor(self.profile.secrets())
        self.recording_server = RecordingServerClient(
            run.base_url, self.profile.recording_secret, self.timeout, self.profile.tls_verify
        )
        self.fake = FakeRecordingServerControl.nearest(run.fake_recording_server_url, self.timeout)
        self._sessions: dict[str, TalkSession] = {}
        self._anonymous: list[TalkSession] = []
        self._cleanups: list[Callable[[], None]] = []
        self.token: str | None = None
        self.call_active = False
        self.exchanges: list[Exchange] = []  # the When steps' actions, oldest first
        self._preparing = 0
        self.fake_baseline = 0  # requests the fake had received for the room before the last action
        self.stored_file: dict[str, Any] | None = None  # {"id", "timestamp", "name"} of a stored recording
        self.stored_files: dict[str, dict[str, Any]] = {}  # the same, per owner role
        self.scripted_answers: dict[str, str] = {}  # how the fake answers start/stop requests for the room
        self.brute_force_reset_planned = False
        self.reset_around_it = False  # @disruptive: the plugin clears brute-force attempts before and after

    # --- actors -------------------------------------------------------------------------------------

    def account(self, role: str) -> Account:
        """The profile account playing a role."""
        users = self.profile.users
        accounts = {"moderator": users[0], "participant": users[1], "outsider": users[2]}
        if role == "administrator":
            if self.profile.admin is None:
                raise SetupError("the scenario needs the administrator but the profile has no admin account")
            return self.profile.admin
        if role not in accounts:
            raise SetupError(f"the role {role!r} has no account")
        return accounts[role]

    def session(self, role: str) -> TalkSession:
        """The actor's own HTTP session (cookie jar); the anonymous client gets a fresh one each time."""
        if role == "anonymous client":
            anonymous = TalkSession(self.run.base_url, None, self.timeout, self.profile.tls_verify)
            self._anonymous.append(anonymous)
            return anonymous
        if role not in self._sessions:
            account = None if role == "guest" else self.account(role)
            self._sessions[role] = TalkSession(
                self.run.base_url, account, self.timeout, self.profile.tls_verify
            )
        return self._sessions[role]

    def run_alone(self) -> None:
        """Hold the target alone from here on: the step changes its global state (needs @exclusive)."""
        if self._alone is not None:
            self._alone()

    def use_session(self, role: str, session: TalkSession) -> None:
        """Let an actor act through a session made before the scenario (a conversation made ahead)."""
        if role in self._sessions:
            self._sessions[role].close()
        self._sessions[role] = session

    def user_id(self, role: str) -> str:
        """The user id behind a role."""
        return self.account(role).user_id

    # --- the room -----------------------------------------------------------------------------------

    @property
    def room(self) -> str:
        """Token of the scenario's conversation."""
        if self.token is None:
            raise SetupError("the scenario has no conversation yet (missing Given step)")
        return self.token

    def room_name(self) -> str:
        """The name of the scenario's conversation."""
        return room_name(self.run, self.scenario)

    def recording_status(self) -> int:
        """The room's `callRecording` as the moderator reads it through the Talk API."""
        room = get_room(self.session("moderator"), self.room)
        status = room.get("callRecording")
        if not isinstance(status, int):
            raise AssertionError(self.explain(f"the room object has no integer callRecording: {room!r}"))
        return status

    # --- cleanup ------------------------------------------------------------------------------------

    def delete_room_later(self, token: str) -> None:
        """Delete the room in the background, on a session of its own: the next scenario need not wait."""
        if not self.profile.background_setup:
            delete_room(self.session("moderator"), token)
            return
        moderator = self.account("moderator")
        base_url, timeout, verify = self.run.base_url, self.timeout, self.profile.tls_verify
        scenario = current_traffic_scenario()

        def delete() -> None:
            session = TalkSession(base_url, moderator, timeout, verify)
            try:
                with traffic_scenario_of_this_thread(scenario):
                    delete_room(session, token)
            finally:
                session.close()

        submit_background_cleanup(f"deleting room {token}", delete)

    def note_on_target(self, kind: str, token: str, user: str) -> None:
        """Note what outlives the room (a stored recording, a start marker): the run removes it at the end."""
        note_target_trace(self.run.lock_path.parent, kind, token, user)

    def on_teardown(self, action: Callable[[], None]) -> None:
        """Run this after the scenario, newest first, even when the scenario failed."""
        self._cleanups.append(action)

    def tear_down(self) -> None:
        """Undo everything; report all cleanup problems together as one setup error."""
        problems = []
        for action in reversed(self._cleanups):
            try:
                action()
            except Exception as error:  # noqa: BLE001 - keep cleaning up, report at the end
                problems.append(str(error))
        self._cleanups.clear()
        for session in [*self._sessions.values(), *self._anonymous]:
            session.close()
        if problems:
            raise SetupError("cleaning up after the scenario failed: " + "; ".join(problems))

    # --- exchanges and messages ---------------------------------------------------------------------

    @contextlib.contextmanager
    def preparing(self) -> Iterator[None]:
        """Requests sent inside are a Given's setup, not an action a Then step checks."""
        self._preparing += 1
        try:
            yield
        finally:
            self._preparing -= 1

    def act(
        self,
        send: Callable[[], requests.Response | None],
        sent_body: bytes | None = None,
        trigger: str | None = None,
    ) -> requests.Response | None:
        """Perform one action of a When step, noting the room's status and chat just before it."""
        self.snapshot_fake()
        before, mark = (None, None) if self._preparing else self._room_before()
        response = send()
        if not self._preparing:
            operation = None
            if response is not None:
                found = load_contract().operation_for(response.request.method, response.request.url or "")
                operation = found.operation_id if found is not None else None
            order = answer_order()
            if operation == START_OPERATION and response is not None and response.ok and self.token:
                self.note_on_target("started", self.token, self.user_id("moderator"))
            self.exchanges.append(Exchange(operation, response, sent_body, before, trigger, mark, order))
        return response

    def _room_before(self) -> tuple[int | None, int | None]:
        if self.token is None:
            return None, None
        status = mark = None
        try:
            if "status" in self.before_reads:
                status = self.recording_status()
            if "chat" in self.before_reads:
                messages = chat_messages(self.session("moderator"), self.room)
                mark = max((int(message.get("id", 0)) for message in messages), default=0)
        except (AssertionError, SetupError):
            pass  # an unreadable room: the Then steps that need it say so
        return status, mark

    def exchange(self, request: str = "request") -> Exchange:
        """The action a Then step names: "the start", "the report", ...; "the request" if there is one."""
        if request == "request":
            sent = [exchange for exchange in self.exchanges if exchange.response is not None]
            if not sent:
                raise SetupError("no request was sent before checking its response")
            if len(sent) > 1:
                names = ", ".join(exchange.operation or "another request" for exchange in sent)
                raise SetupError(
                    f"the scenario sent {len(sent)} requests ({names}); the step must name the one it checks"
                    f" ({', '.join('the ' + name for name in REQUEST_NAMES)})"
                )
            return sent[0]
        operation = REQUEST_NAMES[request]
        for exchange in reversed(self.exchanges):
            if exchange.operation == operation and exchange.response is not None:
                return exchange
        raise SetupError(f"the scenario sent no {request} before checking it")

    def latest_exchange(self) -> Exchange | None:
        """The latest action of a When step, if any."""
        return self.exchanges[-1] if self.exchanges else None

    def judged_response(self) -> requests.Response | None:
        """The answer a Then step read last (the room, the chat, notifications), else the latest action's."""
        latest = self.latest_exchange()
        order, newest = (latest.order, latest.response) if latest is not None else (0, None)
        for session in self._sessions.values():
            if session.last_response is not None and session.last_order > order:
                order, newest = session.last_order, session.last_response
        return newest

    def describe_exchange(self, exchange: Exchange | None = None) -> str:
        """Method, path, redacted headers and shortened bodies of the judged request and its answer."""
        response = exchange.response if exchange is not None else self.judged_response()
        if response is None:
            return "(no request sent yet)"
        request = response.request
        headers = ", ".join(f"{name}: {value}" for name, value in request.headers.items())
        sent = indented(describe_body(request.body, request.headers.get("Content-Type")))
        answer = indented(describe_body(response.content, response.headers.get("Content-Type")))
        text = (
            f"request: {request.method} {request.path_url}\n"
            f"  headers: {headers}\n"
            f"  body: {sent}\n"
            f"response: HTTP {response.status_code} {response.headers.get('Content-Type', '')}\n"
            f"  body: {answer}"
        )
        return self.redactor.text(text)

    def explain(self, problem: str, expected: str | None = None, exchange: Exchange | None = None) -> str:
        """A failure message naming the scenario, what was expected and the request it is about."""
        lines = [f"scenario {self.scenario!r}: {problem}"]
        if expected:
            lines.append(f"expected: {expected}")
        lines.append(self.describe_exchange(exchange))
        return self.redactor.text("\n".join(lines))

    def explain_action(self, problem: str, expected: str | None = None) -> str:
        """A failure message about what the latest action made the target do (not what a step read since)."""
        return self.explain(problem, expected, self.latest_exchange())

    def snapshot_fake(self) -> None:
        """Remember how much the fake recording server had received, so later checks see only what follows."""
        if self.token is not None:
            self.fake_baseline = len(self.fake.received(self.token))

    def fake_requests_since_snapshot(self, expected_count: int = 0) -> list[dict[str, Any]]:
        """What the target sent to the recording server about the room since the last action."""
        wait = EFFECT_TIMEOUT if expected_count else 0
        received = self.fake.wait_for(self.room, self.fake_baseline + expected_count, wait)
        return received[self.fake_baseline :]


def indented(text: str) -> str:
    """A multi-line body under its `body:` label."""
    return text.replace("\n", "\n    ")


def poll(check: Callable[[], Any], timeout: float = EFFECT_TIMEOUT, waiting_for: str = "") -> Any:
    """Call check until it returns something truthy or the timeout passes; return its last result.

    Each pause is a quarter of the time waited so far (from 10 ms, at most half a second): an effect that is
    already there costs one check, one that takes a while is seen at most a quarter late, and a slow target
    gets a few dozen requests, not hundreds.
    """
    began = time.monotonic()
    deadline = began + timeout
    first = True
    while True:
        result = check()
        now = time.monotonic()
        remaining = deadline - now
        if result or remaining <= 0:
            return result
        if first:
            progress_lines.announce_wait(f"polling for {waiting_for or 'an effect of the action'}", remaining)
            first = False
        time.sleep(min(max(POLL_FIRST_PAUSE, (now - began) / 4), POLL_LONGEST_PAUSE, remaining))
