"""Helpers for the reference server tests: a fake recording server, the server process, a Talk client."""

import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import requests
import yaml

from conformance.target._signaling_stand_in import SignalingStandIn

SECRET = "the recording secret"
SIGNALING_SECRET = "hpb"  # noqa: S105 - a test value
OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
RECORDING = "ocs/v2.php/apps/spreed/api/v1/recording"
TALK = "ocs/v2.php/apps/spreed/api/v4"
APP_CONFIG = "ocs/v2.php/apps/provisioning_api/api/v1/config/apps/spreed"
UPLOAD_LIMIT = 64 * 1024 * 1024

# Minimal but well-formed headers of each container (what libmagic needs to recognise them).
WEBM = (
    bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d4287810442858102") + b"\x00" * 256
)
MKV = bytes.fromhex("1a45dfa39b4286810142f7810142f2810442f38108428288") + b"matroska" + b"\x00" * 256
OGG_AUDIO = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis" + b"\x00" * 256
OGG_VIDEO = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x2a\x80theora" + b"\x00" * 256
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 256


_stand_in: list[SignalingStandIn] = []


def signaling_servers() -> dict:
    """The signaling_servers app config naming this process's signaling stand-in (started on first use)."""
    if not _stand_in:
        stand_in = SignalingStandIn(SIGNALING_SECRET)
        stand_in.start()  # a daemon thread: it ends with the test process
        _stand_in.append(stand_in)
    return {"servers": [{"server": _stand_in[0].url}], "secret": SIGNALING_SECRET}


def signaling_stand_in() -> SignalingStandIn:
    """This process's signaling stand-in, to read what the reference server sent it."""
    signaling_servers()
    return _stand_in[0]


@dataclass
class RecordedRequest:
    """One request the fake recording server received."""

    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class FakeRecordingServer:
    """Answers start/stop with a configurable status and records every request."""

    url: str = ""
    status: int = 200
    welcome: bytes = b'{"version":"0.1-fake"}'
    requests: list = field(default_factory=list)

    def bodies(self) -> list[dict]:
        return [json.loads(r.body) for r in self.requests if r.method == "POST"]


def handler_for(fake: FakeRecordingServer):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 (http.server naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fake.requests.append(RecordedRequest("POST", self.path, dict(self.headers), body))
            self._answer(fake.status, b"{}")

        def do_GET(self):  # noqa: N802
            fake.requests.append(RecordedRequest("GET", self.path, dict(self.headers), b""))
            self._answer(200, fake.welcome)

        def log_message(self, *args):
            pass

    return Handler


class RunningServer:
    """A reference server child process."""

    def __init__(self, data_dir: Path, config: dict | None = None, extra_args=(), env=None):
        self.data_dir = data_dir
        self.config_path = data_dir.parent / f"{data_dir.name}.yaml"
        self.config_path.write_text(yaml.safe_dump(config or {}), encoding="utf-8")
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self.process = None
        self.url = ""
        self.extra_args = list(extra_args)
        self.env = env

    def start(self) -> "RunningServer":
        command = [
            sys.executable,
            "-m",
            "reference_server",
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir),
            "--config",
            str(self.config_path),
            *self.extra_args,
        ]
        self.log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        environment = {**os.environ, **self.env} if self.env else None
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self.log, text=True, env=environment
        )
        line = self.process.stdout.readline()
        assert line.startswith("talk-reference-server listening on http://127.0.0.1:"), line
        self.url = line.split()[-1]
        return self

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=15)
        self.process.stdout.close()
        self.log.close()
        return code

    @property
    def pid(self) -> int:
        return self.process.pid

    def errors_logged(self) -> str:
        text = self.log_path.read_text(encoding="utf-8")
        return "\n".join(
            line for line in text.splitlines() if "unhandled error" in line or "Traceback" in line
        )


SERVER_CONFIG = {"bruteforce": {"testing": True}, "upload_max_bytes": UPLOAD_LIMIT}


