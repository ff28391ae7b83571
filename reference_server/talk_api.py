"""Talk's setup APIs (v4 rooms, participants, sessions, calls, lobby; v1 chat), talk-behaviour §5.1."""

import secrets

from reference_server import chat, notifications, rooms, signaling_notifier, talk_config
from reference_server.ocs import OcsError
from reference_server.php_values import to_int
from reference_server.pipeline import Call

ROOM_TYPES = {rooms.GROUP, rooms.PUBLIC}


def _room(call: Call):
    room = rooms.room_by_token(call.database, call.path_params["token"])
    if room is None:
        raise OcsError(404)
    return room


def _participant(call: Call, room):
    """The caller's attendee (users by id, guests by their room session), or None."""
    if call.user:
        return rooms.attendee_for_user(call.database, room["id"], call.user)
    return rooms.session_for_browser(call.database, room["id"], call.browser_session)


def _require_participant(call: Call, room):
    attendee = _participant(call, room)
    if attendee is None:
        raise OcsError(404)
    return attendee


def _require_moderator(call: Call, room):
    attendee = _require_participant(call, room)
    if not rooms.is_moderator(attendee["participant_type"], allow_guest_moderator=True):
        raise OcsError(403)
    return attendee


def _room_object(call: Call, room, attendee=None, session=None) -> dict:
    """The room object as the modelled Talk release renders it."""
    base_url = call.state.absolute_url()
    return rooms.render_room(call.database, room, base_url, attendee, session, call.state.config.talk_version)


def _truthy(value) -> bool:
    """A boolean parameter as forms ("true", "1") or JSON (true) send it."""
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return value is True or value == 1


async def create_room(call: Call):
    """POST /room: group (2) or public (3) room, creator becomes owner."""
    room_type = to_int(call.params.get("roomType"))
    name = call.params.get("roomName", "")
    if room_type not in ROOM_TYPES:
        return call.reason("type")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        return call.reason("name")
    token = rooms.new_token(call.database)
    with call.database.transaction() as tx:
        cursor = tx.execute(
            "INSERT INTO rooms (token, type, name) VALUES (?, ?, ?)", (token, room_type, name.strip())
        )
        tx.execute(
            "INSERT INTO attendees (room_id, actor_type, actor_id, participant_type)"
            " VALUES (?, 'users', ?, ?)",
            (cursor.lastrowid, call.user, rooms.OWNER),
        )
        chat.post_system_message(tx, cursor.lastrowid, "conversation_created", ("users", call.user))
    room = rooms.room_by_token(call.database, token)
    attendee = rooms.attendee_for_user(call.database, room["id"], call.user)
    signaling_notifier.chat_refreshed(call.database, token)  # conversation_created, as Talk 22 sends it first
    signaling_notifier.invited(call.database, token, [call.user])
    return call.ok(_room_object(call, room, attendee), status=201)


async def list_rooms(call: Call):
    """GET /room: the caller's rooms."""
    rows = call.database.all(
        "SELECT r.* FROM rooms r JOIN attendees a ON a.room_id = r.id"
        " WHERE a.actor_type = 'users' AND a.actor_id = ?"
        " ORDER BY r.id",
        call.user,
    )
    result = []
    for room in rows:
        attendee = rooms.attendee_for_user(call.database, room["id"], call.user)
        result.append(_room_object(call, room, attendee))
    return call.ok(result)


async def get_room(call: Call):
    """GET /room/{token}: participants see their view; anyone may see a public room."""
    room = _room(call)
    attendee = _participant(call, room)
    if attendee is None and room["type"] != rooms.PUBLIC:
        raise OcsError(404)
    session = rooms.session_for_browser(call.database, room["id"], call.browser_session)
    return call.ok(_room_object(call, room, attendee, session))


async def delete_room(call: Call):
    """DELETE /room/{token}: moderators delete the room."""
    room = _room(call)
    _require_moderator(call, room)
    signaling_notifier.deleted(call.database, room["token"], room["id"])
    rooms.delete_room(call.database, room["id"])
    return call.ok()


async def add_participant(call: Call):
    """POST /room/{token}/participants: add a user (``source=users``)."""
    room = _room(call)
    _require_moderator(call, room)
    source = call.params.get("source", "users")
    new_participant = call.params.get("newParticipant")
    if source != "users":
        return call.reason("source")
    if not isinstance(new_participant, str) or not call.database.one(
        "SELECT 1 FROM users WHERE id = ?", new_participant
    ):
        raise OcsError(404)
    with call.database.transaction() as tx:
        cursor = tx.execute(
            "INSERT OR IGNORE INTO attendees (room_id, actor_type, actor_id, participant_type)"
            " VALUES (?, 'users', ?, ?)",
            (room["id"], new_participant, rooms.USER),
        )
        added = cursor.rowcount == 1  # adding someone who is already there posts nothing
        if added:
            user = chat.actor_parameter(("users", new_participant))
            chat.post_system_message(tx, room["id"], "user_added", ("users", call.user), {"user": user})
    signaling_notifier.invited(call.database, room["token"], [new_participant])
    if added:
        signaling_notifier.chat_refreshed(call.database, room["token"])
        # Talk tells the added user: "<actor> invited you to a group conversation: <room>".
        notifications.notify(
            call.database, new_participant, "invitation", room["token"], {"actorId": call.user}
        )
    return call.ok([])


