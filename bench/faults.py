"""Faults: kill -9 mid-upload or mid-transition, a hanging or refusing recording server, a full disk.

python -m bench.faults [--upload-mib 64] [--recording-timeout 1]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from bench.check_result import CheckResult, print_results
from bench.recording_target import ADMIN, MODERATOR, SECRET, TIMEOUT, RecordingTarget, recording_target
from bench.reference_process import ReferenceProcess, ServerStartError, default_config
from bench.streamed_upload import StreamedStoreBody, store_streamed
from conformance.outcomes import SetupError
from conformance.protocol import video_webm
from conformance.target import RECORDING, TalkSession, set_app_config

MIB = 1024 * 1024
VALID_STATES = frozenset(range(6))
RECORDING_FOLDER = "Talk/Recording"


# --- inspection of a data dir ----------------------------------------------------------------------


def integrity(data_dir: Path) -> str:
    """SQLite's own verdict on the database file ("ok" when sound)."""
    connection = sqlite3.connect(data_dir / "talk.sqlite3")
    try:
        return ";".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def wait_for_state(data_dir: Path, token: str, state: int, timeout: float) -> bool:
    """Poll the database file (read-only) until the room has the recording state; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = sqlite3.connect(f"file:{data_dir / 'talk.sqlite3'}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT call_recording FROM rooms WHERE token = ?", (token,)).fetchone()
        finally:
            connection.close()
        if row is not None and row[0] == state:
            return True
        time.sleep(0.02)
    return False


def visible_files(data_dir: Path, token: str) -> list[Path]:
    """Recordings published in the owner's folder for a room."""
    folder = data_dir / "files" / MODERATOR.user_id / RECORDING_FOLDER / token
    return sorted(path for path in folder.glob("*") if path.is_file()) if folder.exists() else []


def spool_files(data_dir: Path) -> list[Path]:
    """Half-received uploads waiting in the spool."""
    return sorted((data_dir / "uploads").glob("*"))


def restarted_sound(target: RecordingTarget, token: str) -> tuple[bool, str]:
    """After a restart: database intact, room readable, its state a valid one."""
    verdict = integrity(target.server.data_dir)
    try:
        state = target.recording_state(token)
    except Exception as error:  # noqa: BLE001 - any failure to read the room is the finding
        return False, f"integrity {verdict}; room unreadable: {error}"
    return verdict == "ok" and state in VALID_STATES, f"integrity {verdict}; state {state}"


# --- helpers: recording servers that misbehave -------------------------------------------------------


@contextlib.contextmanager
def hanging_server() -> Iterator[str]:
    """A loopback port that accepts connections (kernel backlog) but never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def refusing_url() -> str:
    """A loopback port nobody listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def point_recording_at(target: RecordingTarget, url: str) -> None:
    """Make the server talk to another recording server (same secret)."""
    admin = TalkSession(target.url, ADMIN, TIMEOUT)
    try:
        value = {"servers": [{"server": url, "verify": False}], "secret": SECRET}
        set_app_config(admin, "recording_servers", json.dumps(value))
    finally:
        admin.close()


def start_request(target: RecordingTarget, token: str, timeout: float = 120) -> requests.Response:
    """The moderator's start (video) request."""
    return target.moderator.request("POST", f"{RECORDING}/{token}", data={"status": 1}, timeout=timeout)


# --- the checks ----------------------------------------------------------------------------------------


