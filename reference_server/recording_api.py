"""The seven recording endpoints, with upstream's order of checks (talk-behaviour.md §1, §2)."""

import logging
import os
import re
import time
from pathlib import Path

from reference_server import (
    brute_force,
    chat,
    media_types,
    notifications,
    recording_server_client,
    rooms,
    signature,
    state_machine,
    talk_config,
    uploads,
)
from reference_server.ocs import OcsError
from reference_server.php_values import json_decode, json_encode, to_int
from reference_server.pipeline import BodyTooLarge, Call, body_params, read_body

NOT_AUTHENTICATED = "The request could not be authenticated."
RECORDING_FOLDER = "Talk/Recording"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")
log = logging.getLogger("reference_server.recording")


# --- shared checks


def _room_for_moderator(call: Call, allow_guest_moderator: bool = False):
    """Injection middleware: room (404), participant (404), moderator (403)."""
    room = rooms.room_by_token(call.database, call.path_params["token"])
    if room is None:
        raise OcsError(404)
    attendee = rooms.attendee_for_user(call.database, room["id"], call.user) if call.user else None
    if attendee is None:
        raise OcsError(404)
    if not rooms.is_moderator(attendee["participant_type"], allow_guest_moderator):
        raise OcsError(403)
    return room, attendee


def _throttle_header(call: Call, slept_ms: int) -> None:
    if slept_ms:
        call.extra_headers["X-Nextcloud-Bruteforce-Throttled"] = f"{slept_ms}ms"


async def _brute_force_gate(call: Call, *actions: str) -> None:
    """BruteForceMiddleware::beforeController: 429 at the limit, otherwise sleep the current delay."""
    for action in actions:
        try:
            _throttle_header(call, await call.state.throttler.sleep_or_raise(call.client_ip, action))
        except brute_force.MaxDelayReached:
            raise OcsError(429, "Reached maximum delay") from None


async def _register_attempt(call: Call, action: str) -> None:
    """A throttled response: record the attempt, then sleep the new delay (or 429 once over the limit)."""
    call.state.throttler.register(call.client_ip, action)
    await _brute_force_gate(call, action)


def _signature_ok(call: Call, data: bytes) -> bool:
    secret = talk_config.recording_secret(call.database)
    return signature.is_valid(
        secret, call.header_bytes("talk-recording-random"), call.header_bytes("talk-recording-checksum"), data
    )


def _int_param(call: Call, name: str) -> int | None:
    """An integer parameter with PHP settype coercion; None when missing or not a scalar."""
    value = call.params.get(name)
    # PHP would coerce an array to 1; a structured value is a wrong type, so it counts as missing here.
    if value is None or isinstance(value, list | dict):
        return None
    return to_int(value)


# --- start / stop


async def start(call: Call):
    """POST /recording/{token}: status → recording → call → config, then the recording server, then 3/4."""
    room, _ = _room_for_moderator(call)
    status = _int_param(call, "status")
    if status not in (state_machine.VIDEO, state_machine.AUDIO):
        return call.reason("status")
    if not state_machine.can_start(room["call_recording"]):
        return call.reason("recording")
    if room["active_since"] is None:
        return call.reason("call")
    if not talk_config.is_recording_enabled(call.database):
        return call.reason("config")
    claimed = state_machine.starting_state(status)
    # Claim the transition first (compare-and-set), so concurrent starts see 'recording'; undone if the
    # recording server refuses.
    try:
        previous = rooms.set_call_recording(call.state, room, claimed, state_machine.START_ALLOWED_FROM)
    except rooms.RecordingDisabled:
        return call.reason("config")
    if previous is None:
        return call.reason("recording")
    server = talk_config.recording_servers(call.database)[0]
    body = recording_server_client.start_body(status, call.user, "users", call.user)
    try:
        await recording_server_client.send(
            server, talk_config.recording_secret(call.database), call.state.base_url, room["token"], body
        )
    except recording_server_client.RecordingServerError as exc:
        call.database.run(
            "UPDATE rooms SET call_recording = ? WHERE id = ? AND call_recording = ?",
            previous,
            room["id"],
            claimed,
        )
        log.warning("start for %s failed: %s", room["token"], exc)
        raise
    call.database.run(
        "INSERT OR REPLACE INTO app_config (app, key, value) VALUES ('spreed', ?, ?)",
        f"recording/{room['token']}",
        call.user,
    )
    return call.ok()


