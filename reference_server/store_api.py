"""POST /recording/{token}/store: the recording server uploads a finished recording."""

import logging
import os
import re
import time
from pathlib import Path

from reference_server import (
    backend_auth,
    brute_force,
    media_types,
    mutants,
    notifications,
    rooms,
    talk_config,
    uploads,
)
from reference_server.ocs import OcsError
from reference_server.pipeline import BodyTooLarge, Call, body_params, read_body

RECORDING_FOLDER = "Talk/Recording"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")
log = logging.getLogger("reference_server.store")


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
    await backend_auth.brute_force_gate(call, brute_force.SECRET_ACTION)
    room = rooms.room_by_token(call.database, call.path_params["token"])
    if room is None:
        raise OcsError(404)
    signed = call.request.url.path if mutants.on("hmac-store-wrong-data") else room["token"]
    if not backend_auth.signature_ok(call, signed.encode()):
        await backend_auth.register_attempt(call, brute_force.SECRET_ACTION)
        return call.typed_error(401, "invalid_request", backend_auth.NOT_AUTHENTICATED)
    form = await _read_store_form(call)
    try:
        return _store_checked(call, room, form)
    finally:
        form.discard()


def _store_checked(call: Call, room, form: uploads.StreamedForm):
    owner = form.fields.get("owner", call.params.get("owner"))
    if not isinstance(owner, str):
        _notify_failed_store(call, room, _owner_marker(call, room, remove=False))
        return call.reason("owner_participant" if mutants.on("store-size-reason") else "size")
    upload = form.file
    if upload is None and mutants.on("store-missing-file-500"):
        raise TypeError("the upload is null")  # what upstream's typed method does (D7)
    if upload is None:
        # Upstream: TypeError → 500 (D7); the suite requires 400 invalid_file.
        _notify_failed_store(call, room, _owner_marker(call, room, remove=False))
        return call.reason("invalid_file")
    marker = _owner_marker(call, room, remove=True)
    unchecked_owner = mutants.on("store-owner-unchecked")
    if rooms.attendee_for_user(call.database, room["id"], owner) is None and not unchecked_owner:
        return call.reason("owner_participant")
    if upload.error != uploads.UPLOAD_ERR_OK and not mutants.on("store-upload-error-ignored"):
        _notify_failed_store(call, room, marker or owner)
        return call.reason("invalid_file")
    if (upload.size == 0 and not mutants.on("store-empty-file-accepted")) or upload.path is None:
        return call.reason("empty_file")
    name = _stored_name(upload.filename)
    mimetype = media_types.sniff(upload.head)
    if mimetype not in media_types.ALLOWED_EXTENSION:
        return call.reason("file_extension" if mutants.on("store-mimetype-reason") else "file_mimetype")
    if name is None:
        return call.reason("file_name")
    if not media_types.extension_matches(mimetype, name) and not mutants.on("store-extension-unchecked"):
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
    parameters = {"file": file_parameter(call, file_id, relative, mimetype), "roomName": room["name"]}
    if not mutants.on("store-not-notified"):
        notifications.notify(call.database, owner, "record_file_stored", room["token"], parameters)
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


def file_parameter(call: Call, file_id: int, relative: str, mimetype: str) -> dict:
    """The rich-object ``file`` parameter of notifications and chat messages."""
    return {
        "type": "file",
        "id": str(file_id),
        "name": relative.rsplit("/", 1)[-1],
        "path": relative,
        "mimetype": mimetype,
        "link": f"{call.state.base_url}f/{file_id}",
    }
