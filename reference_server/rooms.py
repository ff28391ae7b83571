"""Rooms, attendees and sessions, and the single writer of the recording status."""

import logging
import secrets
import string
import time

from reference_server import (
    chat,
    notifications,
    recording_server_client,
    signaling_notifier,
    state_machine,
    talk_config,
)
from reference_server.database import Database
from reference_server.server_state import ServerState

OWNER, MODERATOR, USER, GUEST, USER_SELF_JOINED, GUEST_MODERATOR = 1, 2, 3, 4, 5, 6
GROUP, PUBLIC = 2, 3
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits
log = logging.getLogger("reference_server.rooms")


class RecordingDisabled(Exception):
    """setCallRecording refused a non-zero status because recording is not enabled (``config``)."""


def new_token(database: Database) -> str:
    """A fresh 8-character ``[a-z0-9]`` room token."""
    while True:
        token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(8))
        if not database.one("SELECT 1 FROM rooms WHERE token = ?", token):
            return token


def room_by_token(database: Database, token: str):
    """The room row, or None."""
    return database.one("SELECT * FROM rooms WHERE token = ?", token)


def attendee_for_user(database: Database, room_id: int, user_id: str):
    """The user's attendee row in a room, or None."""
    return database.one(
        "SELECT * FROM attendees WHERE room_id = ? AND actor_type = 'users' AND actor_id = ?",
        room_id,
        user_id,
    )


def session_for_browser(database: Database, room_id: int, browser_session: str | None):
    """The Talk session this browser session holds in a room, with its attendee, or None."""
    if not browser_session:
        return None
    return database.one(
        "SELECT s.*, a.actor_type, a.actor_id, a.participant_type FROM sessions s JOIN attendees a"
        " ON a.id = s.attendee_id WHERE s.room_id = ? AND s.browser_session = ?",
        room_id,
        browser_session,
    )


def is_moderator(participant_type: int, allow_guest_moderator: bool = False) -> bool:
    """hasModeratorPermissions: owner/moderator (guest moderator only where the attribute allows it)."""
    allowed = {OWNER, MODERATOR} | ({GUEST_MODERATOR} if allow_guest_moderator else set())
    return participant_type in allowed


# The room keys Talk 23 added (pinned messages, scheduled messages); Talk 22 does not send them.
TALK_23_ROOM_KEYS = {"hasScheduledMessages": 0, "hiddenPinnedId": 0, "lastPinnedId": 0}
# What real Talk 22 and 23 showed as an owner's permissions (every permission but "custom").
OWNER_PERMISSIONS = 254


def render_room(
    database: Database, room, base_url: str, attendee=None, session=None, talk_version: int = 23
) -> dict:
    """The v4 room object with every key real Talk of that release sends (values the suite never reads are
    Talk's defaults for a plain group conversation); base_url renders the last message's links."""
    in_call = database.one(
        "SELECT COUNT(*) AS n FROM sessions WHERE room_id = ? AND in_call > 0", room["id"]
    )["n"]
    newest = chat.list_messages(database, room["id"], room["token"], 1, False, 0, base_url)
    last_message = newest[0] if newest else []  # PHP's empty array when the room has no message
    last_id = newest[0]["id"] if newest else 0
    last_activity = newest[0]["timestamp"] if newest else 0
    moderator = attendee is not None and is_moderator(attendee["participant_type"])
    rendered = {
        "id": room["id"],
        "token": room["token"],
        "type": room["type"],
        "name": room["name"],
        "displayName": room["name"],
        "objectType": "",
        "objectId": "",
        "description": "",
        "actorType": attendee["actor_type"] if attendee else "",
        "actorId": attendee["actor_id"] if attendee else "",
        "attendeeId": attendee["id"] if attendee else 0,
        "attendeePin": "",
        "participantType": attendee["participant_type"] if attendee else 0,
        "sessionId": session["session_id"] if session else "0",
        "participantFlags": session["in_call"] if session else 0,
        "hasCall": room["active_since"] is not None,
        "callStartTime": room["active_since"] or 0,
        "callRecording": reported_recording(room["call_recording"]),
        "recordingConsent": room["recording_consent"],
        "lobbyState": room["lobby_state"],
        "lobbyTimer": 0,
        "readOnly": 0,
        "listable": 0,
        "hasPassword": False,
        "callFlag": 7 if in_call else 0,
        "canStartCall": True,
        "canLeaveConversation": True,
        "canDeleteConversation": moderator,
        "canEnableSIP": False,
        "sipEnabled": 0,
        "isFavorite": False,
        "isArchived": False,
        "isImportant": False,
        "isSensitive": False,
        "isCustomAvatar": False,
        "avatarVersion": notifications.avatar_version(room["token"]),
        "notificationLevel": 0,
        "notificationCalls": 1,
        "permissions": OWNER_PERMISSIONS,
        "attendeePermissions": 0,
        "callPermissions": 0,
        "defaultPermissions": 0,
        "mentionPermissions": 0,
        "messageExpiration": 0,
        "breakoutRoomMode": 0,
        "breakoutRoomStatus": 0,
        "liveTranscriptionLanguageId": "",
        "lastActivity": last_activity,
        "lastPing": last_activity,
        "lastMessage": last_message,
        "lastReadMessage": last_id,
        "lastCommonReadMessage": last_id,
        "unreadMessages": 0,
        "unreadMention": False,
        "unreadMentionDirect": False,
    }
    return {**rendered, **TALK_23_ROOM_KEYS} if talk_version >= 23 else rendered


