"""Hostile input: a bounded barrage of malformed requests; no 5xx, no file outside its folder, still serving.

python -m bench.hostile_input [--depth 100000]
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.check_result import CheckResult, print_results
from bench.recording_target import MODERATOR, SECRET, RecordingTarget, recording_target
from conformance.protocol import Sample, sign, sign_store, webm_bytes
from conformance.target import API_PATH, multipart_body, started_message

TRAVERSAL_NAMES = (
    "../../../../escaped.webm",
    "..\\..\\..\\escaped-backslash.webm",
    "/tmp/absolute-escaped.webm",
    "%2e%2e%2f%2e%2e%2fencoded.webm",
    "..",
    "./../sibling.webm",
    "a/../../../b.webm",
    "nul\x00byte.webm",
    "line\r\nbreak.webm",
)


@dataclass
class Probe:
    """One hostile request and the status it got (None: the connection closed without an answer)."""

    name: str
    status: int | None


def raw_request(url: str, data: bytes, timeout: float = 10) -> int | None:
    """Send bytes as they are on a fresh connection; return the status of the answer, if any."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while len(answer) < 64 and (chunk := connection.recv(4096)):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _signed_backend(target: RecordingTarget, body: bytes, content_type: str = "application/json") -> int:
    headers = {"OCS-APIRequest": "true", "Content-Type": content_type, **sign(SECRET, body).headers()}
    return requests.post(
        f"{target.url}{API_PATH}/backend", data=body, headers=headers, timeout=60
    ).status_code


def _signed_store(target: RecordingTarget, token: str, body: bytes, content_type: str) -> int:
    headers = {
        "OCS-APIRequest": "true",
        "Content-Type": content_type,
        **sign_store(SECRET, token).headers(),
    }
    return requests.post(
        f"{target.url}{API_PATH}/{token}/store", data=body, headers=headers, timeout=60
    ).status_code


def malformed_multipart(target: RecordingTarget, token: str) -> list[Probe]:
    """Broken multipart bodies on a validly signed store request."""
    boundary = "b0undary"
    content_type = f"multipart/form-data; boundary={boundary}"
    owner_part = f'--{boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\n'.encode()
    bodies = {
        "garbage": b"\x00\xff" * 512,
        "no closing boundary": owner_part + b"x",
        "part without headers": f"--{boundary}\r\n\r\nvalue\r\n--{boundary}--\r\n".encode(),
        "huge part header": (f"--{boundary}\r\nX-Pad: " + "a" * 100_000 + "\r\n\r\nv\r\n").encode(),
        "bad disposition": f"--{boundary}\r\nContent-Disposition: ;;;==\r\n\r\nv\r\n".encode(),
        "non-utf8 owner": (
            f'--{boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\n'.encode()
            + b"\xff\xfe\xc3\x28"
            + f"\r\n--{boundary}--\r\n".encode()
        ),
        "thousands of parts": "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nv\r\n' for i in range(5000)
        ).encode()
        + f"--{boundary}--\r\n".encode(),
    }
    probes = [
        Probe(f"store: {name}", _signed_store(target, token, body, content_type))
        for name, body in bodies.items()
    ]
    probes.append(
        Probe(
            "store: boundary of 300 chars",
            _signed_store(target, token, b"x", "multipart/form-data; boundary=" + "b" * 300),
        )
    )
    return probes


def traversal_uploads(target: RecordingTarget, token: str) -> list[Probe]:
    """Signed uploads of a real WebM whose file name tries to leave the recording folder."""
    probes = []
    for name in TRAVERSAL_NAMES:
        body, content_type = multipart_body(MODERATOR.user_id, Sample(name, webm_bytes(), "video/webm"))
        probes.append(Probe(f"store: file name {name!r}", _signed_store(target, token, body, content_type)))
        # Raw bytes in the file name, which no client library would send.
    raw_name = f'--x\r\nContent-Disposition: form-data; name="owner"\r\n\r\n{MODERATOR.user_id}\r\n'.encode()
    raw_name += b'--x\r\nContent-Disposition: form-data; name="file"; filename="\xff\xfe../../x.webm"\r\n\r\n'
    raw_name += webm_bytes() + b"\r\n--x--\r\n"
    probes.append(
        Probe(
            "store: non-utf8 file name",
            _signed_store(target, token, raw_name, "multipart/form-data; boundary=x"),
        )
    )
    return probes


