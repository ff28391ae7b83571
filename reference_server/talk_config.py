"""Reading Talk's app config: recording servers, secret and whether recording is enabled (§5.2)."""

import json

from reference_server.database import Database


def app_value(database: Database, key: str, default: str | None = None, app: str = "spreed") -> str | None:
    """One app config value, or ``default``."""
    row = database.one("SELECT value FROM app_config WHERE app = ? AND key = ?", app, key)
    return row["value"] if row else default


def _json_object(database: Database, key: str) -> dict:
    raw = app_value(database, key)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def recording_servers(database: Database) -> list[dict]:
    """The configured recording servers (entries that are objects)."""
    servers = _json_object(database, "recording_servers").get("servers")
    return [s for s in servers if isinstance(s, dict)] if isinstance(servers, list) else []


def recording_secret(database: Database) -> str:
    """``recording_servers.secret``; empty when unset (upstream then signs with the empty key)."""
    secret = _json_object(database, "recording_servers").get("secret")
    return secret if isinstance(secret, str) else ""


def is_recording_enabled(database: Database) -> bool:
    """Config::isRecordingEnabled: HPB configured, call_recording=yes, a secret and ≥ 1 recording server."""
    signaling = _json_object(database, "signaling_servers").get("servers")
    if not isinstance(signaling, list) or not signaling:
        return False
    if app_value(database, "signaling_mode", "external") == "internal":
        return False
    if app_value(database, "call_recording", "yes") != "yes":
        return False
    return recording_secret(database) != "" and bool(recording_servers(database))


def recording_consent_setting(database: Database) -> int:
    """The capability ``config.call.recording-consent``: 0 unless recording is enabled."""
    if not is_recording_enabled(database):
        return 0
    value = app_value(database, "recording_consent", "0")
    return {"1": 1, "2": 2}.get(value, 0)
