"""Talk → recording server: signed start/stop requests and the welcome check (talk-behaviour §4.4, §1.7)."""

import json
import logging
import os

import httpx

from reference_server import outgoing_http
from reference_server.php_values import json_encode
from reference_server.signature import checksum, new_random

# A hanging recording server must not hang start/stop forever: every phase of every attempt is bounded.
DEFAULT_TIMEOUT_SECONDS = 10.0
TIMEOUT_ENVIRONMENT = "TALK_REFERENCE_RECORDING_TIMEOUT"
ATTEMPTS = 3
log = logging.getLogger("reference_server.recording_server")


class RecordingServerError(Exception):
    """The recording server could not be reached or refused the request."""


class RecordingNotFound(RecordingServerError):
    """The recording server answered 404 to a stop: it knows no such recording."""


class WelcomeError(Exception):
    """The welcome check failed; ``code`` is what Talk reports (e.g. CAN_NOT_CONNECT)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def timeout() -> httpx.Timeout:
    """Connect/read/write timeout per attempt: 10 s, or TALK_REFERENCE_RECORDING_TIMEOUT seconds."""
    try:
        seconds = float(os.environ.get(TIMEOUT_ENVIRONMENT, DEFAULT_TIMEOUT_SECONDS))
    except ValueError:
        seconds = DEFAULT_TIMEOUT_SECONDS
    return httpx.Timeout(seconds if seconds > 0 else DEFAULT_TIMEOUT_SECONDS)


def http_base(server: str) -> str:
    """``ws(s)://`` becomes ``http(s)://``; trailing slashes are dropped."""
    server = server.rstrip("/")
    if server.startswith("ws://"):
        return "http://" + server[5:]
    if server.startswith("wss://"):
        return "https://" + server[6:]
    return server


def start_body(status: int, owner: str, actor_type: str, actor_id: str) -> bytes:
    """The exact start message bytes."""
    message = {
        "type": "start",
        "start": {"status": status, "owner": owner, "actor": {"type": actor_type, "id": actor_id}},
    }
    return json_encode(message).encode()


def stop_body(actor: tuple[str, str] | None) -> bytes:
    """The exact stop message bytes; without actor ``stop`` is an empty PHP array, i.e. ``[]``."""
    payload = {"actor": {"type": actor[0], "id": actor[1]}} if actor else []
    return json_encode({"type": "stop", "stop": payload}).encode()


async def send(server: dict, secret: str, backend_url: str, token: str, body: bytes) -> None:
    """POST a signed message to ``<server>/api/v1/room/<token>``; 3 attempts on connect errors / 5xx."""
    url = f"{http_base(str(server.get('server', '')))}/api/v1/room/{token}"
    random = new_random()
    headers = {
        "Content-Type": "application/json",
        "OCS-APIRequest": "true",
        "Talk-Recording-Random": random,
        "Talk-Recording-Checksum": checksum(secret, random, body),
        "Talk-Recording-Backend": backend_url,
    }
    last_problem = "no attempt made"
    client = outgoing_http.client(bool(server.get("verify")))
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = await client.post(url, content=body, headers=headers, timeout=timeout())
        except httpx.HTTPError as exc:
            last_problem = f"{type(exc).__name__}"
            log.warning("recording server %s attempt %d failed: %s", url, attempt, last_problem)
            continue
        except ValueError as exc:  # e.g. an unparsable server URL in the app config
            raise RecordingServerError(f"invalid recording server URL: {exc}") from None
        if response.status_code == 404:
            raise RecordingNotFound(url)
        if 400 <= response.status_code < 500:
            raise RecordingServerError(f"{url} answered {response.status_code}")
        if response.status_code >= 500:
            last_problem = f"HTTP {response.status_code}"
            log.warning("recording server %s attempt %d answered %s", url, attempt, response.status_code)
            continue
        return
    raise RecordingServerError(f"{url}: {last_problem} after {ATTEMPTS} attempts")


async def welcome(server: dict) -> dict:
    """GET ``<server>/api/v1/welcome`` and return its JSON object."""
    url = f"{http_base(str(server.get('server', '')).lower())}/api/v1/welcome"
    try:
        response = await outgoing_http.client(bool(server.get("verify"))).get(url, timeout=timeout())
    except httpx.HTTPError:
        raise WelcomeError("CAN_NOT_CONNECT") from None
    except ValueError:
        raise WelcomeError("CAN_NOT_CONNECT") from None
    if response.status_code >= 400:
        raise WelcomeError(str(response.status_code))
    if response.headers.get("x-spreed-signaling-features"):
        raise WelcomeError("IS_SIGNALING_SERVER")
    try:
        data = json.loads(response.content)
    except ValueError:
        raise WelcomeError("JSON_INVALID") from None
    if not isinstance(data, dict):
        raise WelcomeError("JSON_INVALID")
    return data
