"""Chat messages: recording system messages and file shares, as Talk's v1 chat API lists them."""

import json
import time

from reference_server import absolute_url
from reference_server.database import Database
from reference_server.php_values import PhpObject
from reference_server.state_machine import SYSTEM_MESSAGE_TEXT

# The actor of a recording_failed message the recording server reports: a guest without a session.
GUEST_WITHOUT_SESSION = ("guests", "failed-to-get-session")

# The conversation and call messages Talk posts around a recording (not recording-specific).
CONVERSATION_MESSAGE_TEXT = {
    "conversation_created": "{actor} created the conversation",
    "user_added": "{actor} added {user}",
    "call_started": "{actor} started a call",
    "call_joined": "{actor} joined the call",
    "call_left": "{actor} left the call",
    "call_ended": "Call with {actor} ended",
    "call_ended_everyone": "{actor} ended the call with everyone",
    "moderator_promoted": "{actor} promoted {user} to moderator",
    "moderator_demoted": "{actor} demoted {user} from moderator",
}


def actor_parameter(actor: tuple[str, str]) -> dict:
    """The rich-object parameter of an actor, as Talk renders it in messageParameters."""
    actor_type, actor_id = actor
    if actor_type == "users":
        return {"type": "user", "id": actor_id, "name": actor_id, "mention-id": actor_id}
    # Talk names a guest without a display name "Guest" and prefixes its id with "guest/".
    guest_id = f"guest/{actor_id}"
    return {"type": "guest", "id": guest_id, "name": "Guest", "mention-id": guest_id}


def post_system_message(
    tx, room_id: int, system_message: str, actor: tuple[str, str], extra: dict | None = None
) -> None:
    """Store one system message inside the caller's transaction (``extra``: more rich parameters)."""
    params = {"actor": actor_parameter(actor), **(extra or {})}
    text = SYSTEM_MESSAGE_TEXT.get(system_message) or CONVERSATION_MESSAGE_TEXT[system_message]
    tx.execute(
        "INSERT INTO messages (room_id, actor_type, actor_id, message, system_message, message_type,"
        " parameters,"
        " timestamp) VALUES (?, ?, ?, ?, ?, 'system', ?, ?)",
        (room_id, actor[0], actor[1], text, system_message, json.dumps(params), int(time.time())),
    )


def post_file_share(
    database: Database, room_id: int, user_id: str, file_parameter: dict, message_type: str
) -> None:
    """The chat message a shared file produces (rendered as ``{file}``)."""
    params = {"actor": actor_parameter(("users", user_id)), "file": file_parameter}
    database.run(
        "INSERT INTO messages (room_id, actor_type, actor_id, message, system_message, message_type,"
        " parameters,"
        " timestamp) VALUES (?, 'users', ?, '{file}', '', ?, ?, ?)",
        room_id,
        user_id,
        message_type,
        json.dumps(params),
        int(time.time()),
    )


def list_messages(
    database: Database,
    room_id: int,
    token: str,
    limit: int,
    look_into_future: bool,
    last_known: int,
    base_url: str,
) -> list[dict]:
    """Messages newest first (or oldest first after ``lastKnownMessageId`` when looking into the future)."""
    if look_into_future:
        rows = database.all(
            "SELECT * FROM messages WHERE room_id = ? AND id > ? ORDER BY id ASC LIMIT ?",
            room_id,
            last_known,
            limit,
        )
    else:
        bound = last_known if last_known > 0 else 2**62
        rows = database.all(
            "SELECT * FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            room_id,
            bound,
            limit,
        )
    return [_render(row, token, base_url) for row in rows]


def _render(row, token: str, base_url: str) -> dict:
    params = absolute_url.with_file_link(json.loads(row["parameters"]), base_url)
    return {
        "id": row["id"],
        "token": token,
        "actorType": row["actor_type"],
        "actorId": row["actor_id"],
        # A guest's display name is empty unless it chose one (the reference server's guests never do).
        "actorDisplayName": params["actor"]["name"] if row["actor_type"] == "users" else "",
        "timestamp": row["timestamp"],
        "message": row["message"],
        "messageParameters": params,
        "systemMessage": row["system_message"],
        "messageType": row["message_type"],
        "isReplyable": row["message_type"] != "system",
        "referenceId": "",
        "reactions": PhpObject(),  # Talk sends {} for a message nobody reacted to
        "expirationTimestamp": 0,
        "markdown": row["message_type"] != "system",
        "threadId": row["id"],  # a message outside a thread is its own thread, as Talk numbers them
    }
