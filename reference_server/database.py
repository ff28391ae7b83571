"""The SQLite store: users, app config, rooms, sessions, chat, notifications, files, brute-force attempts."""

import contextlib
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, password TEXT NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS app_config (
    app TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (app, key));
CREATE TABLE IF NOT EXISTS rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL UNIQUE, type INTEGER NOT NULL,
    name TEXT NOT NULL, call_recording INTEGER NOT NULL DEFAULT 0, active_since INTEGER,
    lobby_state INTEGER NOT NULL DEFAULT 0, recording_consent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS attendees (
    id INTEGER PRIMARY KEY AUTOINCREMENT, room_id INTEGER NOT NULL, actor_type TEXT NOT NULL,
    actor_id TEXT NOT NULL, participant_type INTEGER NOT NULL, UNIQUE (room_id, actor_type, actor_id));
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, room_id INTEGER NOT NULL, attendee_id INTEGER NOT NULL,
    browser_session TEXT NOT NULL, in_call INTEGER NOT NULL DEFAULT 0, UNIQUE (room_id, browser_session));
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, room_id INTEGER NOT NULL, actor_type TEXT NOT NULL,
    actor_id TEXT NOT NULL, message TEXT NOT NULL, system_message TEXT NOT NULL DEFAULT '',
    message_type TEXT NOT NULL, parameters TEXT NOT NULL DEFAULT '{}', timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, object_type TEXT NOT NULL,
    object_id TEXT NOT NULL, subject TEXT NOT NULL, parameters TEXT NOT NULL DEFAULT '{}',
    created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, path TEXT NOT NULL, mimetype TEXT NOT NULL,
    size INTEGER NOT NULL, mtime INTEGER NOT NULL, UNIQUE (owner, path));
CREATE TABLE IF NOT EXISTS bruteforce_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ip TEXT NOT NULL, action TEXT NOT NULL, occurred REAL NOT NULL);
CREATE INDEX IF NOT EXISTS bruteforce_by_ip ON bruteforce_attempts (ip, action, occurred);
-- Per-room and per-user reads must not scan every row ever written (bench/scale.py keeps them flat).
CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room_id, id);
CREATE INDEX IF NOT EXISTS sessions_by_attendee ON sessions (attendee_id);
CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (user_id, id);
"""


class Database:
    """One SQLite connection, used from the event loop thread only (so statements never interleave)."""

    def __init__(self, path: Path):
        self.path = path
        # isolation_level=None: autocommit, transactions are explicit (see transaction()).
        self.connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    @contextlib.contextmanager
    def transaction(self):
        """One atomic unit of work (BEGIN IMMEDIATE … COMMIT, rolled back on error)."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def one(self, sql: str, *args) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        return self.connection.execute(sql, args).fetchone()

    def all(self, sql: str, *args) -> list[sqlite3.Row]:
        """Every row of a query."""
        return self.connection.execute(sql, args).fetchall()

    def run(self, sql: str, *args) -> sqlite3.Cursor:
        """Execute one statement (autocommitted unless inside transaction())."""
        return self.connection.execute(sql, args)
