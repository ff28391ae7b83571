"""Recording notifications as the notifications app lists and dismisses them."""

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
}
OBJECT_TYPE = {"record_file_stored": "recording", "record_file_store_fail": "recording_information"}
API_PREFIX = "ocs/v2.php/apps/spreed/api/v1/recording/"


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


def _render(row, base_url: str) -> dict:
    params = json.loads(row["parameters"])
    subject, message = SUBJECT_TEXT.get(row["subject"], (row["subject"], ""))
    token = row["object_id"]
    call = {"type": "call", "id": token, "name": params.get("roomName", token), "call-type": "group"}
    rich = {"call": call}
    if "file" in params:
        rich["file"] = absolute_url.with_file_link(params, base_url)["file"]
    actions = []
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
    rendered_message = message.replace("{call}", call["name"]).replace(
        "{file}", rich.get("file", {}).get("name", "")
    )
    return {
        "notification_id": row["id"],
        "app": "spreed",
        "user": row["user_id"],
        "datetime": _iso(row["created"]),
        "object_type": row["object_type"],
        "object_id": token,
        "subject": subject,
        "subjectKey": row["subject"],
        "message": rendered_message,
        "link": f"{base_url}index.php/call/{token}",
        "subjectRich": subject,
        "subjectRichParameters": {},
        "messageRich": message,
        "messageRichParameters": rich,
        "icon": f"{base_url}apps/spreed/img/app-dark.svg",
        "shouldNotify": True,
        "actions": actions,
    }


def list_for(database: Database, user_id: str, base_url: str) -> list[dict]:
    """The caller's notifications, newest first."""
    rows = database.all("SELECT * FROM notifications WHERE user_id = ? ORDER BY id DESC", user_id)
    return [_render(row, base_url) for row in rows]