def reported_recording(stored: int) -> int:
    """The room object reports callRecording as stored (5 while failed)."""
    return stored


def set_call_recording(
    state: ServerState,
    room,
    new: int,
    allowed_from: frozenset | None = None,
    actor: tuple[str, str] | None = None,
    fallback_user: str | None = None,
    check_enabled: bool = True,
    announce: bool = True,
) -> int | None:
    """RoomService::setCallRecording as one compare-and-set transaction, the only writer of the state.

    Returns the previous state, or None when the room's state was not in ``allowed_from`` (nothing changed).
    Raises RecordingDisabled for a non-zero status while recording is disabled. ``announce=False`` writes
    without a system message or signaling notification (undoing a claim Talk never made visible).
    """
    if check_enabled and new != state_machine.NONE and not talk_config.is_recording_enabled(state.database):
        raise RecordingDisabled()
    allowed = sorted(allowed_from if allowed_from is not None else state_machine.ALL_STATES)
    marks = ",".join("?" * len(allowed))
    with state.database.transaction() as tx:
        current = tx.execute("SELECT call_recording FROM rooms WHERE id = ?", (room["id"],)).fetchone()
        if current is None or current["call_recording"] not in allowed:
            return None
        old = current["call_recording"]
        cursor = tx.execute(
            f"UPDATE rooms SET call_recording = ? WHERE id = ? AND call_recording IN ({marks})",  # noqa: S608
            (new, room["id"], *allowed),
        )
        if cursor.rowcount != 1:
            return None
        message = state_machine.system_message(old, new, actor is not None) if announce else None
        if message:
            message_actor = actor or (
                ("users", fallback_user) if fallback_user else chat.GUEST_WITHOUT_SESSION
            )
            chat.post_system_message(tx, room["id"], message, message_actor)
    if announce:
        signaling_notifier.recording_changed(state.database, room["token"], new)
    if message:
        signaling_notifier.chat_refreshed(state.database, room["token"])
    return old


async def end_call(
    state: ServerState, room, actor: tuple[str, str], system_message: str = "call_ended"
) -> None:
    """The call ended (call_ended or call_ended_everyone); a running recording is asked to stop (T6)."""
    database = state.database
    with database.transaction() as tx:
        tx.execute("UPDATE sessions SET in_call = 0 WHERE room_id = ?", (room["id"],))
        tx.execute("UPDATE rooms SET active_since = NULL WHERE id = ?", (room["id"],))
        chat.post_system_message(tx, room["id"], system_message, actor)
    signaling_notifier.chat_refreshed(database, room["token"])
    current = room_by_token(database, room["token"])
    if current is None or not state_machine.call_end_sends_stop(current["call_recording"]):
        return
    servers = talk_config.recording_servers(database)
    if not servers:
        return
    body = recording_server_client.stop_body(None)
    try:
        await recording_server_client.send(
            servers[0], talk_config.recording_secret(database), state.absolute_url(), room["token"], body
        )
    except recording_server_client.RecordingServerError as exc:
        # Upstream's call-end listener does not fail the request that ended the call.
        log.warning("stop on call end for %s failed: %s", room["token"], exc)


def session_actor(database: Database, session_id: str) -> tuple[str, str] | None:
    """The (actor type, actor id) behind a Talk session, or None."""
    row = database.one(
        "SELECT a.actor_type, a.actor_id FROM sessions s JOIN attendees a ON a.id = s.attendee_id"
        " WHERE s.session_id = ?",
        session_id,
    )
    return (row["actor_type"], row["actor_id"]) if row else None


async def leave_call(state: ServerState, room, session_id: str) -> None:
    """One session leaves the call (``call_left``); the last one out ends it (``call_ended``)."""
    database = state.database
    actor = session_actor(database, session_id)
    with database.transaction() as tx:
        was_in_call = tx.execute(
            "SELECT in_call FROM sessions WHERE session_id = ?", (session_id,)
        ).fetchone()
        tx.execute("UPDATE sessions SET in_call = 0 WHERE session_id = ?", (session_id,))
        remaining = tx.execute(
            "SELECT COUNT(*) AS n FROM sessions WHERE room_id = ? AND in_call > 0", (room["id"],)
        ).fetchone()["n"]
        left = bool(remaining and was_in_call and was_in_call["in_call"] and actor)
        if left:
            chat.post_system_message(tx, room["id"], "call_left", actor)
    signaling_notifier.in_call_changed(database, room["token"], session_id, 0)
    if left:
        signaling_notifier.chat_refreshed(database, room["token"])
    if remaining == 0 and room["active_since"] is not None and actor:
        await end_call(state, room, actor)


def delete_room(database: Database, room_id: int) -> None:
    """Remove a room with its attendees, sessions and chat."""
    with database.transaction() as tx:
        for table in ("sessions", "attendees", "messages"):
            tx.execute(f"DELETE FROM {table} WHERE room_id = ?", (room_id,))  # noqa: S608
        tx.execute("DELETE FROM rooms WHERE id = ?", (room_id,))


def now() -> int:
    """Unix seconds."""
    return int(time.time())