async def list_participants(call: Call):
    """GET /room/{token}/participants."""
    room = _room(call)
    _require_participant(call, room)
    rows = call.database.all("SELECT * FROM attendees WHERE room_id = ? ORDER BY id", room["id"])
    result = []
    for row in rows:
        sessions = call.database.all(
            "SELECT session_id, in_call FROM sessions WHERE attendee_id = ?", row["id"]
        )
        result.append(
            {
                "attendeeId": row["id"],
                "actorType": row["actor_type"],
                "actorId": row["actor_id"],
                "displayName": row["actor_id"] if row["actor_type"] == "users" else "",
                "participantType": row["participant_type"],
                "sessionIds": [s["session_id"] for s in sessions],
                "inCall": max([s["in_call"] for s in sessions], default=0),
            }
        )
    return call.ok(result)


def _target_attendee(call: Call, room):
    attendee_id = to_int(call.params.get("attendeeId"))
    target = call.database.one(
        "SELECT * FROM attendees WHERE id = ? AND room_id = ?", attendee_id, room["id"]
    )
    if target is None:
        raise OcsError(404)
    return target


async def promote(call: Call):
    """POST /room/{token}/moderators: users become moderators (2), guests guest moderators (6)."""
    return _set_role(call, user_type=rooms.MODERATOR, guest_type=rooms.GUEST_MODERATOR)


async def demote(call: Call):
    """DELETE /room/{token}/moderators: back to user (3) or guest (4)."""
    return _set_role(call, user_type=rooms.USER, guest_type=rooms.GUEST)


def _set_role(call: Call, user_type: int, guest_type: int):
    room = _room(call)
    _require_moderator(call, room)
    target = _target_attendee(call, room)
    if target["participant_type"] == rooms.OWNER:
        return call.reason("participant")
    new_type = guest_type if target["actor_type"] == "guests" else user_type
    with call.database.transaction() as tx:
        tx.execute("UPDATE attendees SET participant_type = ? WHERE id = ?", (new_type, target["id"]))
        if target["actor_type"] == "users" and new_type != target["participant_type"]:
            # Talk posts the change of role (seen in real Talk 22 and 23 as the room's lastMessage).
            kind = "moderator_promoted" if new_type == rooms.MODERATOR else "moderator_demoted"
            user = chat.actor_parameter(("users", target["actor_id"]))
            chat.post_system_message(tx, room["id"], kind, ("users", call.user), {"user": user})
    return call.ok([])


async def make_public(call: Call):
    """POST /room/{token}/public."""
    return await _set_type(call, rooms.PUBLIC)


async def make_private(call: Call):
    """DELETE /room/{token}/public."""
    return await _set_type(call, rooms.GROUP)


async def _set_type(call: Call, room_type: int):
    room = _room(call)
    _require_moderator(call, room)
    call.database.run("UPDATE rooms SET type = ? WHERE id = ?", room_type, room["id"])
    return call.ok([])


async def set_lobby(call: Call):
    """PUT /room/{token}/webinar/lobby (no effect on the recording endpoints)."""
    room = _room(call)
    _require_moderator(call, room)
    lobby = to_int(call.params.get("state"))
    if lobby not in (0, 1):
        return call.reason("state")
    call.database.run("UPDATE rooms SET lobby_state = ? WHERE id = ?", lobby, room["id"])
    return call.ok(_room_object(call, rooms.room_by_token(call.database, room["token"])))


async def set_recording_consent(call: Call):
    """PUT /room/{token}/recording-consent: 0 or 1; not enabled while a call runs."""
    room = _room(call)
    _require_moderator(call, room)
    value = call.params.get("recordingConsent")
    consent = None if value is None or isinstance(value, list | dict) else to_int(value)
    if consent not in (0, 1):
        return call.reason("value")
    if consent == 1 and room["active_since"] is not None:
        return call.reason("call")
    call.database.run("UPDATE rooms SET recording_consent = ? WHERE id = ?", consent, room["id"])
    return call.ok(_room_object(call, rooms.room_by_token(call.database, room["token"])))


