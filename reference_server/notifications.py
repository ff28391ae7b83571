"""Recording notifications as the notifications app lists and dismisses them."""

import hashlib
import json
import time
from datetime import UTC, datetime

from reference_server import absolute_url
from reference_server.database import Database

STORED_SUBJECTS = ("record_file_stored", "transcript_file_stored", "summary_file_stored")
SUBJECT_TEXT = {
    "record_file_stored": (
        "Call recording now available",
        "The recording for the call in {call} was uploaded to {file}.",
    ),
    "record_file_store_fail": (
        "Failed to upload call recording",
        "The recording for the call in {call} could not be uploaded.",
    ),
    "invitation": ("{user} invited you to a group conversation: {call}", ""),
}
OBJECT_TYPE = {
    "record_file_stored": "recording",
    "record_file_store_fail": "recording_information",
    "invitation": "room",
}
API_PREFIX = "ocs/v2.php/apps/spreed/api/v1/recording/"
AVATAR_PREFIX = "ocs/v2.php/apps/spreed/api/v1/room/"


def notify(
    database: Database, user_id: str, subject: str, token: str, parameters: dict | None = None
) -> None:
    """Create one notification for a user."""
    database.run(
        "INSERT INTO notifications (user_id, object_type, object_id, subject, parameters, created)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        user_id,
        OBJECT_TYPE[subject],
        token,
        subject,
        json.dumps(parameters or {}),
        int(time.time()),
    )


ANY_TIME = None  # dismiss() without a creation time: every matching notification of the room


def dismiss(
    database: Database, user_id: str, token: str, timestamp: int | None, subjects=STORED_SUBJECTS
) -> None:
    """Dismiss the user's ``recording`` notifications of the room created at ``timestamp`` (ANY_TIME: all)."""
    marks = ",".join("?" * len(subjects))
    sql = (
        f"DELETE FROM notifications WHERE user_id = ? AND object_type = 'recording' AND object_id = ?"  # noqa: S608
        f" AND subject IN ({marks})"
    )
    args = [user_id, token, *subjects]
    if timestamp is not ANY_TIME:
        sql += " AND created = ?"
        args.append(timestamp)
    database.run(sql, *args)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _call_parameter(room, base_url: str) -> dict:
    """The rich-object ``call`` parameter: the room's numeric id and its avatar."""
    token = room["token"]
    avatar = f"{base_url}{AVATAR_PREFIX}{token}/avatar?v={avatar_version(token)}"
    return {
        "type": "call",
        "id": str(room["id"]),
        "name": room["name"],
        "call-type": "group",
        "icon-url": avatar,
    }


def avatar_version(token: str) -> str:
    """A room's avatar version: eight hex digits that change with the avatar (never, here)."""
    return hashlib.md5(token.encode(), usedforsecurity=False).hexdigest()[:8]


def _rich_text(text: str, parameters: dict) -> str:
    """The plain text of a rich subject or message: a file by its path, anything else by its name."""
    for name, parameter in parameters.items():
        shown = parameter.get("path" if parameter.get("type") == "file" else "name", "")
        text = text.replace("{" + name + "}", shown)
    return text


def _render(row, room, base_url: str) -> dict:
    params = json.loads(row["parameters"])
    subject, message = SUBJECT_TEXT.get(row["subject"], (row["subject"], ""))
    token = row["object_id"]
    call = _call_parameter(room, base_url)
    room_link = f"{base_url}index.php/call/{token}"
    # PHP encodes an empty parameter array as [], not {}.
    subject_parameters: dict | list = []
    message_parameters: dict | list = {"call": call}
    if "file" in params:
        message_parameters["file"] = absolute_url.with_file_link(params, base_url)["file"]
    actions = []
    if row["subject"] == "invitation":
        inviter = params.get("actorId", "")
        subject_parameters = {"user": {"type": "user", "id": inviter, "name": inviter}, "call": call}
        message_parameters = []
        actions = [{"label": "View chat", "link": room_link, "type": "WEB", "primary": False}]
    if row["subject"] == "record_file_stored":
        base = f"{base_url}{API_PREFIX}{token}"
        file_id = params.get("file", {}).get("id", "")
        actions = [
            {
                "label": "Share to chat",
                "link": f"{base}/share-chat?fileId={file_id}&timestamp={row['created']}",
                "type": "POST",
                "primary": True,
            },
            {
                "label": "Dismiss notification",
                "link": f"{base}/notification?timestamp={row['created']}",
                "type": "DELETE",
                "primary": False,
            },
        ]
    return {
        "notification_id": row["id"],
        "app": "spreed",
        "user": row["user_id"],
        "datetime": _iso(row["created"]),
        "object_type": row["object_type"],
        "object_id": token,
        "subject": _rich_text(subject, subject_parameters or {}),
        "message": _rich_text(message, message_parameters or {}),
        "link": room_link,
        "subjectRich": subject,
        "subjectRichParameters": subject_parameters,
        "messageRich": message,
        "messageRichParameters": message_parameters,
        "icon": f"{base_url}apps/spreed/img/app-dark.svg",
        "shouldNotify": True,
        "actions": actions,
    }


def list_for(database: Database, user_id: str, base_url: str) -> list[dict]:
    """The caller's notifications, newest first; those of a room the user is no longer in are gone."""
    # Talk's notifier drops a notification whose room it cannot find for the user (AlreadyProcessedException).
    rows = database.all(
        "SELECT n.*, r.id AS room_id, r.token AS room_token, r.name AS room_name FROM notifications n"
        " JOIN rooms r ON r.token = n.object_id"
        " JOIN attendees a ON a.room_id = r.id AND a.actor_type = 'users' AND a.actor_id = n.user_id"
        " WHERE n.user_id = ? ORDER BY n.id DESC",
        user_id,
    )
    return [
        _render(row, {"id": row["room_id"], "token": row["room_token"], "name": row["room_name"]}, base_url)
        for row in rows
    ]
