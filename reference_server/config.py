"""The server's YAML configuration (``--config``) and its defaults."""

import json
import re
from dataclasses import dataclass, field

import yaml

from reference_server import talk_release
from reference_server.mutants import UnknownMutant, check_name

DEFAULT_ACCOUNTS = (
    {"id": "admin", "password": "admin", "admin": True},
    {"id": "participant1", "password": "123456", "admin": False},
    {"id": "participant2", "password": "123456", "admin": False},
    {"id": "participant3", "password": "123456", "admin": False},
)
DEFAULT_UPLOAD_MAX_BYTES = 512 * 1024 * 1024
# Nextcloud's rule for user ids; they also name directories under files/.
USER_ID = re.compile(r"^[a-zA-Z0-9 _.@\-']{1,64}$")
# The Talk releases the server can model; the newest is the default.
TALK_VERSIONS = tuple(sorted(talk_release.RELEASES))
_KNOWN_KEYS = {
    "accounts",
    "app_config",
    "bruteforce",
    "upload_max_bytes",
    "base_url",
    "mutant",
    "latency_ms",
    "talk_version",
}


class ConfigError(Exception):
    """The configuration file is unreadable or malformed; the message says what is wrong."""


@dataclass(frozen=True)
class Account:
    """A user account created at first start of a data dir."""

    id: str
    password: str
    admin: bool = False


@dataclass(frozen=True)
class BruteForceSettings:
    """Nextcloud's ``auth.bruteforce.*`` system config."""

    enabled: bool = True
    testing: bool = False
    max_attempts: int = 10


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``--config`` can set."""

    accounts: tuple[Account, ...] = tuple(
        Account(a["id"], a["password"], a["admin"]) for a in DEFAULT_ACCOUNTS
    )
    app_config: dict = field(default_factory=dict)
    bruteforce: BruteForceSettings = BruteForceSettings()
    upload_max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES
    base_url: str | None = None
    mutant: str | None = None  # one rule broken on purpose, for the self-test (reference_server.mutants)
    latency_ms: int = 0  # every request waits this long first: simulates a slow target (benchmarks)
    talk_version: int = TALK_VERSIONS[-1]  # the Talk major release whose rules the server follows


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _accounts(raw) -> tuple[Account, ...]:
    _require(isinstance(raw, list) and raw, "'accounts' must be a non-empty list")
    accounts = []
    for index, item in enumerate(raw):
        where = f"accounts[{index}]"
        _require(isinstance(item, dict), f"{where} must be a mapping with 'id' and 'password'")
        unknown = set(item) - {"id", "password", "admin"}
        _require(not unknown, f"{where}: unknown keys {sorted(unknown)}")
        user_id, password = item.get("id"), item.get("password")
        _require(
            isinstance(user_id, str) and USER_ID.match(user_id) is not None and user_id not in (".", ".."),
            f"{where}.id must be 1-64 characters of letters, digits, space and _.@-'",
        )
        _require(
            isinstance(password, str | int) and not isinstance(password, bool),
            f"{where}.password must be a string",
        )
        _require(isinstance(item.get("admin", False), bool), f"{where}.admin must be true or false")
        accounts.append(Account(user_id, str(password), item.get("admin", False)))
    ids = [a.id for a in accounts]
    _require(len(set(ids)) == len(ids), "'accounts' contains the same id twice")
    return tuple(accounts)


def _app_config(raw) -> dict:
    _require(isinstance(raw, dict), "'app_config' must be a mapping of key: string value")
    values = {}
    for key, value in raw.items():
        _require(isinstance(key, str), "'app_config' keys must be strings")
        if isinstance(value, dict | list):
            value = json.dumps(value)
        _require(
            isinstance(value, str | int | float) and not isinstance(value, bool),
            f"app_config.{key} must be a string",
        )
        values[key] = str(value)
    return values


def _bruteforce(raw) -> BruteForceSettings:
    _require(isinstance(raw, dict), "'bruteforce' must be a mapping")
    unknown = set(raw) - {"enabled", "testing", "max_attempts"}
    _require(not unknown, f"bruteforce: unknown keys {sorted(unknown)}")
    enabled, testing = raw.get("enabled", True), raw.get("testing", False)
    max_attempts = raw.get("max_attempts", 10)
    _require(isinstance(enabled, bool), "bruteforce.enabled must be true or false")
    _require(isinstance(testing, bool), "bruteforce.testing must be true or false")
    _require(
        type(max_attempts) is int and max_attempts >= 0, "bruteforce.max_attempts must be an integer >= 0"
    )
    return BruteForceSettings(enabled, testing, max_attempts)


def parse_config(raw) -> ServerConfig:
    """Validate a decoded YAML document."""
    if raw is None:
        return ServerConfig()
    _require(isinstance(raw, dict), "the configuration must be a YAML mapping")
    unknown = set(raw) - _KNOWN_KEYS
    _require(not unknown, f"unknown keys {sorted(unknown)}; allowed: {sorted(_KNOWN_KEYS)}")
    config = ServerConfig()
    kwargs = {}
    if raw.get("accounts") is not None:
        kwargs["accounts"] = _accounts(raw["accounts"])
    if raw.get("app_config") is not None:
        kwargs["app_config"] = _app_config(raw["app_config"])
    if raw.get("bruteforce") is not None:
        kwargs["bruteforce"] = _bruteforce(raw["bruteforce"])
    if raw.get("upload_max_bytes") is not None:
        limit = raw["upload_max_bytes"]
        _require(type(limit) is int and limit > 0, "upload_max_bytes must be a positive integer")
        kwargs["upload_max_bytes"] = limit
    if raw.get("base_url") is not None:
        base = raw["base_url"]
        _require(
            isinstance(base, str) and base.startswith(("http://", "https://")),
            "base_url must be an http:// or https:// URL",
        )
        kwargs["base_url"] = base if base.endswith("/") else base + "/"
    if raw.get("latency_ms") is not None:
        latency = raw["latency_ms"]
        _require(type(latency) is int and 0 <= latency <= 60_000, "latency_ms must be an integer 0-60000")
        kwargs["latency_ms"] = latency
    if raw.get("talk_version") is not None:
        version = raw["talk_version"]
        _require(
            type(version) is int and version in TALK_VERSIONS,
            f"talk_version must be one of {', '.join(map(str, TALK_VERSIONS))}",
        )
        kwargs["talk_version"] = version
    if raw.get("mutant") is not None:
        _require(isinstance(raw["mutant"], str), "mutant must be the name of a mutant")
        try:
            kwargs["mutant"] = check_name(raw["mutant"])
        except UnknownMutant as exc:
            raise ConfigError(str(exc)) from None
    return ServerConfig(**{**config.__dict__, **kwargs})


def load_config(path: str | None) -> ServerConfig:
    """Read and validate ``--config FILE``; defaults when no file is given."""
    if path is None:
        return ServerConfig()
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    try:
        return parse_config(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
