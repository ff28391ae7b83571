"""Checks before any scenario: the target answers OCS, offers recording, Talk reaches the suite's servers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.outcomes import SetupError, Unsupported
from conformance.target import _setup_driver as setup_driver
from conformance.target._profile import TargetProfile
from conformance.target._setup_driver import TalkSession
from conformance.target._target_release import NEWEST_KNOWN_RELEASE, TargetRelease, release_from_capabilities

CAPABILITIES = f"{setup_driver.OCS}/cloud/capabilities"
RECORDING_WELCOME = f"{setup_driver.RECORDING}/welcome/0"
SIGNALING_WELCOME = f"{setup_driver.OCS}/apps/spreed/api/v3/signaling/welcome/0"
PROVISIONING = f"{setup_driver.APP_CONFIG}/call_recording"
# Nextcloud's serverinfo app (shipped and enabled by default) tells the admin which database the server uses.
SERVER_INFO = f"{setup_driver.OCS}/apps/serverinfo/api/v1/info"
SQLITE = "sqlite3"

LOCAL_ADDRESSES_HINT = (
    "Nextcloud refuses local and private addresses unless config.php has 'allow_local_remote_servers' => true"
)


@dataclass(frozen=True)
class CheckResult:
    """One line of the preflight."""

    name: str
    ok: bool
    detail: str
    hint: str = ""

    def line(self) -> str:
        """The line as the terminal shows it."""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.problem()}"

    def problem(self) -> str:
        """What was found, with the fix hint when the check failed."""
        return f"{self.detail} (fix: {self.hint})" if self.hint and not self.ok else self.detail


class PreflightFailed(SetupError):
    """A preflight check failed; the message is what it found and the fix hint."""


class PreflightUnsupported(Unsupported):
    """The target lacks the recording-v1 capability; the message is what the check found."""


class Preflight:
    """Runs the checks in order and stops at the first failure (later checks depend on earlier ones)."""

    def __init__(self, profile: TargetProfile, report: Callable[[str], None] | None = None) -> None:
        self.profile = profile
        self.results: list[CheckResult] = []
        self._report = report
        # The target's Talk release, read from the capabilities by `target` (until then the newest known).
        self.release = TargetRelease(NEWEST_KNOWN_RELEASE)

    def _passed(self, name: str, detail: str) -> None:
        self._add(CheckResult(name, True, detail))

    def _failed(self, name: str, detail: str, hint: str, kind: type[Exception] = PreflightFailed) -> None:
        result = CheckResult(name, False, detail, hint)
        self._add(result)
        raise kind(result.problem())

    def _add(self, result: CheckResult) -> None:
        self.results.append(result)
        if self._report is not None:
            self._report(result.line())

    def announce(self, line: str) -> None:
        """A line that is no check, printed as it is (the expectations the run uses)."""
        if self._report is not None:
            self._report(line)

    def _session(self, base_url: str, admin: bool = False) -> TalkSession:
        account = self.profile.admin if admin else self.profile.users[0]
        return TalkSession(base_url, account, self.profile.request_timeout, self.profile.tls_verify)

    def _get(self, session: TalkSession, path: str, name: str, hint: str) -> Any:
        try:
            return session.request("GET", path)
        except setup_driver.NoAnswer as error:
            self._failed(name, f"the target {session.base_url} is not reachable: {error.reason}", hint)

    # --- the checks ------------------------------------------------------------------------------

    def target(self, base_url: str) -> None:
        """Reachable, speaks OCS, accepts the moderator's login, advertises recording-v1."""
        user = self.profile.users[0].user_id
        session = self._session(base_url)
        try:
            name = "target"
            response = self._get(
                session, CAPABILITIES, name, f"is the server up? GET {CAPABILITIES} got no answer"
            )
            if response.status_code == 401:
                self._failed("login", f"{base_url} rejected {user!r} (HTTP 401)", "check the profile's users")
            spreed, version = _capabilities(response)
            if spreed is None:
                self._failed(
                    name,
                    f"GET {CAPABILITIES} answered HTTP {response.status_code} without an OCS JSON document",
                    "the url must be the base URL of a Nextcloud server (the part before /ocs/)",
                )
            self.release = release_from_capabilities(_ocs_data(response))
            self._passed(name, f"{base_url} speaks OCS{f' (Nextcloud {version})' if version else ''}")
            if "recording-v1" not in (spreed.get("features") or []):
                self._failed(
                    "recording-v1",
                    f"the target {base_url} does not advertise the Talk capability recording-v1 to {user!r}",
                    "install and enable Talk (spreed) and allow the profile's users to use it",
                    PreflightUnsupported,
                )
            self._passed("recording-v1", "Talk advertises the recording API")
        finally:
            session.close()

    def administration(self, base_url: str) -> None:
        """The admin login works and the provisioning API answers (the run configures Talk through it)."""
        if self.profile.admin is None or not self.profile.configure_recording:
            self._passed("admin", "not needed (no admin account or configure_recording: false)")
            return
        admin = self.profile.admin.user_id
        session = self._session(base_url, admin=True)
        try:
            response = self._get(session, PROVISIONING, "admin", "check the admin account in the profile")
            if response.status_code in (401, 403):
                self._failed(
                    "admin",
                    f"{admin!r} may not use the provisioning API (HTTP {response.status_code} on GET"
                    f" {PROVISIONING})",
                    "give the profile an admin account with its password (an app password works too)",
                )
            if response.status_code != 200 or _ocs_data(response) is None:
                self._failed(
                    "admin",
                    f"the provisioning API answered HTTP {response.status_code} to GET {PROVISIONING}",
                    "enable the provisioning_api app",
                )
            self._passed("admin", f"{admin!r} logs in and the provisioning API answers")
        finally:
            session.close()

    def database(self, base_url: str) -> str | None:
        """The target's database type, if its serverinfo app tells the admin (None: it does not)."""
        if self.profile.admin is None:
            return None
        session = self._session(base_url, admin=True)
        try:
            response = session.request("GET", SERVER_INFO, params={"skipApps": "true", "skipUpdate": "true"})
        except setup_driver.NoAnswer:
            return None  # an optional app: the run goes on without knowing
        finally:
            session.close()
        kind = _database_type(_ocs_data(response)) if response.status_code == 200 else None
        if kind == SQLITE:
            self._passed(
                "database",
                "SQLite: the suite sends its setup and cleanup requests one at a time (background_setup:"
                " auto); SQLite answers concurrent writes with 'database is locked', so run without -n",
            )
        elif kind:
            self._passed("database", kind)
        return kind

    def reachability(self, base_url: str, fake_url: str, stand_in_url: str | None) -> None:
        """Talk reaches the fake recording server and the signaling server (asked through the target)."""
        session = self._session(base_url, admin=True)
        try:
            self._welcome(
                session,
                "recording server",
                RECORDING_WELCOME,
                f"the fake recording server at {fake_url}",
                f"fake_recording_server_url must be an address the target can reach ({LOCAL_ADDRESSES_HINT};"
                " fake_recording_server_listen says where the fake binds)",
            )
            where = f"the signaling stand-in at {stand_in_url}" if stand_in_url else "its signaling server"
            hint = (
                f"signaling_stand_in_url must be an address the target can reach ({LOCAL_ADDRESSES_HINT})"
                if stand_in_url
                else "check the target's signaling_servers app config: Talk notifies it of every room change"
            )
            self._welcome(session, "signaling server", SIGNALING_WELCOME, where, hint)
        finally:
            session.close()

    def _welcome(self, session: TalkSession, name: str, path: str, where: str, hint: str) -> None:
        response = self._get(session, path, name, "the target stopped answering")
        data = _ocs_data(response)
        if response.status_code == 200 and isinstance(data, dict):
            version = data.get("version")
            self._passed(name, f"Talk reaches {where}{f' (version {version})' if version else ''}")
            return
        if response.status_code == 404 and name == "signaling server":
            # Not every implementation offers the signaling welcome check; room creation will tell.
            self._passed(name, f"not checked: the target has no {path.rsplit('/', 1)[0]} endpoint")
            return
        error = data.get("error") if isinstance(data, dict) else None
        said = f"{error}, HTTP {response.status_code}" if error else f"HTTP {response.status_code}"
        self._failed(name, f"Talk cannot reach {where} ({said} on GET {path})", hint)


def _ocs_data(response: Any) -> Any:
    try:
        return response.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        return None


def _database_type(data: Any) -> str | None:
    # serverinfo puts it at server.database.type; look for it anywhere, versions move things around.
    pending = [data]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            database = current.get("database")
            if isinstance(database, dict) and isinstance(database.get("type"), str):
                return database["type"]
            pending += list(current.values())
    return None


def _capabilities(response: Any) -> tuple[dict[str, Any] | None, str | None]:
    data = _ocs_data(response) if response.status_code == 200 else None
    try:
        spreed = data["capabilities"].get("spreed") or {}
    except (KeyError, TypeError, AttributeError):
        return None, None
    version = data.get("version", {}).get("string") if isinstance(data.get("version"), dict) else None
    return (spreed if isinstance(spreed, dict) else {}), version
