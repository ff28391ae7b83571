"""Target profile: CLI > environment (TALK_CONFORMANCE_*) > YAML profile > defaults."""

from __future__ import annotations

import dataclasses
import re
import secrets
import shlex
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.outcomes import SetupError
from conformance.target._target_release import NEWEST_KNOWN_RELEASE, TargetRelease
from conformance.target._tls import check_ca_bundle
from conformance.yaml_documents import read_yaml_mapping, refuse_unknown_keys

ENV_PREFIX = "TALK_CONFORMANCE_"
DEFAULT_ADMIN = ("admin", "admin")
DEFAULT_USERS = (("participant1", "123456"), ("participant2", "123456"), ("participant3", "123456"))
PUBLIC_DEFAULT_PASSWORDS = frozenset({DEFAULT_ADMIN[1], *(password for _, password in DEFAULT_USERS)})
DEFAULT_RECORDING_SECRET = "the recording secret"  # noqa: S105 - the well-known test value, as in Talk's Behat suite
DEFAULT_LISTEN = "127.0.0.1:0"
DEFAULT_REQUEST_TIMEOUT = 30.0
# What the embedded reference server is configured with; a remote target's limit is unknown unless given.
EMBEDDED_UPLOAD_LIMIT_BYTES = 1048576

_RUN_ID = re.compile(r"^[a-z0-9]{1,16}$")
_LISTEN = re.compile(r"^(?P<host>[^:\s]+):(?P<port>\d{1,5})$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ProfileError(SetupError):
    """The target profile (file, environment or command line) is unusable."""


@dataclass(frozen=True)
class Account:
    """A login on the target."""

    user_id: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class TargetProfile:
    """Everything the suite needs to know about one target."""

    url: str | None
    admin: Account | None
    users: tuple[Account, Account, Account]
    recording_secret: str = field(repr=False)
    fake_recording_server_listen: str = DEFAULT_LISTEN
    fake_recording_server_url: str | None = None
    configure_recording: bool = True
    skip_tags: tuple[str, ...] = ()
    expectations: Path | None = None
    # `expectations: auto`: the run chooses the shipped file for the target's release (conformance.
    # expectation_choice) and puts it in `expectations` once the preflight has read the target's version
    auto_expectations: bool = False
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    upload_limit_bytes: int | None = None
    run_id: str = "tc000000"
    signaling_stand_in_listen: str = DEFAULT_LISTEN
    signaling_stand_in_url: str | None = None
    bruteforce_reset_command: str | None = field(default=None, repr=False)
    record_traffic: Path | None = None  # where the run's traffic goes as HAR (docs/traffic.md)
    verify_tls: bool = True
    ca_bundle: Path | None = None
    # who records for the end-to-end group: "reference" (the bundled one), a URL, or None (group skipped)
    recording_server: str | None = None
    # setup and cleanup requests while scenarios run (the next conversation made ahead, rooms deleted after);
    # None is "auto", which the run set-up decides (_run_setup: off for a SQLite-backed target)
    background_setup: bool | None = None

    @property
    def tls_verify(self) -> bool | str:
        """What requests takes as `verify` for every request to the target: the CA bundle, or on/off."""
        if self.verify_tls and self.ca_bundle is not None:
            return str(self.ca_bundle)
        return self.verify_tls

    @property
    def listen_address(self) -> tuple[str, int]:
        """(host, port) the fake recording server binds."""
        return _host_port(self.fake_recording_server_listen)

    @property
    def signaling_listen_address(self) -> tuple[str, int]:
        """(host, port) the signaling stand-in binds."""
        return _host_port(self.signaling_stand_in_listen)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (secrets included) for handing the profile to xdist workers."""
        data = dataclasses.asdict(self)
        data["expectations"] = str(self.expectations) if self.expectations else None
        data["record_traffic"] = str(self.record_traffic) if self.record_traffic else None
        data["ca_bundle"] = str(self.ca_bundle) if self.ca_bundle else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetProfile:
        """Inverse of `to_dict`."""
        values = dict(data)
        values["admin"] = Account(**values["admin"]) if values["admin"] else None
        values["users"] = tuple(Account(**user) for user in values["users"])
        values["skip_tags"] = tuple(values["skip_tags"])
        values["expectations"] = Path(values["expectations"]) if values["expectations"] else None
        values["record_traffic"] = Path(values["record_traffic"]) if values.get("record_traffic") else None
        values["ca_bundle"] = Path(values["ca_bundle"]) if values.get("ca_bundle") else None
        return cls(**values)

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in any output."""
        accounts = (*self.users, *((self.admin,) if self.admin else ()))
        # The reference server's published default passwords are no secret, and masking every "admin"
        # in free text would garble tags and messages; profile fields are masked regardless.
        passwords = (a.password for a in accounts if a.password not in PUBLIC_DEFAULT_PASSWORDS)
        # The reset command may carry a host name or a password: the profile shows it masked.
        command = (self.bruteforce_reset_command,) if self.bruteforce_reset_command else ()
        return (self.recording_secret, *passwords, *command)


def _host_port(listen: str) -> tuple[str, int]:
    match = _LISTEN.match(listen)
    assert match is not None  # validated on load
    return match["host"], int(match["port"])


@dataclass(frozen=True)
class RunContext:
    """What every scenario of one run shares: the target, the fake recording server, the lock."""

    profile: TargetProfile
    base_url: str
    fake_recording_server_url: str
    recording_server_url_for_target: str
    lock_path: Path
    # The suite's signaling stand-in (its control URL), None when the target has its own signaling server.
    signaling_stand_in_url: str | None = None
    # The target's Talk release as the preflight read it (_target_release); steps read it here.
    target_release: TargetRelease = field(default_factory=lambda: TargetRelease(NEWEST_KNOWN_RELEASE))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for handing the context to xdist workers."""
        return {
            "profile": self.profile.to_dict(),
            "base_url": self.base_url,
            "fake_recording_server_url": self.fake_recording_server_url,
            "recording_server_url_for_target": self.recording_server_url_for_target,
            "lock_path": str(self.lock_path),
            "signaling_stand_in_url": self.signaling_stand_in_url,
            "target_release": self.target_release.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunContext:
        """Inverse of `to_dict`."""
        return cls(
            profile=TargetProfile.from_dict(data["profile"]),
            base_url=data["base_url"],
            fake_recording_server_url=data["fake_recording_server_url"],
            recording_server_url_for_target=data["recording_server_url_for_target"],
            lock_path=Path(data["lock_path"]),
            signaling_stand_in_url=data.get("signaling_stand_in_url"),
            target_release=TargetRelease.from_dict(data["target_release"]),
        )


def new_run_id() -> str:
    """A fresh run id: "tc" and six random lowercase letters or digits."""
    alphabet = string.ascii_lowercase + string.digits
    return "tc" + "".join(secrets.choice(alphabet) for _ in range(6))


def load_profile(
    cli_url: str | None = None,
    cli_profile_path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    cli_expectations: str | Path | None = None,
) -> TargetProfile:
    """Build the profile: each field from the CLI, else the environment, else the YAML file, else defaults."""
    env = {} if env is None else env
    path_text = cli_profile_path or env.get(ENV_PREFIX + "PROFILE") or None
    path = Path(path_text) if path_text else None
    source = f"profile {path}" if path else "profile"
    raw = read_yaml_mapping(path, source, ProfileError) if path else {}
    values = _from_yaml(raw, source, path)
    values.update(_from_env(env))
    if cli_url:
        values["url"] = cli_url
    if cli_expectations:
        values["expectations"] = cli_expectations
    return _build(values, source)


_YAML_KEYS = {
    "url",
    "admin",
    "users",
    "recording_secret",
    "fake_recording_server_listen",
    "fake_recording_server_url",
    "configure_recording",
    "skip_tags",
    "expectations",
    "request_timeout",
    "upload_limit_bytes",
    "run_id",
    "signaling_stand_in_listen",
    "signaling_stand_in_url",
    "bruteforce_reset_command",
    "record_traffic",
    "verify_tls",
    "ca_bundle",
    "recording_server",
    "background_setup",
}


def _from_yaml(raw: dict[str, Any], source: str, path: Path | None) -> dict[str, Any]:
    refuse_unknown_keys(raw, _YAML_KEYS, source, ProfileError)
    values: dict[str, Any] = {}
    for key in _YAML_KEYS & raw.keys():
        values[key] = raw[key]
    if "admin" in raw:
        values["admin"] = None if raw["admin"] is None else _account(raw["admin"], f"{source}: admin")
    if "users" in raw:
        users = raw["users"]
        if not isinstance(users, list):
            raise ProfileError(f"{source}: users must be a list of three accounts")
        if len(users) != 3:
            raise ProfileError(f"{source}: users must list exactly three accounts, got {len(users)}")
        values["users"] = tuple(_account(user, f"{source}: users[{i}]") for i, user in enumerate(users))
    if "skip_tags" in raw:
        values["skip_tags"] = _tag_list(raw["skip_tags"], f"{source}: skip_tags")
    if (
        raw.get("expectations") is not None
        and path is not None
        and not _expectations_keyword(raw["expectations"])
    ):
        # Relative to the profile file, so a profile and its expectations travel together.
        values["expectations"] = path.parent / str(raw["expectations"])
    if raw.get("ca_bundle") is not None and path is not None:
        values["ca_bundle"] = path.parent / str(raw["ca_bundle"])  # like expectations: next to the profile
    return values


def _account(raw: Any, where: str) -> Account:
    if not isinstance(raw, dict) or set(raw) != {"user", "password"}:
        raise ProfileError(f"{where} must be a mapping with exactly the keys user and password")
    for key in ("user", "password"):
        if not isinstance(raw[key], str) or not raw[key]:
            hint = ' (quote it, e.g. "123456")' if isinstance(raw[key], int | float) else ""
            raise ProfileError(f"{where}.{key} must be a non-empty string{hint}")
    return Account(raw["user"], raw["password"])


def _tag_list(raw: Any, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list) or not all(isinstance(tag, str) and tag.strip() for tag in raw):
        raise ProfileError(f"{where} must be a list of tag names")
    return tuple(tag.strip().lstrip("@") for tag in raw)


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    def get(name: str) -> str | None:
        return env.get(ENV_PREFIX + name)

    values: dict[str, Any] = {}
    simple = {
        "URL": "url",
        "RECORDING_SECRET": "recording_secret",
        "FAKE_RECORDING_SERVER_LISTEN": "fake_recording_server_listen",
        "FAKE_RECORDING_SERVER_URL": "fake_recording_server_url",
        "CONFIGURE_RECORDING": "configure_recording",
        "EXPECTATIONS": "expectations",
        "REQUEST_TIMEOUT": "request_timeout",
        "UPLOAD_LIMIT_BYTES": "upload_limit_bytes",
        "RUN_ID": "run_id",
        "SIGNALING_STAND_IN_LISTEN": "signaling_stand_in_listen",
        "SIGNALING_STAND_IN_URL": "signaling_stand_in_url",
        "BRUTEFORCE_RESET_COMMAND": "bruteforce_reset_command",
        "RECORD_TRAFFIC": "record_traffic",
        "VERIFY_TLS": "verify_tls",
        "CA_BUNDLE": "ca_bundle",
        "RECORDING_SERVER": "recording_server",
        "BACKGROUND_SETUP": "background_setup",
    }
    for name, key in simple.items():
        if get(name) is not None:
            values[key] = get(name)
    if get("SKIP_TAGS") is not None:
        values["skip_tags"] = _tag_list(get("SKIP_TAGS"), f"environment {ENV_PREFIX}SKIP_TAGS")
    admin_user, admin_password = get("ADMIN_USER"), get("ADMIN_PASSWORD")
    if admin_user == "":
        values["admin"] = None  # an empty admin user means: the target gives us no admin
    elif admin_user is not None or admin_password is not None:
        values["admin_override"] = (admin_user, admin_password)
    for index in range(3):
        user, password = get(f"USER{index + 1}_USER"), get(f"USER{index + 1}_PASSWORD")
        if user is not None or password is not None:
            values[f"user{index}_override"] = (user, password)
    return values


def _build(values: dict[str, Any], source: str) -> TargetProfile:
    admin = values.get("admin", Account(*DEFAULT_ADMIN))
    if "admin_override" in values:
        user, password = values["admin_override"]
        base = admin or Account(*DEFAULT_ADMIN)
        admin = Account(user or base.user_id, password if password is not None else base.password)
    users = list(values.get("users", tuple(Account(*pair) for pair in DEFAULT_USERS)))
    for index in range(3):
        if f"user{index}_override" in values:
            user, password = values[f"user{index}_override"]
            users[index] = Account(user or users[index].user_id, password or users[index].password)
    if len({user.user_id for user in users}) != 3:
        raise ProfileError(f"{source}: the three users must be different accounts")

    url = _url(values.get("url"), f"{source}: url")
    fake_url = _url(values.get("fake_recording_server_url"), f"{source}: fake_recording_server_url")
    secret = values.get("recording_secret", DEFAULT_RECORDING_SECRET)
    if not isinstance(secret, str) or not secret:
        raise ProfileError(f"{source}: recording_secret must be a non-empty string")
    listen = _listen(values.get("fake_recording_server_listen"), f"{source}: fake_recording_server_listen")
    signaling_listen = _listen(
        values.get("signaling_stand_in_listen"), f"{source}: signaling_stand_in_listen"
    )
    signaling_url = _url(values.get("signaling_stand_in_url"), f"{source}: signaling_stand_in_url")
    reset_command = _reset_command(
        values.get("bruteforce_reset_command"), f"{source}: bruteforce_reset_command"
    )
    run_id = str(values.get("run_id") or new_run_id())
    if not _RUN_ID.match(run_id):
        raise ProfileError(f"{source}: run_id must be 1 to 16 lowercase letters or digits, got {run_id!r}")
    upload_limit = _positive(values.get("upload_limit_bytes"), f"{source}: upload_limit_bytes", int)
    if upload_limit is None and url is None:
        upload_limit = EMBEDDED_UPLOAD_LIMIT_BYTES
    expectations, auto_expectations = _expectations(values.get("expectations"), url)
    verify_tls = _bool(values.get("verify_tls", True), f"{source}: verify_tls")
    ca_bundle = Path(str(values["ca_bundle"])) if values.get("ca_bundle") not in (None, "") else None
    if ca_bundle is not None:
        problem = check_ca_bundle(ca_bundle, f"{source}: ca_bundle")
        if problem:
            raise ProfileError(problem)
    return TargetProfile(
        url=url,
        admin=admin,
        users=(users[0], users[1], users[2]),
        recording_secret=secret,
        fake_recording_server_listen=listen,
        fake_recording_server_url=fake_url,
        configure_recording=_bool(values.get("configure_recording", True), f"{source}: configure_recording"),
        skip_tags=tuple(values.get("skip_tags", ())),
        expectations=expectations,
        auto_expectations=auto_expectations,
        request_timeout=_positive(
            values.get("request_timeout", DEFAULT_REQUEST_TIMEOUT), f"{source}: request_timeout", float
        )
        or DEFAULT_REQUEST_TIMEOUT,
        upload_limit_bytes=upload_limit,
        run_id=run_id,
        signaling_stand_in_listen=signaling_listen,
        signaling_stand_in_url=signaling_url,
        bruteforce_reset_command=reset_command,
        record_traffic=Path(str(values["record_traffic"])) if values.get("record_traffic") else None,
        verify_tls=verify_tls,
        ca_bundle=ca_bundle,
        recording_server=_recording_server(
            values.get("recording_server", "reference" if url is None else None), source
        ),
        background_setup=_auto_bool(values.get("background_setup"), f"{source}: background_setup"),
    )


def _expectations_keyword(raw: Any) -> str | None:
    word = str(raw).strip().lower()
    return word if word in ("auto", "none") else None


def _expectations(raw: Any, url: str | None) -> tuple[Path | None, bool]:
    """(file, auto): a path; `auto` (default against a live target); `none` (the bundled run's default)."""
    if raw is None or str(raw).strip() == "":
        return None, url is not None
    keyword = _expectations_keyword(raw)
    if keyword is not None:
        return None, keyword == "auto"
    return Path(str(raw)), False


def _listen(raw: Any, where: str) -> str:
    listen = DEFAULT_LISTEN if raw is None or raw == "" else str(raw)
    match = _LISTEN.match(listen)
    if match is None or int(match["port"]) > 65535:
        raise ProfileError(f"{where} must look like HOST:PORT, got {listen!r}")
    return listen


def _reset_command(raw: Any, where: str) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ProfileError(f"{where} must be a command line (a string)")
    try:
        words = shlex.split(raw)
    except ValueError as exc:
        raise ProfileError(f"{where} cannot be split into words: {exc}") from None
    if not words:
        raise ProfileError(f"{where} is empty")
    return raw


def _recording_server(raw: Any, source: str) -> str | None:
    if raw is None or raw in ("", "none"):
        return None
    if raw == "reference":
        return raw
    return _url(raw, f"{source}: recording_server (reference, none or a URL)")


def _url(raw: Any, where: str) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not re.match(r"^https?://[^/\s]+", raw):
        raise ProfileError(f"{where} must be an http:// or https:// URL, got {raw!r}")
    return raw.rstrip("/")


def _auto_bool(raw: Any, where: str) -> bool | None:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "auto")):
        return None
    try:
        return _bool(raw, where)
    except ProfileError:
        raise ProfileError(f"{where} must be auto, true or false, got {raw!r}") from None


def _bool(raw: Any, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ProfileError(f"{where} must be true or false, got {raw!r}")


def _positive(raw: Any, where: str, kind: type) -> Any:
    if raw is None or raw == "":
        return None
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = kind(raw)
    except (TypeError, ValueError):
        raise ProfileError(f"{where} must be a positive number, got {raw!r}") from None
    if kind is int and isinstance(raw, float) and raw != value:
        raise ProfileError(f"{where} must be a whole number of bytes, got {raw!r}")
    if value <= 0:
        raise ProfileError(f"{where} must be a positive number, got {raw!r}")
    return value