class Talk:
    """HTTP helpers against one server: user sessions, setup, signed callbacks."""

    def __init__(self, url: str):
        self.url = url
        self.sessions = {}

    def session(self, user: str | None, password: str | None = None) -> requests.Session:
        key = user or f"guest-{len(self.sessions)}"
        if key not in self.sessions or user is None:
            http = requests.Session()
            http.headers.update(OCS_HEADERS)
            if user:
                http.auth = (user, password or ("admin" if user == "admin" else "123456"))
            self.sessions[key] = http
        return self.sessions[key]

    def ocs(self, user, method, path, expected=200, **kwargs):
        response = self.session(user).request(method, self.url + path, timeout=30, **kwargs)
        assert response.status_code == expected, response.text
        return response.json()["ocs"]["data"]

    def set_config(self, key: str, value: str):
        self.ocs("admin", "POST", f"{APP_CONFIG}/{key}", data={"value": value})

    def delete_config(self, key: str):
        self.ocs("admin", "DELETE", f"{APP_CONFIG}/{key}")

    def configure_recording(self, recording_url: str, secret: str = SECRET):
        self.set_config(
            "recording_servers", json.dumps({"servers": [{"server": recording_url}], "secret": secret})
        )
        self.set_config("signaling_servers", json.dumps(signaling_servers()))

    def room(self, owner="participant1", participants=("participant2",), room_type=2) -> str:
        token = self.ocs(
            owner, "POST", f"{TALK}/room", expected=201, data={"roomType": room_type, "roomName": "Room"}
        )["token"]
        for user in participants:
            self.ocs(owner, "POST", f"{TALK}/room/{token}/participants", data={"newParticipant": user})
        return token

    def join_call(self, token: str, user="participant1"):
        self.ocs(user, "POST", f"{TALK}/room/{token}/participants/active")
        self.ocs(user, "POST", f"{TALK}/call/{token}", data={"flags": 7})

    def room_state(self, token: str, user="participant1") -> int:
        return self.ocs(user, "GET", f"{TALK}/room/{token}")["callRecording"]

    def chat(self, token: str, user="participant1") -> list[dict]:
        """The room's chat, oldest first."""
        return list(reversed(self.ocs(user, "GET", f"ocs/v2.php/apps/spreed/api/v1/chat/{token}")))

    def system_messages(self, token: str, user="participant1") -> list[str]:
        """Every system message of the room, oldest first."""
        return [m["systemMessage"] for m in self.chat(token, user) if m["systemMessage"]]

    def recording_messages(self, token: str, user="participant1") -> list[str]:
        """The recording system messages, oldest first (without the conversation and call messages)."""
        return [name for name in self.system_messages(token, user) if "recording" in name]

    def start(self, token: str, status=1, user="participant1", **kwargs):
        return self.session(user).post(f"{self.url}{RECORDING}/{token}", data={"status": status}, **kwargs)

    def stop(self, token: str, user="participant1"):
        return self.session(user).delete(f"{self.url}{RECORDING}/{token}")

    def backend(self, body: bytes | dict, secret: str = SECRET, random: str | None = None, **headers):
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        random = random or secrets.token_urlsafe(64)
        signed = {
            "Talk-Recording-Random": random,
            "Talk-Recording-Checksum": sign(secret, random, raw),
            "OCS-ApiRequest": "true",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        signed.update(headers)
        return requests.post(f"{self.url}{RECORDING}/backend", data=raw, headers=signed, timeout=30)

    def callback(self, kind: str, token: str, **fields):
        payload = {"token": token, **fields}
        return self.backend({"type": kind, kind: payload})

    def store(
        self,
        token: str,
        content: bytes,
        filename="Recording 2026-01-01 10-00-00.webm",
        owner: str | None = "participant1",
        secret: str = SECRET,
        fields=(),
        **kwargs,
    ):
        random = secrets.token_urlsafe(64)
        headers = {
            "Talk-Recording-Random": random,
            "Talk-Recording-Checksum": sign(secret, random, token.encode()),
            "OCS-ApiRequest": "true",
            "Accept": "application/json",
        }
        files = list(fields)
        if owner is not None:
            files.append(("owner", (None, owner)))
        if content is not None:
            files.append(("file", (filename, content)))
        return requests.post(
            f"{self.url}{RECORDING}/{token}/store", headers=headers, files=files, timeout=120, **kwargs
        )

    def notifications(self, token: str, user="participant1"):
        """The user's notifications about one room, newest first."""
        every = self.ocs(user, "GET", "ocs/v2.php/apps/notifications/api/v2/notifications")
        return [n for n in every if n["object_id"] == token]


def sign(secret: str, random: str, data: bytes) -> str:
    """What the real recording server computes (independent of reference_server.signature)."""
    return hmac.new(secret.encode(), random.encode() + data, hashlib.sha256).hexdigest()


def ocs_error(response) -> object:
    """``ocs.data`` of a JSON answer."""
    return response.json()["ocs"]["data"]
