"""Nextcloud (non-Talk) APIs the suite uses: users, app config, capabilities, notifications, throttling."""

from reference_server import notifications, talk_config, talk_release
from reference_server.config import USER_ID
from reference_server.ocs import OcsError
from reference_server.pipeline import Call

FORBIDDEN_APP_KEYS = {"installed_version", "enabled", "types"}


def _require_admin(call: Call) -> None:
    if not call.is_admin:
        raise OcsError(403, "Logged in account must be an admin")


async def get_app_value(call: Call):
    """GET …/config/apps/{app}/{key} → ``data.data``."""
    _require_admin(call)
    app, key = call.path_params["app"], call.path_params["key"]
    default = call.params.get("defaultValue", "")
    value = talk_config.app_value(call.database, key, default if isinstance(default, str) else "", app)
    return call.ok({"data": value})


async def set_app_value(call: Call):
    """POST …/config/apps/{app}/{key} with ``value``."""
    _require_admin(call)
    app, key = call.path_params["app"], call.path_params["key"]
    if key in FORBIDDEN_APP_KEYS:
        return call.error(403, {"data": {"message": "The given key can not be set"}})
    value = call.params.get("value")
    if value is None:
        return call.error(400, {"data": {"message": "The value parameter is required"}})
    if isinstance(value, bool):
        value = "1" if value else ""
    if not isinstance(value, str | int | float):
        return call.error(400, {"data": {"message": "The value must be a string"}})
    call.database.run(
        "INSERT OR REPLACE INTO app_config (app, key, value) VALUES (?, ?, ?)", app, key, str(value)
    )
    return call.ok()


async def delete_app_value(call: Call):
    """DELETE …/config/apps/{app}/{key}: back to the default."""
    _require_admin(call)
    app, key = call.path_params["app"], call.path_params["key"]
    if key in FORBIDDEN_APP_KEYS:
        return call.error(403, {"data": {"message": "The given key can not be deleted"}})
    call.database.run("DELETE FROM app_config WHERE app = ? AND key = ?", app, key)
    return call.ok()


async def list_app_keys(call: Call):
    """GET …/config/apps/{app}: the keys set for an app."""
    _require_admin(call)
    rows = call.database.all("SELECT key FROM app_config WHERE app = ? ORDER BY key", call.path_params["app"])
    return call.ok({"data": [row["key"] for row in rows]})


async def create_user(call: Call):
    """POST /cloud/users (admin): ``userid``, ``password``; an existing user gives statuscode 102."""
    _require_admin(call)
    user_id, password = call.params.get("userid"), call.params.get("password", "")
    if not isinstance(user_id, str) or not USER_ID.match(user_id) or user_id in (".", ".."):
        raise OcsError(400, "Invalid user id", statuscode=101)
    if not isinstance(password, str) or password == "":
        raise OcsError(400, "Invalid password value", statuscode=101)
    if call.database.one("SELECT 1 FROM users WHERE id = ?", user_id):
        raise OcsError(400, "User already exists", statuscode=102)
    call.database.run("INSERT INTO users (id, password, is_admin) VALUES (?, ?, 0)", user_id, password)
    return call.ok({"id": user_id})


async def get_user(call: Call):
    """GET /cloud/users/{userId}."""
    row = call.database.one("SELECT id, is_admin FROM users WHERE id = ?", call.path_params["user_id"])
    if row is None:
        raise OcsError(404, "User does not exist")
    groups = ["admin"] if row["is_admin"] else []
    return call.ok(
        {"id": row["id"], "enabled": True, "displayname": row["id"], "email": None, "groups": groups}
    )


async def delete_user(call: Call):
    """DELETE /cloud/users/{userId} (admin)."""
    _require_admin(call)
    user_id = call.path_params["user_id"]
    if user_id == call.user or not call.database.one("SELECT 1 FROM users WHERE id = ?", user_id):
        raise OcsError(400, "", statuscode=101)
    with call.database.transaction() as tx:
        tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
        tx.execute("DELETE FROM attendees WHERE actor_type = 'users' AND actor_id = ?", (user_id,))
        tx.execute("DELETE FROM notifications WHERE user_id = ?", (user_id,))
    return call.ok()


async def capabilities(call: Call):
    """GET /cloud/capabilities: the modelled release, ``spreed.features`` and ``spreed.config.call``."""
    database = call.database
    release = talk_release.of(call.talk_version)
    spreed = {
        "features": ["audio", "video", "chat-v2", "conversation-v4", "recording-v1", "recording-consent"],
        "config": {
            "call": {
                "enabled": True,
                "recording": talk_config.is_recording_enabled(database),
                "recording-consent": talk_config.recording_consent_setting(database),
            },
            "attachments": {"allowed": True, "folder": "/Talk"},
        },
        "version": release.talk,
    }
    major, minor, micro = release.nextcloud
    version = {
        "major": major,
        "minor": minor,
        "micro": micro,
        "string": f"{major}.{minor}.{micro}",
        "edition": "",
        "extendedSupport": False,
    }
    reference = talk_release.reference_capability(call.talk_version)
    return call.ok({"version": version, "capabilities": {"spreed": spreed, "talk_reference": reference}})


async def list_notifications(call: Call):
    """GET /apps/notifications/api/v2/notifications."""
    return call.ok(notifications.list_for(call.database, call.user, call.state.absolute_url()))


async def delete_notification(call: Call):
    """DELETE /apps/notifications/api/v2/notifications/{id}."""
    call.database.run(
        "DELETE FROM notifications WHERE id = ? AND user_id = ?", call.path_params["id"], call.user
    )
    return call.ok()


async def delete_all_notifications(call: Call):
    """DELETE /apps/notifications/api/v2/notifications."""
    call.database.run("DELETE FROM notifications WHERE user_id = ?", call.user)
    return call.ok()


async def reset_bruteforce(call: Call):
    """DELETE /apps/talk_reference/api/v1/bruteforce (admin): forget all attempts."""
    _require_admin(call)
    call.state.throttler.reset()
    return call.ok()
