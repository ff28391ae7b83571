"""Prepare state on a target through its public APIs only (users' sessions, rooms, calls, app config)."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from conformance.outcomes import SetupError
from conformance.protocol import track_key_reads
from conformance.target._connection_pool import PooledSession
from conformance.target._error_chain import error_chain
from conformance.target._profile import Account
from conformance.target._tls import certificate_problem
from conformance.traffic import record_failure, record_response

OCS = "/ocs/v2.php"
TALK = f"{OCS}/apps/spreed/api/v4"
CHAT = f"{OCS}/apps/spreed/api/v1/chat"
RECORDING = f"{OCS}/apps/spreed/api/v1/recording"
APP_CONFIG = f"{OCS}/apps/provisioning_api/api/v1/config/apps/spreed"
NOTIFICATIONS = f"{OCS}/apps/notifications/api/v2/notifications"
BRUTE_FORCE_RESET = f"{OCS}/apps/talk_reference/api/v1/bruteforce"

GROUP_ROOM = 2
PUBLIC_ROOM = 3
MODERATOR = 2

# App config keys that decide whether recording is enabled (talk-behaviour §5.2).
RECORDING_KEYS = ("recording_servers", "signaling_servers", "call_recording")


class NoAnswer(SetupError):
    """A request to the target got no answer (refused, timed out, TLS): the request and the reason."""

    def __init__(self, request: str, reason: str) -> None:
        super().__init__(f"{request} did not get an answer: {reason}")
        self.request = request
        self.reason = reason


_ANSWERS = itertools.count(1)


def answer_order() -> int:
    """A number that grows with every answer: which of two answers came later."""
    return next(_ANSWERS)


class TalkSession:
    """One actor on the target: own cookie jar (the Talk session lives there), Basic auth unless a guest."""

    def __init__(
        self, base_url: str, account: Account | None, timeout: float, verify: bool | str = True
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.timeout = timeout
        self.http = PooledSession()
        self.verify = verify  # the profile's tls_verify: a CA bundle path, or whether to check at all
        self.http.headers.update({"OCS-APIRequest": "true", "Accept": "application/json"})
        if account is not None:
            self.http.auth = (account.user_id, account.password)
        # The latest answer this actor got, for a failure message about what a Then step read.
        self.last_response: requests.Response | None = None
        self.last_order = 0

    @property
    def name(self) -> str:
        """Who this is, for messages."""
        return self.account.user_id if self.account else "guest"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request; a transport failure is a setup error (the target is not reachable)."""
        kwargs.setdefault("timeout", self.timeout)
        # Per request: a Session-level verify loses to REQUESTS_CA_BUNDLE in the environment.
        kwargs.setdefault("verify", self.verify)
        sent = time.time()
        try:
            response = self.http.request(method, f"{self.base_url}{path}", **kwargs)
        except requests.RequestException as error:
            limit = kwargs["timeout"]
            reason = certificate_problem(error) or transport_reason(error, limit)
            record_failure(method, f"{self.base_url}{path}", (), b"", str(reason), self.name)
            raise NoAnswer(f"{method} {path.split('?', 1)[0]} as {self.name}", str(reason)) from None
        record_response(response, self.name, sent)
        self.last_response, self.last_order = response, answer_order()
        return response

    def ocs(self, method: str, path: str, expected: Iterable[int] = (200,), **kwargs: Any) -> Any:
        """Send a setup request and return OCS `data`; any other status is a setup error."""
        return self.ocs_data(method, path, self.request(method, path, **kwargs), expected)

    def ocs_data(
        self, method: str, path: str, response: requests.Response, expected: Iterable[int] = (200,)
    ) -> Any:
        """OCS `data` of an answer to a setup request; any other status is a setup error."""
        if response.status_code not in tuple(expected):
            raise SetupError(
                f"setup request {method} {path} as {self.name} answered {response.status_code}"
                f" (expected {'/'.join(map(str, expected))}): {response.text[:300]}"
            )
        try:
            document = track_key_reads(response.json(), method, response.request.url or path)
            return document["ocs"]["data"]
        except (ValueError, KeyError, TypeError):
            raise SetupError(
                f"setup request {method} {path} as {self.name} did not answer an OCS JSON body: "
                f"{response.text[:300]}"
            ) from None

    def close(self) -> None:
        """Forget the session's cookies; its connections stay in the shared pool for the next session."""
        self.http.close()