async def stop(call: Call):
    """DELETE /recording/{token}: no-op in state 0; otherwise ask the recording server (404 ⇒ failed)."""
    room, _ = _room_for_moderator(call)
    if not state_machine.stop_sends_request(room["call_recording"]):
        return call.ok()
    servers = talk_config.recording_servers(call.database)
    if not servers:
        return call.ok()
    body = recording_server_client.stop_body(("users", call.user))
    try:
        await recording_server_client.send(
            servers[0], talk_config.recording_secret(call.database), call.state.base_url, room["token"], body
        )
    except recording_server_client.RecordingNotFound:
        try:
            rooms.set_call_recording(call.state, room, state_machine.FAILED, fallback_user=call.user)
        except rooms.RecordingDisabled:
            return call.reason("config")
    return call.ok()


# --- backend callbacks


def _unknown_type(call: Call, decoded_ok: bool, message):
    rendered = json_encode(message if decoded_ok else None)
    return call.typed_error(400, "unknown_type", f"The given type {rendered} is not supported.")


def _message_type(message) -> str | None:
    """PHP's loose ``switch``: exact strings, and ``true`` equals any non-empty string (the first case)."""
    if not isinstance(message, dict):
        return None
    value = message.get("type")
    if value is True:
        return "started"
    if isinstance(value, str) and value in ("started", "stopped", "failed"):
        return value
    return None


def _actor(value) -> tuple[str, str] | None | bool:
    """A well-formed actor object as a tuple; False when malformed."""
    if not isinstance(value, dict):
        return False
    actor_type, actor_id = value.get("type"), value.get("id")
    if not isinstance(actor_type, str) or not isinstance(actor_id, str):
        return False
    return actor_type, actor_id


def _resolve_actor(call: Call, room, actor: tuple[str, str]) -> tuple[str, str] | None:
    row = call.database.one(
        "SELECT actor_type, actor_id FROM attendees WHERE room_id = ? AND actor_type = ? AND actor_id = ?",
        room["id"],
        actor[0],
        actor[1],
    )
    return (row["actor_type"], row["actor_id"]) if row else None


def _invalid_body(call: Call, what: str):
    return call.typed_error(400, "invalid_body", what)


async def backend(call: Call):
    """POST /recording/backend: signed callbacks ``started``, ``stopped``, ``failed``."""
    await _brute_force_gate(call, brute_force.SECRET_ACTION, brute_force.STATUS_ACTION)
    media = call.request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    # PHP leaves php://input empty for multipart bodies: that is what gets verified and decoded.
    raw = b"" if media == "multipart/form-data" else call.raw_body
    if not _signature_ok(call, raw):
        await _register_attempt(call, brute_force.SECRET_ACTION)
        return call.typed_error(403, "invalid_request", NOT_AUTHENTICATED)
    decoded_ok, message = json_decode(raw)
    kind = _message_type(message)
    if kind is None:
        return _unknown_type(call, decoded_ok, message)
    payload = message.get(kind)
    if not isinstance(payload, dict) or not isinstance(payload.get("token"), str):
        return _invalid_body(call, f"'{kind}' must be an object with a string 'token'")
    room = rooms.room_by_token(call.database, payload["token"])
    if room is None:
        return call.typed_error(404, "no_such_room", "Room not found.")
    if kind == "started":
        return await _started(call, room, payload)
    if kind == "stopped":
        actor = None
        if payload.get("actor") is not None:
            actor = _actor(payload["actor"])
            if actor is False:
                return _invalid_body(call, "'stopped.actor' must have string 'type' and 'id'")
            actor = _resolve_actor(call, room, actor)
        rooms.set_call_recording(call.state, room, state_machine.NONE, actor=actor)
        return call.ok()
    try:
        rooms.set_call_recording(call.state, room, state_machine.FAILED)
    except rooms.RecordingDisabled:
        return call.typed_error(400, "config", "Recording is not enabled.")
    return call.ok()