def hostile_bodies(target: RecordingTarget, token: str, depth: int) -> list[Probe]:
    """Signed backend callbacks that are deep, huge, non-UTF-8 or of the wrong shape."""
    bodies = {
        f"JSON nested {depth} deep": b"[" * depth + b"]" * depth,
        f"object nested {depth} deep": b'{"a":' * depth + b"1" + b"}" * depth,
        "non-utf8 JSON": b'{"type":"started","started":{"token":"\xff\xfe"}}',
        "lone surrogate": b'{"type":"\\ud800","started":{}}',
        "huge number": b'{"type":"started","started":{"token":"'
        + token.encode()
        + b'","status":1'
        + b"0" * 5000
        + b"}}",
        "NaN": b'{"type":"started","started":{"token":"' + token.encode() + b'","status":NaN}}',
        "8 MiB string": b'{"type":"' + b"x" * (8 * 1024 * 1024) + b'"}',
        "empty": b"",
        "null bytes": b"\x00" * 1024,
    }
    probes = [Probe(f"backend: {name}", _signed_backend(target, body)) for name, body in bodies.items()]
    probes.append(
        Probe(
            "backend: form body",
            _signed_backend(target, b"type=started", "application/x-www-form-urlencoded"),
        )
    )
    return probes


def replayed_signatures(target: RecordingTarget, token: str) -> list[Probe]:
    """A captured valid signature replayed over other data must be refused (403 backend, 401 store)."""
    original = json.dumps(started_message(token, 1, "users", MODERATOR.user_id)).encode()
    captured = sign(SECRET, original)
    tampered = original.replace(b'"status": 1', b'"status": 2')
    headers = {"OCS-APIRequest": "true", "Content-Type": "application/json", **captured.headers()}
    backend = requests.post(f"{target.url}{API_PATH}/backend", data=tampered, headers=headers, timeout=30)
    # The store signature covers the token only: replayed for another room it must not authenticate.
    other = target.room_in_call("hostile-other")
    store_signature = sign_store(SECRET, token)
    body, content_type = multipart_body(
        MODERATOR.user_id, Sample("Recording replay.webm", webm_bytes(), "video/webm")
    )
    store_headers = {"OCS-APIRequest": "true", "Content-Type": content_type, **store_signature.headers()}
    store = requests.post(
        f"{target.url}{API_PATH}/{other}/store", data=body, headers=store_headers, timeout=30
    )
    return [
        Probe("backend: replayed signature, other body", backend.status_code),
        Probe("store: replayed signature, other room", store.status_code),
    ]


def http_level(target: RecordingTarget) -> list[Probe]:
    """Malformed HTTP: huge headers, many headers, non-UTF-8 path and header bytes, garbage request line."""
    path = f"{API_PATH}/backend".encode()
    requests_ = {
        "64 KiB header": b"GET /ocs/v2.php/cloud/capabilities HTTP/1.1\r\nHost: x\r\nX-Big: "
        + b"a" * 65536
        + b"\r\n\r\n",
        "2000 headers": b"GET /ocs/v2.php/cloud/capabilities HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: v\r\n" % i for i in range(2000))
        + b"\r\n",
        "non-utf8 path": b"GET /ocs/v2.php/apps/spreed/api/v4/room/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        "non-utf8 header": b"POST "
        + path
        + b" HTTP/1.1\r\nHost: x\r\nOCS-APIRequest: true\r\n"
        + b"Talk-Recording-Random: \xff\xfe\xfd"
        + b"r" * 40
        + b"\r\nTalk-Recording-Checksum: \xc3\x28\r\n"
        + b"Content-Length: 2\r\n\r\n{}",
        "garbage request line": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        "Content-Length shorter than the body": b"POST "
        + path
        + b" HTTP/1.1\r\nHost: x\r\nOCS-APIRequest: true\r\nContent-Length: 1\r\n\r\n{}",
        "negative Content-Length": b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "dot-dot path": b"GET /ocs/v2.php/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        "encoded dot-dot token": b"POST "
        + API_PATH.encode()
        + b"/%2e%2e%2f%2e%2e/store HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    }
    probes = [Probe(f"http: {name}", raw_request(target.url, data)) for name, data in requests_.items()]
    return [*probes, stalled_body(target)]


