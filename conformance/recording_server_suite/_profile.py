"""The recording-server profile: command line > YAML file > defaults, with the main profile's key names."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.target import DEFAULT_RECORDING_SECRET, DEFAULT_REQUEST_TIMEOUT, ProfileError
from conformance.yaml_documents import read_yaml_mapping, refuse_unknown_keys

DEFAULT_LISTEN = "127.0.0.1:0"
DEFAULT_REPORT_TIMEOUT = 10.0
_LISTEN = re.compile(r"^(?P<host>[^:\s]+):(?P<port>\d{1,5})$")
_KEYS = {
    "url",
    "recording_secret",
    "request_timeout",
    "skip_tags",
    "expectations",
    "talk_backend_listen",
    "talk_backend_url",
    "report_timeout",
}


@dataclass(frozen=True)
class RecordingServerProfile:
    """Everything the suite needs to know about one recording server."""

    url: str | None  # None: the bundled reference recording server, started for the run
    recording_secret: str = field(default=DEFAULT_RECORDING_SECRET, repr=False)
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    skip_tags: tuple[str, ...] = ()
    expectations: Path | None = None
    talk_backend_listen: str = DEFAULT_LISTEN  # HOST:PORT the suite's Talk stand-in binds
    talk_backend_url: str | None = None  # how the recording server knows the stand-in; default its own URL
    report_timeout: float = DEFAULT_REPORT_TIMEOUT  # how long a report or upload may take to arrive

    @property
    def listen_address(self) -> tuple[str, int]:
        """(host, port) the Talk stand-in binds."""
        match = _LISTEN.match(self.talk_backend_listen)
        assert match is not None  # validated on load
        return match["host"], int(match["port"])

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in any output."""
        return (self.recording_secret,)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the reports (redact before writing)."""
        data = asdict(self)
        data["expectations"] = str(self.expectations) if self.expectations else None
        data["skip_tags"] = list(self.skip_tags)
        return data


def load_recording_server_profile(
    cli_url: str | None = None, profile_path: str | Path | None = None, cli_expectations: str | None = None
) -> RecordingServerProfile:
    """Read and check the profile; ProfileError names the file and the key at fault."""
    path = Path(profile_path) if profile_path else None
    source = f"profile {path}" if path else "profile"
    raw = read_yaml_mapping(path, source, ProfileError) if path else {}
    refuse_unknown_keys(raw, _KEYS, source, ProfileError)
    secret = raw.get("recording_secret", DEFAULT_RECORDING_SECRET)
    if not isinstance(secret, str) or not secret:
        raise ProfileError(f"{source}: recording_secret must be a non-empty string")
    listen = str(raw.get("talk_backend_listen", DEFAULT_LISTEN))
    match = _LISTEN.match(listen)
    if match is None or int(match["port"]) > 65535:
        raise ProfileError(f"{source}: talk_backend_listen must look like HOST:PORT, got {listen!r}")
    expectations = cli_expectations or raw.get("expectations")
    if expectations and not cli_expectations and path is not None:
        expectations = path.parent / str(expectations)  # relative to the profile, so the two travel together
    return RecordingServerProfile(
        url=_url(cli_url or raw.get("url"), f"{source}: url"),
        recording_secret=secret,
        request_timeout=_seconds(
            raw.get("request_timeout", DEFAULT_REQUEST_TIMEOUT), f"{source}: request_timeout"
        ),
        skip_tags=_tags(raw.get("skip_tags", ()), f"{source}: skip_tags"),
        expectations=Path(expectations) if expectations else None,
        talk_backend_listen=listen,
        talk_backend_url=_url(raw.get("talk_backend_url"), f"{source}: talk_backend_url", keep_slash=True),
        report_timeout=_seconds(
            raw.get("report_timeout", DEFAULT_REPORT_TIMEOUT), f"{source}: report_timeout"
        ),
    )


def _url(raw: Any, where: str, keep_slash: bool = False) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not re.match(r"^https?://[^/\s]+", raw):
        raise ProfileError(f"{where} must be an http:// or https:// URL, got {raw!r}")
    return raw if keep_slash else raw.rstrip("/")


def _seconds(raw: Any, where: str) -> float:
    if isinstance(raw, bool):
        raise ProfileError(f"{where} must be a positive number of seconds, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ProfileError(f"{where} must be a positive number of seconds, got {raw!r}") from None
    if not value > 0:
        raise ProfileError(f"{where} must be a positive number of seconds, got {raw!r}")
    return value


def _tags(raw: Any, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list | tuple) or not all(isinstance(tag, str) and tag.strip() for tag in raw):
        raise ProfileError(f"{where} must be a list of tag names")
    return tuple(tag.strip().lstrip("@") for tag in raw)