def transport_reason(error: BaseException, limit: Any = None) -> str:
    """One readable line for a requests error ("Connection refused", "no answer within 30 s")."""
    if isinstance(error, requests.Timeout):
        seconds = limit[-1] if isinstance(limit, tuple) else limit
        if seconds is None:  # urllib3 names the limit in its message: "(read timeout=30.0)"
            found = re.search(r"timeout=([\d.]+)", str(error))
            seconds = float(found[1]) if found else None
        return f"no answer within {seconds:g} s (the request's timeout)" if seconds else "no answer in time"
    # requests wraps urllib3 wraps the socket error; the operating system's words are the readable ones.
    for current in error_chain(error):
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
    return type(error).__name__


# --- app config (admin) ----------------------------------------------------------------------------


def get_app_config(admin: TalkSession, key: str) -> str:
    """Current value of a spreed app config key ("" when unset)."""
    data = admin.ocs("GET", f"{APP_CONFIG}/{key}")
    value = data.get("data", "") if isinstance(data, dict) else ""
    return value if isinstance(value, str) else json.dumps(value)


def set_app_config(admin: TalkSession, key: str, value: str) -> None:
    """Set a spreed app config key (the provisioning API needs the account password, not an app token)."""
    admin.ocs("POST", f"{APP_CONFIG}/{key}", data={"value": value})


def delete_app_config(admin: TalkSession, key: str) -> None:
    """Remove a spreed app config key, back to its default."""
    admin.ocs("DELETE", f"{APP_CONFIG}/{key}")


def _restorer(admin: TalkSession, previous: dict[str, str]) -> Callable[[], None]:
    def restore() -> None:
        # Restore every key even if one fails, then report all failures at once.
        problems = []
        for key, value in previous.items():
            try:
                if value == "":
                    delete_app_config(admin, key)
                else:
                    set_app_config(admin, key, value)
            except SetupError as error:
                problems.append(str(error))
        admin.close()
        if problems:
            raise SetupError("restoring the recording configuration failed: " + "; ".join(problems))

    return restore


def _has_signaling_server(raw: str) -> bool:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return False
    return isinstance(value, dict) and bool(value.get("servers"))


@dataclass(frozen=True)
class SignalingServer:
    """A signaling server for the target: where the target reaches it and the secret it signs with."""

    url: str
    secret: str = field(repr=False)


class RecordingConfiguration:
    """The target's recording configuration as the run set it; calling it restores the previous one."""

    def __init__(self, restore: Callable[[], None], signaling_stand_in_used: bool) -> None:
        self._restore = restore
        self.signaling_stand_in_used = signaling_stand_in_used

    def __call__(self) -> None:
        self._restore()


def configure_recording(
    base_url: str,
    admin: Account,
    secret: str,
    recording_server_url: str,
    timeout: float,
    verify: bool | str = True,
    signaling_stand_in: SignalingServer | None = None,
) -> RecordingConfiguration:
    """Point the target's recording config at the given recording server; calling the result restores it.

    Talk enables recording only with an external signaling server, and it notifies that server of every
    room change: a refused connection, or an answer without the features header, makes room creation
    itself answer 500. So a target without one gets the suite's stand-in, and keeps its own otherwise.
    """
    session = TalkSession(base_url, admin, timeout, verify)
    try:
        previous = {key: get_app_config(session, key) for key in RECORDING_KEYS}
    except SetupError:
        session.close()
        raise
    restore = _restorer(session, previous)
    try:
        recording_servers = {"servers": [{"server": recording_server_url, "verify": False}], "secret": secret}
        set_app_config(session, "recording_servers", json.dumps(recording_servers))
        use_stand_in = not _has_signaling_server(previous["signaling_servers"])
        if use_stand_in:
            if signaling_stand_in is None:
                raise SetupError(
                    "the target has no signaling server configured (app config signaling_servers) and the"
                    " run has no signaling stand-in to give it; Talk enables recording only with one"
                )
            servers = {
                "servers": [{"server": signaling_stand_in.url, "verify": False}],
                "secret": signaling_stand_in.secret,
            }
            set_app_config(session, "signaling_servers", json.dumps(servers))
        set_app_config(session, "call_recording", "yes")
    except SetupError:
        with contextlib.suppress(SetupError):
            restore()
        raise
    return RecordingConfiguration(restore, use_stand_in)


def switch_call_recording(
    base_url: str, admin: Account, enabled: bool, timeout: float, verify: bool | str = True
) -> Callable[[], None]:
    """Switch the `call_recording` app config; return a callable that restores the previous value."""
    session = TalkSession(base_url, admin, timeout, verify)
    previous = {"call_recording": get_app_config(session, "call_recording")}
    set_app_config(session, "call_recording", "yes" if enabled else "no")
    return _restorer(session, previous)