async def join_room(call: Call):
    """POST /room/{token}/participants/active: open a room session, kept in the session cookie."""
    room = _room(call)
    database = call.database
    if call.user:
        attendee = rooms.attendee_for_user(database, room["id"], call.user)
        if attendee is None:
            if room["type"] != rooms.PUBLIC:
                raise OcsError(404)
            database.run(
                "INSERT INTO attendees (room_id, actor_type, actor_id, participant_type)"
                " VALUES (?, 'users', ?, ?)",
                room["id"],
                call.user,
                rooms.USER_SELF_JOINED,
            )
            attendee = rooms.attendee_for_user(database, room["id"], call.user)
        attendee_id = attendee["id"]
    else:
        if room["type"] != rooms.PUBLIC:
            raise OcsError(404)
        existing = rooms.session_for_browser(database, room["id"], call.browser_session)
        if existing is not None:
            attendee_id = existing["attendee_id"]
        else:
            cursor = database.run(
                "INSERT INTO attendees (room_id, actor_type, actor_id, participant_type)"
                " VALUES (?, 'guests', ?, ?)",
                room["id"],
                secrets.token_hex(20),
                rooms.GUEST,
            )
            attendee_id = cursor.lastrowid
    browser = call.browser_session
    if browser is None:
        browser = secrets.token_hex(24)
        call.set_cookie = browser
    session_id = secrets.token_urlsafe(96)[:255]
    previous = rooms.session_for_browser(database, room["id"], browser)
    if previous is not None and previous["in_call"]:
        # The replaced session leaves the call first; if it was the last one, the call ends.
        await rooms.leave_call(
            call.state, rooms.room_by_token(database, room["token"]), previous["session_id"]
        )
    database.run("DELETE FROM sessions WHERE room_id = ? AND browser_session = ?", room["id"], browser)
    database.run(
        "INSERT INTO sessions (session_id, room_id, attendee_id, browser_session) VALUES (?, ?, ?, ?)",
        session_id,
        room["id"],
        attendee_id,
        browser,
    )
    attendee = database.one("SELECT * FROM attendees WHERE id = ?", attendee_id)
    session = database.one("SELECT * FROM sessions WHERE session_id = ?", session_id)
    return call.ok(_room_object(call, room, attendee, session))


async def leave_room(call: Call):
    """DELETE /room/{token}/participants/active: close the room session (guests leave entirely)."""
    room = _room(call)
    session = rooms.session_for_browser(call.database, room["id"], call.browser_session)
    if session is not None:
        if session["in_call"]:
            await rooms.leave_call(call.state, room, session["session_id"])
        call.database.run("DELETE FROM sessions WHERE session_id = ?", session["session_id"])
        if session["actor_type"] == "guests":
            call.database.run("DELETE FROM attendees WHERE id = ?", session["attendee_id"])
    return call.ok([])


def _consent_required(call: Call, room) -> bool:
    setting = talk_config.recording_consent_setting(call.database)
    return setting == 1 or (setting == 2 and room["recording_consent"] == 1)


async def join_call(call: Call):
    """POST /call/{token}: needs a room session (cookie); starts the call if none is active."""
    room = _room(call)
    session = rooms.session_for_browser(call.database, room["id"], call.browser_session)
    if session is None:
        raise OcsError(404)
    if room["lobby_state"] == 1 and not rooms.is_moderator(
        session["participant_type"], allow_guest_moderator=True
    ):
        raise OcsError(412)  # LobbyException
    if _consent_required(call, room) and not _truthy(call.params.get("recordingConsent", False)):
        return call.reason("consent")
    flags = to_int(call.params.get("flags", 7)) if call.params.get("flags") is not None else 7
    flags = (flags & 15) | 1
    actor = (session["actor_type"], session["actor_id"])
    with call.database.transaction() as tx:
        tx.execute("UPDATE sessions SET in_call = ? WHERE session_id = ?", (flags, session["session_id"]))
        started = tx.execute(
            "UPDATE rooms SET active_since = ? WHERE id = ? AND active_since IS NULL",
            (rooms.now(), room["id"]),
        ).rowcount
        message = "call_started" if started else ("call_joined" if not session["in_call"] else None)
        if message:
            chat.post_system_message(tx, room["id"], message, actor)
    if message:  # Talk 22 refreshes the chat before it announces the new call flags
        signaling_notifier.chat_refreshed(call.database, room["token"])
    signaling_notifier.in_call_changed(call.database, room["token"], session["session_id"], flags)
    return call.ok([])


async def leave_call(call: Call):
    """DELETE /call/{token}: leave; ``all=true`` as moderator ends the call for everyone."""
    room = _room(call)
    session = rooms.session_for_browser(call.database, room["id"], call.browser_session)
    if session is None:
        raise OcsError(404)
    if _truthy(call.params.get("all", False)):
        if not rooms.is_moderator(session["participant_type"], allow_guest_moderator=True):
            raise OcsError(403)
        if room["active_since"] is not None:
            actor = (session["actor_type"], session["actor_id"])
            signaling_notifier.call_ended_for_everyone(call.database, room["token"])
            await rooms.end_call(call.state, room, actor, "call_ended_everyone")
        return call.ok([])
    await rooms.leave_call(call.state, room, session["session_id"])
    return call.ok([])


async def list_chat(call: Call):
    """GET v1 /chat/{token}: messages incl. the recording system messages."""
    room = _room(call)
    _require_participant(call, room)
    limit = min(max(to_int(call.params.get("limit", 100)), 1), 200)
    future = to_int(call.params.get("lookIntoFuture", 0)) == 1
    last_known = max(to_int(call.params.get("lastKnownMessageId", 0)), 0)
    messages = chat.list_messages(
        call.database, room["id"], room["token"], limit, future, last_known, call.state.absolute_url()
    )
    return call.ok(messages)
