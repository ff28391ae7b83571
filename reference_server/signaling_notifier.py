"""Talk → external signaling server: signed room notifications (BackendNotifier) and the welcome check.

Talk notifies the signaling server of every room change while the request runs, and does not swallow a
failure: a connection error, or an answer without the features Talk needs, makes the request answer 500.
Room changes queue their messages during the request; the pipeline delivers them before answering.
"""

import contextvars
import json
import logging
from datetime import UTC, datetime

import httpx

from reference_server import kept_alive_post, outgoing_http, recording_server_client, talk_config
from reference_server.database import Database
from reference_server.ocs import OcsError
from reference_server.php_values import json_encode
from reference_server.pipeline import Call
from reference_server.signature import checksum, new_random

FEATURES_HEADER = "x-spreed-signaling-features"
# Talk 22 refuses a signaling server whose answers lack any of these ("needs to be updated").
REQUIRED_FEATURES = frozenset({"audio-video-permissions", "federation", "incall-all", "hello-v2", "switchto"})
ALL_PERMISSIONS = 254
log = logging.getLogger("reference_server.signaling")

_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("signaling_pending", default=None)


class SignalingServerError(Exception):
    """The signaling server could not be reached or is not usable by this Talk version."""


def _server(database: Database) -> dict | None:
    """The signaling server Talk notifies (the first configured), or None without an external one."""
    if talk_config.app_value(database, "signaling_mode", "external") == "internal":
        return None
    raw = talk_config.app_value(database, "signaling_servers")
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return None
    servers = value.get("servers") if isinstance(value, dict) else None
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None
    secret = value.get("secret")
    return {**servers[0], "secret": secret if isinstance(secret, str) else ""}


def missing_features(headers) -> set[str]:
    """The required features an answer of the signaling server (its headers) does not list."""
    listed = {word.strip() for word in headers.get(FEATURES_HEADER, "").split(",")}
    return set(REQUIRED_FEATURES - listed)


# --- queueing during a request -----------------------------------------------------------------------


def begin() -> contextvars.Token:
    """Start collecting the notifications of one request."""
    return _pending.set([])


def _queue(database: Database, token: str, message: dict) -> None:
    pending = _pending.get()
    if pending is not None and _server(database) is not None:
        pending.append((token, json_encode(message).encode()))


async def deliver(state, reset: contextvars.Token) -> None:
    """Send what the request queued, in order; SignalingServerError when the server is not usable."""
    pending = _pending.get() or []
    _pending.reset(reset)
    server = _server(state.database) if pending else None
    if server is None:
        return
    base = recording_server_client.http_base(str(server.get("server", "")))
    verify, timeout = bool(server.get("verify")), recording_server_client.timeout().connect
    for token, body in pending:
        random = new_random()
        headers = [
            ("Content-Type", "application/json"),
            ("Spreed-Signaling-Random", random),
            ("Spreed-Signaling-Checksum", checksum(server["secret"], random, body)),
            ("Spreed-Signaling-Backend", state.absolute_url()),
        ]
        try:
            # Kept alive and light: every room change pays for these before Talk answers.
            answer = await kept_alive_post.post(f"{base}/api/v1/room/{token}", headers, body, verify, timeout)
        except kept_alive_post.PostError as exc:
            raise SignalingServerError(f"{base}: {exc}") from None
        if not 200 <= answer.status < 300:
            raise SignalingServerError(f"{base} answered {answer.status}")
        if missing_features(answer.headers):
            raise SignalingServerError(
                "Signaling server needs to be updated to be compatible with this version of Talk"
            )


def discard(reset: contextvars.Token) -> None:
    """Drop what a request queued (it failed before it changed anything worth telling)."""
    _pending.reset(reset)


# --- the messages (bodies as Talk 22 sends them) -------------------------------------------------------


def _user_ids(database: Database, room_id: int) -> list[str]:
    rows = database.all(
        "SELECT actor_id FROM attendees WHERE room_id = ? AND actor_type = 'users' ORDER BY id", room_id
    )
    return [row["actor_id"] for row in rows]


def _properties(room) -> dict:
    active_since = None
    if room["active_since"] is not None:
        moment = datetime.fromtimestamp(room["active_since"], UTC)
        date = moment.strftime("%Y-%m-%d %H:%M:%S.000000")
        active_since = {"date": date, "timezone_type": 3, "timezone": "UTC"}
    return {
        "name": room["name"],
        "type": room["type"],
        "lobby-state": room["lobby_state"],
        "lobby-timer": None,
        "read-only": 0,
        "listable": 0,
        "active-since": active_since,
        "sip-enabled": 0,
    }