def kill_during_upload(target: RecordingTarget, upload_bytes: int) -> CheckResult:
    """SIGKILL while the file part streams in; after a restart nothing half-written is visible."""
    token = target.room_in_call("fault-upload")
    halfway, killed = threading.Event(), threading.Event()

    def hold_halfway(sent: int) -> None:
        # The client stops sending after 4 MiB and waits for the kill: the upload is surely incomplete.
        if sent > 4 * MIB:
            halfway.set()
            killed.wait(timeout=60)

    body = StreamedStoreBody(MODERATOR.user_id, upload_bytes, on_chunk=hold_halfway)
    outcome: list[object] = []

    def upload() -> None:
        try:
            outcome.append(store_streamed(target.url, SECRET, token, body).status_code)
        except requests.RequestException as error:
            outcome.append(type(error).__name__)

    uploader = threading.Thread(target=upload)
    uploader.start()
    spooled_before_kill = 0
    halfway.wait(timeout=60)
    deadline = time.monotonic() + 10
    # The client has sent 3 MiB before it holds; wait until most of it reached the spool file.
    while spooled_before_kill < 2 * MIB and time.monotonic() < deadline:
        time.sleep(0.02)
        spooled_before_kill = sum(path.stat().st_size for path in spool_files(target.server.data_dir))
    target.server.kill()
    killed.set()
    uploader.join(timeout=60)
    leftover_spool = len(spool_files(target.server.data_dir))
    target.restart()
    sound, state_detail = restarted_sound(target, token)
    visible = visible_files(target.server.data_dir, token)
    spool_after = spool_files(target.server.data_dir)
    passed = sound and not visible and not spool_after and spooled_before_kill > 0 and target.server.alive()
    detail = (
        f"killed with {spooled_before_kill} bytes spooled"
        f" (client saw {outcome[0] if outcome else 'nothing'});"
        f" {leftover_spool} spool file(s) left by the crash, {len(spool_after)} after restart;"
        f" {len(visible)} visible recording(s); {state_detail}"
    )
    return CheckResult("kill -9 during upload", passed, detail, {"spooled_bytes": spooled_before_kill})


def kill_during_start(target: RecordingTarget) -> CheckResult:
    """SIGKILL while start waits for a hanging recording server; the room must stay usable after a restart."""
    token = target.room_in_call("fault-start")
    with hanging_server() as hanging:
        point_recording_at(target, hanging)
        starter = threading.Thread(target=lambda: _ignore_errors(start_request, target, token, 30))
        starter.start()
        # Kill only once the start has claimed 0 → 3 and is waiting for the recording server.
        claimed = wait_for_state(target.server.data_dir, token, 3, timeout=10)
        target.server.kill()
        starter.join(timeout=60)
    target.restart()
    sound, state_detail = restarted_sound(target, token)
    # A state left at "starting" must be recoverable through the API: stop → recording server 404 → failed.
    point_recording_at(target, target.fake.url)
    control = target.control()
    control.answer(token, "stop", 404)
    stop = target.moderator.request("DELETE", f"{RECORDING}/{token}")
    restart = start_request(target, token)
    passed = claimed and sound and stop.status_code == 200 and restart.status_code == 200
    detail = (
        f"killed {'while starting' if claimed else 'BEFORE the start claimed the room'};"
        f" after restart {state_detail}; stop answered {stop.status_code}, a new start {restart.status_code}"
        f" (state now {target.recording_state(token)})"
    )
    return CheckResult("kill -9 during start", passed, detail)


def kill_during_callbacks(target: RecordingTarget, seed: int = 7) -> CheckResult:
    """SIGKILL at a random moment of a stream of state-changing callbacks; the database stays sound."""
    token = target.room_in_call("fault-callbacks")
    client = target.callbacks()
    stop = threading.Event()
    sent = [0]

    def churn() -> None:
        # failed and stopped are accepted in any state, so every callback really writes.
        while not stop.is_set():
            with contextlib.suppress(requests.RequestException):
                (client.failed if sent[0] % 2 else client.stopped)(token)
            sent[0] += 1

    worker = threading.Thread(target=churn)
    worker.start()
    time.sleep(random.Random(seed).uniform(0.3, 0.8))
    target.server.kill()
    stop.set()
    worker.join(timeout=30)
    target.restart()
    target.reset_brute_force()
    sound, state_detail = restarted_sound(target, token)
    return CheckResult(
        "kill -9 during callbacks",
        sound,
        f"killed after {sent[0]} callbacks; {state_detail}",
        {"sent": sent[0]},
    )


def _ignore_errors(function, *args) -> None:
    with contextlib.suppress(requests.RequestException, SetupError):
        function(*args)


