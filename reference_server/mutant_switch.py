"""The one switch of the mutation self-test: a mutant replaces exactly one named rule function at start-up.

The rule modules hold only Talk's behaviour; each broken variant lives here, as a function of the faithful
rule, and `activate` swaps it in before the first request is served. Callers reach every rule through its
module (``state_machine.can_start(...)``), so one ``setattr`` reaches them all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reference_server import (
    app,
    backend_api,
    brute_force,
    chat,
    media_types,
    mutants,
    notifications,
    ocs,
    recording_api,
    recording_server_client,
    rooms,
    signature,
    state_machine,
    store_api,
)
from reference_server.php_values import json_decode

Rule = Callable[..., Any]


@dataclass(frozen=True)
class Replacement:
    """Which rule function a mutant replaces (the faithful function itself) and with what."""

    target: Rule  # named by reference, so a rename breaks the import here, not the self-test at run time
    broken: Callable[[Rule], Rule]  # the faithful rule -> the broken one

    def location(self) -> tuple[Any, str]:
        """The module object and the attribute name of the rule."""
        return sys.modules[self.target.__module__], self.target.__name__

    @property
    def dotted(self) -> str:
        """``module.function`` below reference_server, for messages."""
        return f"{self.target.__module__.removeprefix('reference_server.')}.{self.target.__name__}"


def _always(value: Any) -> Callable[[Rule], Rule]:
    return lambda _faithful: lambda *_args, **_kwargs: value


async def _nothing(*_args: Any, **_kwargs: Any) -> None:
    return None


def _ok(call: Any, *_args: Any, **_kwargs: Any) -> Any:
    return call.ok()


def _without(names: set[str]) -> Callable[[Rule], Rule]:
    """A system-message rule that posts nothing where the faithful one posts one of `names`."""

    def broken(faithful: Rule) -> Rule:
        def message(old: int, new: int, has_actor: bool) -> str | None:
            produced = faithful(old, new, has_actor)
            return None if produced in names else produced

        return message

    return broken


def _when_starting_fails(posted: str) -> Callable[[Rule], Rule]:
    def broken(faithful: Rule) -> Rule:
        def message(old: int, new: int, has_actor: bool) -> str | None:
            starting = old in (state_machine.STARTING_VIDEO, state_machine.STARTING_AUDIO)
            return posted if starting and new == state_machine.FAILED else faithful(old, new, has_actor)

        return message

    return broken


def _stopped_without_actor(faithful: Rule) -> Rule:
    return lambda old, new, has_actor: faithful(old, new, True)


def _start_from_failed_video(faithful: Rule) -> Rule:
    def starting(status: int, current: int) -> int:
        return state_machine.STARTING_VIDEO if current == state_machine.FAILED else faithful(status, current)

    return starting


def _plus_failed(faithful: Rule) -> Rule:
    return lambda: faithful() | {state_machine.FAILED}


def _minus_failed(faithful: Rule) -> Rule:
    return lambda: faithful() - {state_machine.FAILED}


def _failed_as_none(faithful: Rule) -> Rule:
    return lambda stored: state_machine.NONE if stored == state_machine.FAILED else faithful(stored)


def _backend_token_signed(_faithful: Rule) -> Rule:
    # What a server that signs the room token (as store does) would check for a backend report.
    def signed(raw: bytes) -> bytes:
        decoded_ok, message = json_decode(raw)
        kind = message.get("type") if decoded_ok and isinstance(message, dict) else None
        payload = message.get(kind) if isinstance(kind, str) else None
        token = payload.get("token") if isinstance(payload, dict) else None
        return token.encode() if isinstance(token, str) else b""

    return signed


def _store_path_signed(_faithful: Rule) -> Rule:
    return lambda call, _room: call.request.url.path.encode()


def _missing_file_raises(_faithful: Rule) -> Rule:
    def missing(_call: Any, _room: Any) -> Any:
        raise TypeError("the upload is null")  # what upstream's typed method does (D7)

    return missing


def _unknown_type_with_own_code(_faithful: Rule) -> Rule:
    # A server that invents its own error code for a report it cannot map.
    return lambda call, _decoded_ok, _message: call.typed_error(400, "unsupported_type", "Unknown report.")


def _notified_outside_the_room_folder(faithful: Rule) -> Rule:
    def notify(call: Any, owner: str, room: Any, parameters: dict) -> None:
        file = {**parameters["file"], "path": "/Talk/Recording/" + parameters["file"]["name"]}
        faithful(call, owner, room, {**parameters, "file": file})

    return notify


WRONG_BACKEND = "http://recording-backend.invalid/"


def _wrong_backend(only_stop: bool) -> Callable[[Rule], Rule]:
    def broken(faithful: Rule) -> Rule:
        async def send(server: dict, secret: str, backend_url: str, token: str, body: bytes) -> None:
            is_stop = json.loads(body).get("type") == "stop"
            wrong = is_stop or not only_stop
            await faithful(server, secret, WRONG_BACKEND if wrong else backend_url, token, body)

        return send

    return broken


def _csrf_after_controller(_faithful: Rule) -> Rule:
    async def run(call: Any, route: Any) -> Any:
        app.require_login(route, call)
        app.require_admin(route, call)
        response = await app.run_handler(call, route)  # the controller acts before the CSRF check refuses
        if app.csrf_required(route) and not app.passes_csrf(call.request):
            return app.csrf_failed()
        return response

    return run


def _without_participant_check(faithful: Rule) -> Rule:
    def participant(call: Any, room: Any, allow_guest_moderator: bool = False) -> Any:
        if call.user is None or rooms.attendee_for_user(call.database, room["id"], call.user) is None:
            return None
        return faithful(call, room, allow_guest_moderator)

    return participant


def _without_moderator_check(faithful: Rule) -> Rule:
    def participant(call: Any, room: Any, allow_guest_moderator: bool = False) -> Any:
        attendee = rooms.attendee_for_user(call.database, room["id"], call.user) if call.user else None
        return attendee if attendee is not None else faithful(call, room, allow_guest_moderator)

    return participant


def _config_before_call(faithful: Rule) -> Rule:
    def refusal(call: Any, room: Any, status: Any, enabled: bool) -> str | None:
        reason = faithful(call, room, status, enabled)
        return "config" if reason == "call" and not enabled else reason

    return refusal


def _dismiss_all_timestamps(faithful: Rule) -> Rule:
    def dismiss(database: Any, user_id: str, token: str, _timestamp: Any, *args: Any) -> None:
        faithful(database, user_id, token, notifications.ANY_TIME, *args)

    return dismiss


def _dismiss_everyones(faithful: Rule) -> Rule:
    def dismiss(database: Any, _user_id: str, token: str, timestamp: Any, *args: Any) -> None:
        recipients = database.all(
            "SELECT DISTINCT user_id FROM notifications WHERE object_type = 'recording' AND object_id = ?",
            token,
        )
        for row in recipients:
            faithful(database, row["user_id"], token, timestamp, *args)

    return dismiss


def _shared_by_someone_else(faithful: Rule) -> Rule:
    def post(database: Any, room_id: int, user_id: str, file_parameter: dict, message_type: str) -> None:
        other = database.one(
            "SELECT actor_id FROM attendees WHERE room_id = ? AND actor_type = 'users' AND actor_id != ?"
            " ORDER BY id LIMIT 1",
            room_id,
            user_id,
        )
        faithful(database, room_id, other["actor_id"] if other else "admin", file_parameter, message_type)

    return post


REPLACEMENTS: dict[str, Replacement] = {
    # start
    "start-status-unchecked": Replacement(recording_api.valid_start_status, _always(True)),
    "start-recording-unchecked": Replacement(
        state_machine.start_allowed_from, _always(state_machine.ALL_STATES)
    ),
    "start-call-unchecked": Replacement(recording_api.call_is_active, _always(True)),
    "start-config-unchecked": Replacement(recording_api.start_needs_recording_enabled, _always(False)),
    "start-config-before-call": Replacement(recording_api.start_refusal, _config_before_call),
    "start-from-failed-always-video": Replacement(state_machine.starting_state, _start_from_failed_video),
    # store
    "store-size-reason": Replacement(store_api.missing_owner_reason, _always("owner_participant")),
    "store-owner-unchecked": Replacement(store_api.owner_may_own, _always(True)),
    "store-upload-error-ignored": Replacement(store_api.upload_failed, _always(False)),
    "store-missing-file-500": Replacement(store_api.missing_file, _missing_file_raises),
    "store-empty-file-accepted": Replacement(store_api.is_empty, _always(False)),
    "store-mimetype-reason": Replacement(store_api.unsupported_type_reason, _always("file_extension")),
    "store-extension-unchecked": Replacement(media_types.extension_matches, _always(True)),
    "store-not-notified": Replacement(store_api.notify_stored, _always(None)),
    "stored-notification-outside-room-folder": Replacement(
        store_api.notify_stored, _notified_outside_the_room_folder
    ),
    # dismiss and share to chat
    "dismiss-timestamp-unchecked": Replacement(recording_api.dismiss_timestamp_missing, _always(False)),
    "dismiss-ignores-timestamp": Replacement(notifications.dismiss, _dismiss_all_timestamps),
    "dismiss-deletes-everyones": Replacement(notifications.dismiss, _dismiss_everyones),
    "share-chat-file-unchecked": Replacement(recording_api.unknown_file, lambda _f: _ok),
    "share-chat-fileid-unchecked": Replacement(recording_api.share_file_id_missing, _always(False)),
    "share-chat-posts-nothing": Replacement(chat.post_file_share, _always(None)),
    "share-chat-posted-by-other-user": Replacement(chat.post_file_share, _shared_by_someone_else),
    # backend callbacks
    "backend-unknown-type-reason": Replacement(backend_api.unknown_type, _unknown_type_with_own_code),
    "backend-no-such-room-ignored": Replacement(backend_api.unknown_room, lambda _f: _ok),
    "backend-malformed-report-accepted": Replacement(backend_api.malformed_report, lambda _f: _ok),
    "backend-config-unchecked": Replacement(backend_api.reports_need_recording_enabled, _always(False)),
    # the failed status
    "failed-ignored": Replacement(backend_api.report_failed, lambda _f: _ok),
    "start-refused-from-failed": Replacement(state_machine.start_allowed_from, _minus_failed),
    "stop-404-not-failed": Replacement(recording_api.recording_lost_on_stop, lambda _f: _ok),
    "started-accepted-in-failed": Replacement(state_machine.started_accepted_from, _plus_failed),
    "failed-message-missing": Replacement(state_machine.system_message, _without({"recording_failed"})),
    "failed-message-extra": Replacement(
        state_machine.system_message, _when_starting_fails("recording_failed")
    ),
    "failed-while-starting-posts-stopped": Replacement(
        state_machine.system_message, _when_starting_fails("recording_stopped")
    ),
    # HMAC
    "hmac-short-random-accepted": Replacement(signature.random_long_enough, _always(True)),
    "hmac-uppercase-refused": Replacement(signature.comparable_checksum, lambda _f: lambda given: given),
    "hmac-store-wrong-data": Replacement(store_api.signed_part, _store_path_signed),
    "hmac-backend-wrong-data": Replacement(backend_api.signed_part, _backend_token_signed),
    # the OCS envelope of the recording errors
    "envelope-statuscode": Replacement(ocs.error_statuscode, _always(100)),  # 100: OCS v1 success
    "envelope-status": Replacement(ocs.error_meta_status, _always("ok")),
    "envelope-data-shape": Replacement(ocs.error_data, lambda _f: lambda reason: reason),
    # middleware order, state read-back, call end
    "csrf-after-controller": Replacement(app.run_controller, _csrf_after_controller),
    "callrecording-readback": Replacement(rooms.reported_recording, _failed_as_none),
    "call-end-no-stop": Replacement(state_machine.call_end_sends_stop, _always(False)),
    # middleware: login, admin, CSRF, room injection, brute force
    "login-not-required": Replacement(app.require_login, _always(None)),
    "welcome-admin-not-required": Replacement(app.require_admin, _always(None)),
    "csrf-not-checked": Replacement(app.csrf_required, _always(False)),
    "moderator-not-required": Replacement(recording_api.injected_participant, _without_moderator_check),
    "participant-not-required": Replacement(recording_api.injected_participant, _without_participant_check),
    "bruteforce-never-throttles": Replacement(brute_force.over_attempt_limit, _always(False)),
    # effects: start, stop, dismiss, share to chat, system messages, the recording server's requests
    "start-sends-nothing": Replacement(recording_api.ask_to_start, lambda _f: _nothing),
    "stop-sends-nothing": Replacement(state_machine.stop_sends_request, _always(False)),
    "backend-header-wrong": Replacement(recording_server_client.send, _wrong_backend(only_stop=False)),
    "backend-header-wrong-on-stop": Replacement(recording_server_client.send, _wrong_backend(only_stop=True)),
    "started-message-missing": Replacement(
        state_machine.system_message, _without({"recording_started", "audio_recording_started"})
    ),
    "stopped-message-missing": Replacement(
        state_machine.system_message, _without({"recording_stopped", "audio_recording_stopped"})
    ),
    "stopped-message-without-actor": Replacement(state_machine.system_message, _stopped_without_actor),
}

_active: str | None = None


def activate(name: str | None) -> None:
    """Make ``name`` the process's mutant (None: the faithful server); once, before serving."""
    global _active
    if name is None:
        return
    replacement = REPLACEMENTS[mutants.check_name(name)]
    module, function = replacement.location()
    setattr(module, function, replacement.broken(getattr(module, function)))
    _active = name


def active() -> str | None:
    """The mutant active in this process, if any."""
    return _active