def _room(database: Database, token: str):
    return database.one("SELECT * FROM rooms WHERE token = ?", token)


def invited(database: Database, token: str, user_ids: list[str]) -> None:
    """Users were added (the owner at room creation): ``invite``."""
    room = _room(database, token)
    if room is None:
        return
    properties = {**_properties(room), "participant-list": "refresh"}
    invite = {"userids": user_ids, "alluserids": _user_ids(database, room["id"]), "properties": properties}
    _queue(database, token, {"type": "invite", "invite": invite})


def recording_changed(database: Database, token: str, status: int) -> None:
    """The recording status changed: a ``recording`` message, then the room ``update``."""
    room = _room(database, token)
    if room is None:
        return
    recording = {"data": {"type": "recording", "recording": {"status": status}}}
    _queue(database, token, {"type": "message", "message": recording})
    properties = {**_properties(room), "description": ""}
    update = {"userids": _user_ids(database, room["id"]), "properties": properties}
    _queue(database, token, {"type": "update", "update": update})


def chat_refreshed(database: Database, token: str) -> None:
    """A (system) message was posted: clients should reload the chat."""
    refresh = {"data": {"type": "chat", "chat": {"refresh": True}}}
    _queue(database, token, {"type": "message", "message": refresh})


def _session_entry(row) -> dict:
    entry = {
        "inCall": row["in_call"],
        "lastPing": 0,
        "sessionId": row["session_id"],
        "nextcloudSessionId": row["session_id"],
        "participantType": row["participant_type"],
        "participantPermissions": ALL_PERMISSIONS,
        "actorType": row["actor_type"],
        "actorId": row["actor_id"],
    }
    if row["actor_type"] == "users":
        entry["userId"] = row["actor_id"]
    return entry


def in_call_changed(database: Database, token: str, session_id: str, flags: int) -> None:
    """A session joined (flags) or left (0) the call: ``incall`` with the changed and all in-call sessions."""
    room = _room(database, token)
    if room is None:
        return
    query = (
        "SELECT s.*, a.actor_type, a.actor_id, a.participant_type FROM sessions s"
        " JOIN attendees a ON a.id = s.attendee_id WHERE s.room_id = ?"
    )
    changed = database.all(query + " AND s.session_id = ?", room["id"], session_id)
    users = database.all(query + " AND s.in_call > 0 ORDER BY s.rowid", room["id"])
    incall = {
        "incall": flags,
        "changed": [_session_entry(row) for row in changed],
        "users": [_session_entry(row) for row in users],
    }
    _queue(database, token, {"type": "incall", "incall": incall})


def call_ended_for_everyone(database: Database, token: str) -> None:
    """A moderator ended the call for all: ``incall`` with ``all``."""
    _queue(database, token, {"type": "incall", "incall": {"incall": 0, "all": True}})


def deleted(database: Database, token: str, room_id: int) -> None:
    """The room is about to be deleted: ``delete`` to its users (read before the attendees go)."""
    _queue(database, token, {"type": "delete", "delete": {"userids": _user_ids(database, room_id)}})


# --- GET /api/v3/signaling/welcome/{serverId} (admin) ---------------------------------------------------


async def welcome(call: Call):
    """SignalingController::getWelcomeMessage: ask a configured signaling server's welcome endpoint."""
    raw = talk_config.app_value(call.database, "signaling_servers")
    try:
        servers = (json.loads(raw) if raw else {}).get("servers")
    except (ValueError, AttributeError):
        servers = None
    server_id = call.path_params["server_id"]
    index = int(server_id) if server_id.isdigit() else -1
    if not isinstance(servers, list) or not 0 <= index < len(servers) or not isinstance(servers[index], dict):
        raise OcsError(404)
    server = servers[index]
    url = f"{recording_server_client.http_base(str(server.get('server', '')))}/api/v1/welcome"
    try:
        client = outgoing_http.client(bool(server.get("verify")))
        response = await client.get(url, timeout=recording_server_client.timeout())
    except (httpx.HTTPError, ValueError):
        return call.error(500, {"error": "CAN_NOT_CONNECT"})
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict) or "version" not in data:
        return call.error(500, {"error": "JSON_INVALID"})
    if missing_features(response.headers):
        return call.error(500, {"error": "UPDATE_REQUIRED", "version": data["version"]})
    return call.ok(data)