def recording_server_down(target: RecordingTarget, recording_timeout: float) -> list[CheckResult]:
    """A hanging and a refusing recording server: start answers 500 in bounded time, state unchanged."""
    results = []
    # Three attempts, each bounded by the timeout for connecting and again for reading; a second of slack.
    bound = 3 * 2 * recording_timeout + 1
    with hanging_server() as hanging:
        cases = (("hanging", hanging), ("refusing", refusing_url()))
        for name, url in cases:
            token = target.room_in_call(f"fault-{name}")
            point_recording_at(target, url)
            began = time.monotonic()
            response = start_request(target, token)
            elapsed = time.monotonic() - began
            state = target.recording_state(token)
            passed = response.status_code == 500 and elapsed <= bound and state == 0
            answered = f"start answered {response.status_code} after {elapsed:.2f}s"
            detail = f"{answered} (bound {bound:g}s); state {state}"
            results.append(
                CheckResult(f"recording server {name}", passed, detail, {"seconds": round(elapsed, 2)})
            )
    point_recording_at(target, target.fake.url)
    return results


# --- disk full / read-only ---------------------------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of `size` at `where` when allowed (root); yield whether it is mounted."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[bool]:
    """Make a directory read-only (a read-only bind mount, else mode 0555); yield whether it worked."""
    path.mkdir(parents=True, exist_ok=True)
    if _mount(["--bind", str(path), str(path)]):
        try:
            yield _mount(["-o", "remount,bind,ro", str(path)])
        finally:
            subprocess.run(["umount", str(path)], capture_output=True)
        return
    # Every directory, because the recording folder below may already exist and would stay writable.
    directories = [path, *(child for child in path.rglob("*") if child.is_dir())]
    modes = {directory: directory.stat().st_mode for directory in directories}
    for directory in directories:
        directory.chmod(0o555)
    try:
        yield not _writable(path)  # root with CAP_DAC_OVERRIDE ignores the mode
    finally:
        for directory, mode in modes.items():
            directory.chmod(mode)


def _mount(arguments: list[str]) -> bool:
    try:
        return subprocess.run(["mount", *arguments], capture_output=True).returncode == 0
    except OSError:  # no mount command at all
        return False


def _writable(directory: Path) -> bool:
    probe = directory / ".write-probe"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


def _store_small(target: RecordingTarget, token: str) -> requests.Response:
    return target.callbacks().store(token, MODERATOR.user_id, video_webm())


def disk_full(work_dir: Path, upload_bytes: int) -> CheckResult:
    """An upload larger than the free space: 400 invalid_file, no partial file, earlier recordings intact."""
    mount_point = work_dir / "tiny"
    with small_tmpfs(mount_point, "3m") as mounted:
        limit = None if mounted else 2 * MIB  # without root: the file size limit stands in for a full disk
        how = "a 3 MiB tmpfs" if mounted else "RLIMIT_FSIZE 2 MiB"
        config = default_config(upload_max_bytes=4 * upload_bytes)
        with recording_target(mount_point, config=config, file_size_limit=limit) as target:
            token = target.room_in_call("fault-disk-full")
            first = _store_small(target, token)
            kept_before = visible_files(target.server.data_dir, token)
            body = StreamedStoreBody(MODERATOR.user_id, upload_bytes, filename="Recording big.webm")
            try:
                answer = store_streamed(target.url, SECRET, token, body)
                status, text = answer.status_code, _error_of(answer)
            except requests.RequestException as error:
                status, text = 0, type(error).__name__
            kept_after = visible_files(target.server.data_dir, token)
            intact = bool(kept_after) and all(path.stat().st_size > 0 for path in kept_after)
            spool = spool_files(target.server.data_dir)
            alive = target.server.alive()
            errors = target.server.unhandled_errors()
            verdict = integrity(target.server.data_dir)
    passed = (
        first.status_code == 200
        and (status, text) == (400, "invalid_file")  # PHP: UPLOAD_ERR_CANT_WRITE, an upload error
        and kept_after == kept_before
        and intact
        and not spool
        and alive
        and not errors
        and verdict == "ok"
    )
    detail = (
        f"{how}: a {upload_bytes // MIB} MiB upload answered {status} {text!r};"
        f" recordings before {len(kept_before)}, after {len(kept_after)}; spool files {len(spool)};"
        f" unhandled errors {len(errors)}; integrity {verdict}"
    )
    return CheckResult("disk full during upload", passed, detail)


