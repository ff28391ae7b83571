"""Chat messages: recording system messages and file shares, as Talk's v1 chat API lists them."""

import json
import time

from reference_server.database import Database
from reference_server.state_machine import SYSTEM_MESSAGE_TEXT

GUEST_WITHOUT_SESSION = ("guests", "failed-to-get-session")


def post_system_message(tx, room_id: int, system_message: str, actor: tuple[str, str]) -> None:
    """Store one system message inside the caller's transaction."""
    params = {"actor": {"type": "user" if actor[0] == "users" else "guest", "id": actor[1], "name": actor[1]}}
    tx.execute(
        "INSERT INTO messages (room_id, actor_type, actor_id, message, system_message, message_type,"
        " parameters,"
        " timestamp) VALUES (?, ?, ?, ?, ?, 'system', ?, ?)",
        (
            room_id,
            actor[0],
            actor[1],
            SYSTEM_MESSAGE_TEXT[system_message],
            system_message,
            json.dumps(params),
            int(time.time()),
        ),
    )


def post_file_share(
    database: Database, room_id: int, user_id: str, file_parameter: dict, message_type: str
) -> None:
    """The chat message a shared file produces (rendered as ``{file}``)."""
    params = {"actor": {"type": "user", "id": user_id, "name": user_id}, "file": file_parameter}
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
    database: Database, room_id: int, token: str, limit: int, look_into_future: bool, last_known: int
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
    return [_render(row, token) for row in rows]


def _render(row, token: str) -> dict:
    params = json.loads(row["parameters"])
    return {
        "id": row["id"],
        "token": token,
        "actorType": row["actor_type"],
        "actorId": row["actor_id"],
        "actorDisplayName": params.get("actor", {}).get("name", ""),
        "timestamp": row["timestamp"],
        "message": row["message"],
        "messageParameters": params,
        "systemMessage": row["system_message"],
        "messageType": row["message_type"],
        "isReplyable": row["message_type"] != "system",
        "referenceId": "",
        "expirationTimestamp": 0,
        "markdown": row["message_type"] != "system",
    }
