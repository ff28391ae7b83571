"""Leaving a live target as the run found it: the recordings the run stored and Talk's app-config entries.

Rooms go with each scenario (steps/world.py). Two things outlive a room on a real Nextcloud:
- a stored recording, in its owner's `Talk/Recording/<token>/` folder: deleted over WebDAV as the owner;
- the app-config entry `spreed` / `recording/<token>` Talk writes at each start and removes only when a
  recording is stored: deleted as the admin through the provisioning API where the target allows it.
Whatever the run cannot remove is listed as "left on the target".

Each process notes what its scenarios did in a ledger in the run directory; the process that owns the run
cleans up at its end, xdist workers included.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from conformance import progress_lines
from conformance.outcomes import SetupError
from conformance.target import _setup_driver as setup_driver
from conformance.target._profile import Account, TargetProfile
from conformance.target._setup_driver import TalkSession

LEDGER_PREFIX = "target-traces-"
RECORDING_FOLDER = "Talk/Recording"  # below the owner's attachment folder, Talk's default "/Talk"
WEBDAV_FILES = "/remote.php/dav/files"
MARKER_PREFIX = "recording/"
SHOWN_TOKENS = 5
SLOW_REQUEST_SECONDS = 0.2  # a slow target's round trip: enough requests of it make a wait worth announcing
# Delete answers that mean "gone": WebDAV's 204 (or 200), and 404 for a folder that was never there.
GONE = (200, 204, 404)
# Folders deleted over this many connections at once: the round trips overlap (a slow target's most of all),
# and each folder still gets its own DELETE. One at a time where the profile says so (a SQLite-backed target).
PARALLEL_DELETES = 4


def note_target_trace(run_dir: Path, kind: str, token: str, user: str) -> None:
    """Note that a scenario stored a recording (`stored`, user = owner) or started one (`started`)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / f"{LEDGER_PREFIX}{os.getpid()}.jsonl", "a", encoding="utf-8") as ledger:
        ledger.write(json.dumps({"kind": kind, "token": token, "user": user}) + "\n")


@dataclass
class Traces:
    """What the run's scenarios did that outlives their rooms."""

    stored: set[tuple[str, str]] = field(default_factory=set)  # (owner, token)
    started: set[tuple[str, str]] = field(default_factory=set)  # (the user who started, token)


def read_target_traces(run_dir: Path) -> Traces:
    """Every process's notes."""
    traces = Traces()
    for path in sorted(run_dir.glob(LEDGER_PREFIX + "*.jsonl")) if run_dir.is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            kept = traces.stored if entry["kind"] == "stored" else traces.started
            kept.add((entry["user"], entry["token"]))
    return traces


def clean_target(profile: TargetProfile, base_url: str, traces: Traces) -> list[str]:
    """Remove what the run left; return what is still there, one line per kind ([] when nothing)."""
    folders = set(traces.stored)
    if profile.recording_server:
        folders |= traces.started  # a real recording server stores as the user who started
    requests_needed = len(folders) + len(traces.started) + 1
    if requests_needed * SLOW_REQUEST_SECONDS > progress_lines.LONG_WAIT_SECONDS:
        progress_lines.say(
            f"removing {len(folders)} recording folder(s) and up to {len(traces.started)} app-config entries"
            f" the run left on the target: {requests_needed} requests, each within the request timeout"
            f" ({progress_lines.duration(profile.request_timeout)})"
        )
    accounts = {account.user_id: account for account in (profile.admin, *profile.users) if account}
    left = _delete_recordings(profile, base_url, folders, accounts)
    markers = {f"{MARKER_PREFIX}{token}" for _, token in traces.started}
    left += _delete_markers(profile, base_url, markers)
    return left


def _session(profile: TargetProfile, base_url: str, account: Account) -> TalkSession:
    return TalkSession(base_url, account, profile.request_timeout, profile.tls_verify)


def _delete_recordings(
    profile: TargetProfile, base_url: str, folders: set[tuple[str, str]], accounts: dict[str, Account]
) -> list[str]:
    owners = sorted({owner for owner, _ in folders})
    width = PARALLEL_DELETES if profile.background_setup else 1
    lanes = [
        (owner, tokens[lane::width])
        for owner in owners
        if owner in accounts
        for tokens in [sorted(token for who, token in folders if who == owner)]
        for lane in range(min(width, len(tokens)))
    ]
    problems: dict[tuple[str, str], str | None] = {}
    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="recording-folders") as pool:
        for answers in pool.map(lambda lane: _delete_folders(profile, base_url, accounts, *lane), lanes):
            problems.update(answers)
    failed: list[str] = []
    for owner in owners:
        for token in sorted(token for who, token in folders if who == owner):
            if owner not in accounts:
                failed.append(f"{owner}/{RECORDING_FOLDER}/{token} (not a profile account)")
            elif problems[owner, token]:
                failed.append(f"{owner}/{RECORDING_FOLDER}/{token} ({problems[owner, token]})")
    if not failed:
        return []
    return [f"{len(failed)} recording folder(s): " + _listed(failed)]


def _delete_folders(
    profile: TargetProfile, base_url: str, accounts: dict[str, Account], owner: str, tokens: list[str]
) -> dict[tuple[str, str], str | None]:
    """One lane of deletes on its own connection: each token's problem, None when its folder is gone."""
    session = _session(profile, base_url, accounts[owner])
    try:
        return {
            (owner, token): _delete(
                session, f"{WEBDAV_FILES}/{quote(owner)}/{RECORDING_FOLDER}/{quote(token)}", GONE
            )
            for token in tokens
        }
    finally:
        session.close()


def _delete_markers(profile: TargetProfile, base_url: str, markers: set[str]) -> list[str]:
    if not markers:
        return []
    what = f"app-config entries spreed / recording/<token> of {len(markers)} room(s) that started a recording"
    if profile.admin is None:
        return [f"up to {len(markers)} {what[len('app-config entries ') :]}: no admin account to remove them"]
    admin = _session(profile, base_url, profile.admin)
    try:
        present = sorted(markers & set(_spreed_keys(admin)))
        refused: list[str] = []
        for index, key in enumerate(present):
            # The key holds a slash: sent encoded, as the route takes one path segment.
            path = f"{setup_driver.APP_CONFIG}/{quote(key, safe='')}"
            problem = _delete(admin, path, GONE[:2])
            if problem == "HTTP 404":
                # The route takes no such key on this target: the others would be refused alike.
                refused += [f"{other} (HTTP 404)" for other in present[index:]]
                break
            if problem:
                refused.append(f"{key} ({problem})")
    except SetupError as error:
        return [f"{what}: not checked ({error})"]
    finally:
        admin.close()
    if not refused:
        return []
    return [
        f"{len(refused)} app-config entries spreed / recording/<token>: "
        + _listed(refused)
        + "; remove them with `occ config:app:delete spreed recording/<token>`"
    ]


def _spreed_keys(admin: TalkSession) -> list[str]:
    data = admin.ocs("GET", setup_driver.APP_CONFIG)
    keys = data.get("data", []) if isinstance(data, dict) else []
    return [key for key in keys if isinstance(key, str)]


def _delete(session: TalkSession, path: str, gone: tuple[int, ...]) -> str | None:
    """Why a DELETE did not remove its target; None when it is gone."""
    try:
        status = session.request("DELETE", path).status_code
    except SetupError as error:
        return str(error)
    return None if status in gone else f"HTTP {status}"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN_TOKENS])
    return shown + (f", and {len(items) - SHOWN_TOKENS} more" if len(items) > SHOWN_TOKENS else "")
