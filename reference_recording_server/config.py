"""The server's configuration: the backends it trusts, how it "records", and the faults it may simulate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_MAX_MESSAGE_SIZE = 1024  # upstream's [backend] maxmessagesize default, in bytes
DEFAULT_START_DELAY = 0.2
DEFAULT_REQUEST_TIMEOUT = 30.0


class ConfigError(Exception):
    """The configuration file is unreadable or malformed."""


@dataclass(frozen=True)
class Backend:
    """A Nextcloud this server records for: its URL as configured and the secret both sides share."""

    url: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Faults:
    """Ways to misbehave on purpose, so a Talk side can be tested against a failing recording server."""

    never_start: bool = False  # a start never reports started (nor failed)
    fail_after: float | None = None  # seconds after a start: the recording fails and reports failed
    lose_recording: bool = False  # once started, the recording is forgotten: stop answers 404
    upload_refused: bool = False  # the recording comes out as a file Talk's format check refuses


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its --config file."""

    backends: tuple[Backend, ...] = ()
    allow_all: bool = False  # upstream's [backend] allowall: any backend, with the common secret
    common_secret: str | None = field(default=None, repr=False)
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    start_delay: float = DEFAULT_START_DELAY  # seconds between a start and its started report
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT  # for each report and upload sent to Talk
    faults: Faults = Faults()
    mutant: str | None = None

    def secret_for(self, backend: str) -> str | None:
        """The secret shared with the backend named in a request (trailing slashes ignored), or None."""
        if self.allow_all:
            return self.common_secret
        wanted = backend.rstrip("/")
        for known in self.backends:
            if known.url.rstrip("/") == wanted:
                return known.secret
        return None


_KEYS = {
    "backends",
    "allowall",
    "secret",
    "maxmessagesize",
    "start_delay",
    "request_timeout",
    "faults",
    "mutant",
}
_FAULT_KEYS = {"never_start", "fail_after", "lose_recording", "upload_refused"}


def load_settings(path: str | Path | None) -> Settings:
    """Read the YAML configuration (every key optional); ConfigError says what is wrong in one line."""
    if path is None:
        return Settings()
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping of keys to values")
    unknown = sorted(str(key) for key in raw if key not in _KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(_KEYS))}"
        )
    allow_all = _boolean(raw.get("allowall", False), "allowall")
    common_secret = raw.get("secret")
    if allow_all and not (isinstance(common_secret, str) and common_secret):
        raise ConfigError(f"{path}: allowall needs the common secret in `secret`")
    return Settings(
        backends=tuple(_backend(item, index) for index, item in enumerate(raw.get("backends") or [])),
        allow_all=allow_all,
        common_secret=common_secret,
        max_message_size=int(_number(raw.get("maxmessagesize", DEFAULT_MAX_MESSAGE_SIZE), "maxmessagesize")),
        start_delay=_number(raw.get("start_delay", DEFAULT_START_DELAY), "start_delay", zero_ok=True),
        request_timeout=_number(raw.get("request_timeout", DEFAULT_REQUEST_TIMEOUT), "request_timeout"),
        faults=_faults(raw.get("faults") or {}),
        mutant=raw.get("mutant"),
    )


def _backend(item: Any, index: int) -> Backend:
    if not isinstance(item, dict) or set(item) != {"url", "secret"}:
        raise ConfigError(f"backends[{index}] must be a mapping with exactly the keys url and secret")
    if not all(isinstance(item[key], str) and item[key] for key in ("url", "secret")):
        raise ConfigError(f"backends[{index}]: url and secret must be non-empty strings")
    return Backend(item["url"], item["secret"])


def _faults(raw: Any) -> Faults:
    if not isinstance(raw, dict) or set(raw) - _FAULT_KEYS:
        raise ConfigError(f"faults must be a mapping with the keys {', '.join(sorted(_FAULT_KEYS))}")
    fail_after = raw.get("fail_after")
    return Faults(
        never_start=_boolean(raw.get("never_start", False), "faults.never_start"),
        fail_after=None if fail_after is None else _number(fail_after, "faults.fail_after", zero_ok=True),
        lose_recording=_boolean(raw.get("lose_recording", False), "faults.lose_recording"),
        upload_refused=_boolean(raw.get("upload_refused", False), "faults.upload_refused"),
    )


def _boolean(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(f"{where} must be true or false, got {raw!r}")
    return raw


def _number(raw: Any, where: str, zero_ok: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0 or (raw == 0 and not zero_ok):
        raise ConfigError(
            f"{where} must be a {'non-negative' if zero_ok else 'positive'} number, got {raw!r}"
        )
    return float(raw)