async def _started(call: Call, room, payload: dict):
    async def not_starting():
        await _register_attempt(call, brute_force.STATUS_ACTION)
        return call.typed_error(404, "no_such_room", "Room not found.")

    if not state_machine.accepts_started(room["call_recording"]):
        return await not_starting()
    status = payload.get("status")
    if type(status) is not int or status not in state_machine.ALL_STATES:
        return _invalid_body(call, "'started.status' must be an integer from 0 to 5")
    actor = _actor(payload.get("actor"))
    if actor is False:
        return _invalid_body(call, "'started.actor' must be an object with string 'type' and 'id'")
    resolved = _resolve_actor(call, room, actor)
    try:
        previous = rooms.set_call_recording(
            call.state, room, status, state_machine.STARTED_ACCEPTED_FROM, actor=resolved
        )
    except rooms.RecordingDisabled:
        return call.typed_error(400, "config", "Recording is not enabled.")
    if previous is None:
        return await not_starting()
    return call.ok()


# --- store


def _notify_failed_store(call: Call, room, owner_marker: str | None) -> None:
    if owner_marker:
        notifications.notify(
            call.database, owner_marker, "record_file_store_fail", room["token"], {"roomName": room["name"]}
        )


def _owner_marker(call: Call, room, remove: bool) -> str | None:
    key = f"recording/{room['token']}"
    marker = talk_config.app_value(call.database, key)
    if remove:
        call.database.run("DELETE FROM app_config WHERE app = 'spreed' AND key = ?", key)
    return marker


async def _read_store_form(call: Call) -> uploads.StreamedForm:
    boundary = uploads.boundary_of(call.request.headers.get("content-type", ""))
    if boundary is None:
        # Not multipart: PHP would still take parameters from a JSON/urlencoded body, but never a file.
        form = uploads.StreamedForm()
        try:
            body = await read_body(call.request)
        except BodyTooLarge:
            body = b""  # PHP drops an over-sized body: no parameters
        form.fields = body_params(call.request.headers.get("content-type", ""), body)
        return form
    try:
        return await uploads.parse_streamed(
            call.request.stream(),
            boundary,
            call.state.upload_dir,
            call.state.config.upload_max_bytes,
            media_types.SNIFF_BYTES,
        )
    except uploads.MalformedMultipart:
        return uploads.StreamedForm()  # PHP gives empty $_POST/$_FILES for a broken body


def _stored_name(raw: bytes) -> str | None:
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    if name in ("", ".", "..") or _UNSAFE_NAME.search(name) or len(name.encode()) > 250:
        return None
    return name


async def store(call: Call):
    """POST /recording/{token}/store: HMAC over the token, then owner, file and format checks."""
    await _brute_force_gate(call, brute_force.SECRET_ACTION)
    room = rooms.room_by_token(call.database, call.path_params["token"])
    if room is None:
        raise OcsError(404)
    if not _signature_ok(call, room["token"].encode()):
        await _register_attempt(call, brute_force.SECRET_ACTION)
        return call.typed_error(401, "invalid_request", NOT_AUTHENTICATED)
    form = await _read_store_form(call)
    try:
        return _store_checked(call, room, form)
    finally:
        form.discard()


def _store_checked(call: Call, room, form: uploads.StreamedForm):
    owner = form.fields.get("owner", call.params.get("owner"))
    if not isinstance(owner, str):
        _notify_failed_store(call, room, _owner_marker(call, room, remove=False))
        return call.reason("size")
    upload = form.file
    if upload is None:
        # Upstream: TypeError → 500 (D7); the suite requires 400 invalid_file.
        _notify_failed_store(call, room, _owner_marker(call, room, remove=False))
        return call.reason("invalid_file")
    marker = _owner_marker(call, room, remove=True)
    if rooms.attendee_for_user(call.database, room["id"], owner) is None:
        return call.reason("owner_participant")
    if upload.error != uploads.UPLOAD_ERR_OK:
        _notify_failed_store(call, room, marker or owner)
        return call.reason("invalid_file")
    if upload.size == 0 or upload.path is None:
        return call.reason("empty_file")
    name = _stored_name(upload.filename)
    mimetype = media_types.sniff(upload.head)
    if mimetype not in media_types.ALLOWED_EXTENSION:
        return call.reason("file_mimetype")
    if name is None:
        return call.reason("file_name")
    if not media_types.extension_matches(mimetype, name):
        return call.reason("file_extension")
    user_root = (call.state.files_dir / owner).resolve()
    relative = f"{RECORDING_FOLDER}/{room['token']}/{name}"
    destination = (user_root / relative).resolve()
    if user_root not in destination.parents:
        return call.reason("file_invalid_path")
    try:
        uploads.move_into_place(upload.path, destination)
    except OSError as exc:
        log.warning("storing %s failed: %s", relative, exc.strerror)
        return call.reason("owner_permission")
    upload.path = None
    file_id = _register_file(call, owner, relative, mimetype, destination)
    file_parameter = _file_parameter(call, file_id, relative, mimetype)
    notifications.notify(
        call.database,
        owner,
        "record_file_stored",
        room["token"],
        {"file": file_parameter, "roomName": room["name"]},
    )
    return call.ok()