def stalled_body(target: RecordingTarget) -> Probe:
    """A body that never arrives (Content-Length beyond what is sent) must not stop others being served."""
    # Half-closing after a short body leaves nothing a server could answer, so the connection stays open
    # and the probe is the answer another client gets meanwhile.
    host, port = target.url.removeprefix("http://").split(":")
    stalled = b"POST " + f"{API_PATH}/backend".encode()
    stalled += b" HTTP/1.1\r\nHost: x\r\nOCS-APIRequest: true\r\nContent-Length: 1000\r\n\r\n{}"
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(stalled)
        other = raw_request(target.url, b"GET /ocs/v2.php/cloud/capabilities HTTP/1.1\r\nHost: x\r\n\r\n")
    return Probe("http: another request while a body stalls", other)


def files_outside(data_dir: Path, token: str) -> list[Path]:
    """Every stored file that is not directly in the owner's recording folder of the room."""
    allowed = data_dir / "files" / MODERATOR.user_id / "Talk" / "Recording" / token
    return [path for path in (data_dir / "files").rglob("*") if path.is_file() and path.parent != allowed]


def group_result(name: str, probes: list[Probe]) -> CheckResult:
    """A group passes when every probe got an answer and none was a 5xx (replays: exactly 403 and 401)."""
    server_errors = [probe for probe in probes if probe.status is not None and probe.status >= 500]
    # A probe without an answer proves nothing was handled well: it fails like a 5xx.
    unanswered = [probe for probe in probes if probe.status is None]
    passed = not server_errors and not unanswered
    if name == "replayed signatures":
        passed = [probe.status for probe in probes] == [403, 401]
    answers = ", ".join(f"{probe.name} → {probe.status or 'NO ANSWER'}" for probe in probes)
    return CheckResult(name, passed, answers, {"requests": len(probes)})


def run(work_dir: Path, depth: int = 100_000) -> list[CheckResult]:
    """The whole barrage against one server; one result per kind of probe plus the global checks."""
    groups: dict[str, Callable[[RecordingTarget, str], list[Probe]]] = {
        "malformed multipart": malformed_multipart,
        "path traversal in file names": traversal_uploads,
        "hostile callback bodies": lambda target, token: hostile_bodies(target, token, depth),
        "replayed signatures": replayed_signatures,
        "malformed HTTP": lambda target, _token: http_level(target),
    }
    results = []
    with recording_target(work_dir) as target:
        token = target.room_in_call("hostile")
        for name, probe_group in groups.items():
            target.reset_brute_force()  # refused signatures count; the next group starts unthrottled
            results.append(group_result(name, probe_group(target, token)))
        outside = files_outside(target.server.data_dir, token)
        results.append(
            CheckResult("no file outside its folder", not outside, f"outside: {[str(p) for p in outside]}")
        )
        alive = target.server.alive()
        results.append(
            CheckResult(
                "server still answering", alive, "capabilities answered 200" if alive else "no answer"
            )
        )
        errors = target.server.unhandled_errors()
        results.append(CheckResult("no unhandled errors", not errors, f"{len(errors)} line(s): {errors[:2]}"))
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--depth", type=int, default=100_000, help="nesting depth of the deep JSON (default 100000)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as work_dir:
        return print_results(run(Path(work_dir), args.depth))


if __name__ == "__main__":
    raise SystemExit(main())
