"""POST /recording/{token}/store: the recording server uploads a finished recording."""

import hashlib
import logging
import os
import re
import time
from pathlib import Path

from reference_server import (
    absolute_url,
    backend_auth,
    brute_force,
    media_types,
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


def signed_part(call: Call, room) -> bytes:
    """The store HMAC covers the random and the room token."""
    return room["token"].encode()


def missing_owner_reason() -> str:
    """No owner field (what PHP leaves of a body above post_max_size): 400 size."""
    return "size"


def missing_file(call: Call, room):
    """No file part: the suite requires 400 invalid_file where upstream's TypeError answers 500 (D7)."""
    _notify_failed_store(call, room, _owner_marker(call, room, remove=False))
    return call.reason("invalid_file")


def owner_may_own(call: Call, room, owner: str) -> bool:
    """The owner must be a user participant of the conversation (else 400 owner_participant)."""
    return rooms.attendee_for_user(call.database, room["id"], owner) is not None


def upload_failed(upload: uploads.UploadedFile) -> bool:
    """PHP reported an upload error (e.g. too large, disk full): 400 invalid_file."""
    return upload.error != uploads.UPLOAD_ERR_OK


def is_empty(upload: uploads.UploadedFile) -> bool:
    """An empty file is refused with 400 empty_file."""
    return upload.size == 0


def unsupported_type_reason() -> str:
    """A file that is not one of the recording formats: 400 file_mimetype."""
    return "file_mimetype"


def notify_stored(call: Call, owner: str, room, parameters: dict) -> None:
    """A stored recording notifies its owner (record_file_stored)."""
    notifications.notify(call.database, owner, "record_file_stored", room["token"], parameters)


async def store(call: Call):
    """POST /recording/{token}/store: HMAC over the token, then owner, file and format checks."""
    await backend_auth.brute_force_gate(call, brute_force.SECRET_ACTION)
    room = rooms.room_by_token(call.database, call.path_params["token"])
    if room is None:
        raise OcsError(404)
    if not backend_auth.signature_ok(call, signed_part(call, room)):
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
        return call.reason(missing_owner_reason())
    upload = form.file
    if upload is None:
        return missing_file(call, room)
    marker = _owner_marker(call, room, remove=True)
    if not owner_may_own(call, room, owner):
        return call.reason("owner_participant")
    if upload_failed(upload):
        _notify_failed_store(call, room, marker or owner)
        return call.reason("invalid_file")
    if is_empty(upload) or upload.path is None:
        return call.reason("empty_file")
    name = _stored_name(upload.filename)
    mimetype = media_types.sniff(upload.head)
    formats = media_types.recording_formats(call.talk_version)
    if mimetype not in formats:
        return call.reason(unsupported_type_reason())
    if name is None:
        return call.reason("file_name")
    if not media_types.extension_matches(formats, mimetype, name):
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
    parameters = {"file": file_parameter(call, file_id, relative), "roomName": room["name"]}
    notify_stored(call, owner, room, parameters)
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


def file_parameter(call: Call, file_id: int, relative: str) -> dict:
    """The rich-object ``file`` parameter of a notification: exactly the keys real Talk 22 and 23 send."""
    return {
        "type": "file",
        "id": str(file_id),
        "name": relative.rsplit("/", 1)[-1],
        "path": f"/{relative}",  # the notification names the path from the user's root
        "link": absolute_url.file_link(call.state.absolute_url(), file_id),
    }


# What a shared recording's file parameter says of its permissions in real Talk (read, update, share, delete).
SHARED_FILE_PERMISSIONS = "27"


def shared_file_parameter(call: Call, row) -> dict:
    """The ``file`` parameter of the chat message sharing a stored recording, with Talk's file details."""
    etag = hashlib.md5(f"{row['id']}:{row['mtime']}:{row['size']}".encode(), usedforsecurity=False)
    return {
        "type": "file",
        "id": str(row["id"]),
        "name": row["path"].rsplit("/", 1)[-1],
        "size": str(row["size"]),
        "path": row["path"],
        "link": absolute_url.file_link(call.state.absolute_url(), row["id"]),
        "etag": etag.hexdigest(),
        "permissions": SHARED_FILE_PERMISSIONS,
        "mimetype": row["mimetype"],
        "preview-available": "no",
        "hide-download": "no",
    }