def read_only_files(work_dir: Path) -> CheckResult:
    """The users' files become read-only while serving: a clear 4xx, earlier recordings and state kept."""
    with recording_target(work_dir / "read-only-files") as target:
        token = target.room_in_call("fault-read-only")
        stored = _store_small(target, token)
        before = visible_files(target.server.data_dir, token)
        with read_only(target.server.data_dir / "files") as applied:
            if not applied:
                return CheckResult.skip("read-only files", "cannot make a directory read-only here")
            upload = target.callbacks().store(token, MODERATOR.user_id, video_webm())
        after = visible_files(target.server.data_dir, token)
        spool = spool_files(target.server.data_dir)
        errors = target.server.unhandled_errors()
        alive = target.server.alive()
        verdict = integrity(target.server.data_dir)
    error = _error_of(upload)
    passed = (
        stored.status_code == 200
        and upload.status_code == 400
        and error == "owner_permission"
        and before == after
        and not spool
        and alive
        and not errors
        and verdict == "ok"
    )
    detail = (
        f"an upload into read-only files answered {upload.status_code} {error!r}; recordings kept"
        f" {len(after)}/{len(before)}; spool files {len(spool)}; unhandled errors {len(errors)};"
        f" integrity {verdict}"
    )
    return CheckResult("read-only files", passed, detail)


def read_only_data_dir(work_dir: Path) -> CheckResult:
    """Starting on a read-only data dir: exit status 1 and one clear line, no traceback, nothing changed."""
    server = ReferenceProcess(work_dir / "read-only-data")
    server.start()
    server.stop()
    database = server.data_dir / "talk.sqlite3"
    before = database.read_bytes()
    with read_only(server.data_dir) as applied:
        if not applied:
            return CheckResult.skip("read-only data dir", "cannot make a directory read-only here")
        log_start = len(server.log_lines())
        try:
            server.start(timeout=30)
            started = True
        except ServerStartError:
            started = False
        status = server.process.poll() if server.process else None
        server.stop()
    said = [line for line in server.log_lines()[log_start:] if line.strip()]
    traceback = any("Traceback" in line for line in said)
    passed = not started and status == 1 and not traceback and database.read_bytes() == before
    detail = (
        f"server {'started' if started else f'exited with {status}'}; it said {said[-1:]!r};"
        f" traceback {'yes' if traceback else 'no'};"
        f" database {'unchanged' if database.read_bytes() == before else 'CHANGED'}"
    )
    return CheckResult("read-only data dir", passed, detail)


def _error_of(response: requests.Response) -> str:
    try:
        data = response.json()["ocs"]["data"]
        return data["error"] if isinstance(data, dict) else ""
    except (ValueError, KeyError, TypeError):
        return ""


def run(work_dir: Path, upload_bytes: int = 64 * MIB, recording_timeout: float = 1.0) -> list[CheckResult]:
    """Every fault check; each server gets its own directory under work_dir."""
    env = {"TALK_REFERENCE_RECORDING_TIMEOUT": str(recording_timeout)}
    config = default_config(upload_max_bytes=4 * upload_bytes)
    results = []
    with recording_target(work_dir / "crash", config=config, env=env) as target:
        results.append(kill_during_upload(target, upload_bytes))
        results.append(kill_during_start(target))
        results.append(kill_during_callbacks(target))
        results.extend(recording_server_down(target, recording_timeout))
    results.append(disk_full(work_dir, max(upload_bytes, 8 * MIB)))
    results.append(read_only_files(work_dir))
    results.append(read_only_data_dir(work_dir))
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--upload-mib", type=int, default=64, help="size of the interrupted upload (default 64)"
    )
    parser.add_argument(
        "--recording-timeout",
        type=float,
        default=1.0,
        help="server's recording-server timeout, s (default 1)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as work_dir:
        return print_results(run(Path(work_dir), args.upload_mib * MIB, args.recording_timeout))


if __name__ == "__main__":
    raise SystemExit(main())