def reset_brute_force(admin: TalkSession) -> bool:
    """Clear brute-force attempts where the target offers it (the reference server does); False otherwise."""
    response = admin.request("DELETE", BRUTE_FORCE_RESET)
    return response.status_code == 200


# --- rooms and participants ------------------------------------------------------------------------


def create_room(owner: TalkSession, name: str, room_type: int = GROUP_ROOM) -> str:
    """Create a conversation owned by the session's user; return its token."""
    data = owner.ocs(
        "POST", f"{TALK}/room", expected=(200, 201), data={"roomType": room_type, "roomName": name}
    )
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise SetupError(f"creating room {name!r} returned no token: {data!r}")
    return token


def delete_room(owner: TalkSession, token: str) -> None:
    """Delete a conversation (404 counts as already gone)."""
    owner.ocs("DELETE", f"{TALK}/room/{token}", expected=(200, 404))


def add_participant(moderator: TalkSession, token: str, user_id: str) -> None:
    """Add a user as a plain participant."""
    moderator.ocs(
        "POST", f"{TALK}/room/{token}/participants", data={"newParticipant": user_id, "source": "users"}
    )


def participants(session: TalkSession, token: str) -> list[dict[str, Any]]:
    """Attendees of the room."""
    return session.ocs("GET", f"{TALK}/room/{token}/participants")


def promote_to_moderator(moderator: TalkSession, token: str, user_id: str) -> None:
    """Make a user participant a moderator."""
    for attendee in participants(moderator, token):
        if attendee.get("actorType") == "users" and attendee.get("actorId") == user_id:
            moderator.ocs(
                "POST", f"{TALK}/room/{token}/moderators", data={"attendeeId": attendee["attendeeId"]}
            )
            return
    raise SetupError(f"{user_id} is not an attendee of room {token}, cannot promote")


def make_public(moderator: TalkSession, token: str) -> None:
    """Allow guests to join by link."""
    moderator.ocs("POST", f"{TALK}/room/{token}/public")


def join_room(session: TalkSession, token: str) -> str:
    """Open a Talk session in the room (kept in the session's cookies); return the session id."""
    data = session.ocs("POST", f"{TALK}/room/{token}/participants/active", data={"force": "true"})
    return data.get("sessionId", "") if isinstance(data, dict) else ""


def join_call(session: TalkSession, token: str) -> None:
    """Join the call with audio and video (the room needs a Talk session first)."""
    session.ocs("POST", f"{TALK}/call/{token}", data={"flags": 7})


def leave_call(session: TalkSession, token: str, for_everyone: bool = False) -> None:
    """Leave the call; as moderator with for_everyone, end it for all."""
    # A query parameter, because not every PHP setup parses a form body on DELETE.
    params = {"all": "true"} if for_everyone else {}
    session.ocs("DELETE", f"{TALK}/call/{token}", params=params)


def get_room(session: TalkSession, token: str) -> dict[str, Any]:
    """The room object as the session's user sees it."""
    data = session.ocs("GET", f"{TALK}/room/{token}")
    if not isinstance(data, dict):
        raise SetupError(f"room {token} answered no room object: {data!r}")
    return data


def chat_messages(session: TalkSession, token: str) -> list[dict[str, Any]]:
    """The latest chat messages (system messages included), newest first."""
    params = {"lookIntoFuture": 0, "limit": 200}
    response = session.request("GET", f"{CHAT}/{token}", params=params)
    if response.status_code == 304:  # no messages at all
        return []
    return _listing(session.ocs_data("GET", f"{CHAT}/{token}", response), f"chat of {token}")


def notifications_of(session: TalkSession) -> list[dict[str, Any]]:
    """The session user's notifications."""
    return _listing(session.ocs("GET", NOTIFICATIONS), f"notifications of {session.name}")


def _listing(data: Any, what: str) -> list[dict[str, Any]]:
    # A broken read must not pass for an empty one: "no such message" would then hold vacuously.
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise SetupError(f"the {what} is not a list of objects: {json.dumps(data)[:200]}")
    return data


def capabilities(session: TalkSession) -> dict[str, Any]:
    """The spreed capabilities (empty when Talk is not available for the user)."""
    data = session.ocs("GET", f"{OCS}/cloud/capabilities")
    try:
        return data["capabilities"]["spreed"] or {}
    except (KeyError, TypeError):
        return {}