def _register_file(call: Call, owner: str, relative: str, mimetype: str, destination: Path) -> int:
    size = os.stat(destination).st_size
    call.database.run(
        "INSERT INTO files (owner, path, mimetype, size, mtime) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (owner, path) DO UPDATE SET mimetype = excluded.mimetype, size = excluded.size,"
        " mtime = excluded.mtime",
        owner,
        relative,
        mimetype,
        size,
        int(time.time()),
    )
    return call.database.one("SELECT id FROM files WHERE owner = ? AND path = ?", owner, relative)["id"]


def _file_parameter(call: Call, file_id: int, relative: str, mimetype: str) -> dict:
    return {
        "type": "file",
        "id": str(file_id),
        "name": relative.rsplit("/", 1)[-1],
        "path": relative,
        "mimetype": mimetype,
        "link": f"{call.state.base_url}f/{file_id}",
    }


# --- notification dismiss / share to chat


def _non_negative(call: Call, name: str) -> int | None:
    value = _int_param(call, name)
    return value if value is not None and value >= 0 else None


async def dismiss_notification(call: Call):
    """DELETE /recording/{token}/notification?timestamp=: dismiss the caller's stored-file notifications."""
    room, _ = _room_for_moderator(call, allow_guest_moderator=True)
    timestamp = _non_negative(call, "timestamp")
    if timestamp is None:
        return call.reason("timestamp")
    notifications.dismiss(call.database, call.user, room["token"], timestamp)
    return call.ok()


def _subject_for_file(name: str) -> str | None:
    if name.endswith(" - summary.md"):
        return "summary_file_stored"
    if " transcript " in name and name.endswith(".md"):
        return "transcript_file_stored"
    if name.endswith(".srt"):
        return None
    if not name.endswith(".md"):
        return "record_file_stored"
    return "transcript_file_stored"


async def share_to_chat(call: Call):
    """POST /recording/{token}/share-chat: post the caller's file into the chat, dismiss its notification."""
    room, _ = _room_for_moderator(call, allow_guest_moderator=True)
    file_id = _non_negative(call, "fileId")
    if file_id is None:
        return call.reason("fileId")
    timestamp = _non_negative(call, "timestamp")
    if timestamp is None:
        return call.reason("timestamp")
    row = call.database.one("SELECT * FROM files WHERE id = ? AND owner = ?", file_id, call.user)
    if row is None:
        # Upstream: null node → 500 (D15); the suite requires 400 file.
        return call.reason("file")
    message_type = "record-video" if row["mimetype"].startswith("video/") else "record-audio"
    chat.post_file_share(
        call.database,
        room["id"],
        call.user,
        _file_parameter(call, row["id"], row["path"], row["mimetype"]),
        message_type,
    )
    subject = _subject_for_file(row["path"].rsplit("/", 1)[-1])
    if subject:
        notifications.dismiss(call.database, call.user, room["token"], timestamp, (subject,))
    return call.ok()


# --- welcome


async def welcome(call: Call):
    """GET /recording/welcome/{serverId} (admin): the recording server's welcome JSON."""
    server_id = to_int(call.path_params["server_id"])
    if server_id < 0:
        return call.reason("serverId")
    servers = talk_config.recording_servers(call.database)
    if server_id >= len(servers):
        return call.error(404, None)
    try:
        data = await recording_server_client.welcome(servers[server_id])
    except recording_server_client.WelcomeError as exc:
        return call.error(500, {"error": exc.code})
    return call.ok(data)
