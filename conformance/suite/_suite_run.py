"""The run a pytest process of the suite works against: its profile, and the run started once and stopped."""

from __future__ import annotations

from collections.abc import Callable

from conformance.outcomes import SetupError, Unsupported
from conformance.redaction import Redactor
from conformance.reports import RunSummary, redacted_profile
from conformance.suite import _xdist_handoff as xdist_handoff
from conformance.suite._command_run import CommandRun
from conformance.suite._pytest_options import SuiteOptions
from conformance.suite._run_directory import RunDirectory
from conformance.suite._run_traffic import RunTraffic
from conformance.target import (
    Expectations,
    ProfileError,
    RunContext,
    TargetProfile,
    announce_unverified,
    clean_target,
    drain_background_cleanups,
    hand_over_cleanup_problems,
    load_expectations,
    load_profile,
    read_target_traces,
    set_up_run,
)
from conformance.traffic import traffic_outside_scenario


class ProfileSource:
    """The run's profile, loaded at most once per process; the one handed over when there is one."""

    def __init__(
        self, options: SuiteOptions, given: TargetProfile | None, redactor: Redactor, env: dict
    ) -> None:
        self._options = options
        self._profile = given
        self._error: ProfileError | None = None
        self._redactor = redactor
        self._env = env
        if given is not None:
            redactor.add(*given.secrets())

    def get(self) -> TargetProfile:
        """The profile (ProfileError when the options or the profile file are unusable)."""
        if self._profile is None and self._error is None:
            try:
                options = self._options
                self._profile = load_profile(
                    options.target_url, options.target_profile, self._env, options.expectations
                )
                self._redactor.add(*self._profile.secrets())
            except ProfileError as error:
                self._error = error
        if self._error is not None:
            raise self._error
        assert self._profile is not None
        return self._profile

    def or_none(self) -> TargetProfile | None:
        """The profile for skip decisions, or None when it is unusable (the run fixture reports why)."""
        try:
            return self.get()
        except ProfileError:
            return None


class SuiteRun:
    """Starts the run on first use (or adopts the command's set-up), publishes it to workers, stops it."""

    def __init__(
        self,
        profiles: ProfileSource,
        directory: RunDirectory,
        summary: RunSummary,
        traffic: RunTraffic,
        say: Callable[[str], None],
        command_run: CommandRun | None,
        is_worker: bool,
    ) -> None:
        self.profiles = profiles
        self.directory = directory
        self.summary = summary
        self.traffic = traffic
        self._say = say
        self._command_run = command_run
        self._is_worker = is_worker
        self._redactor = traffic.redactor
        self._context: RunContext | None = None
        self._failure: BaseException | None = None
        self._stop: Callable[[], list[str]] | None = None
        self._expectations: Expectations | None = None

    @property
    def started(self) -> RunContext | None:
        """The run's context once this process started or read it."""
        return self._context

    def context(self) -> RunContext:
        """The run context, starting everything on first use (single process) or reading it (xdist worker)."""
        if self._is_worker:
            if self._context is None:
                context = xdist_handoff.read_run(self.directory.path)
                self._redactor.add(*context.profile.secrets())
                self.traffic.start(context.profile, restart=False)
                self._context = context
            return self._context
        if self._context is None and self._failure is None:
            self._start()
        if self._failure is not None:
            raise self._failure
        assert self._context is not None
        return self._context

    def start_for_workers(self) -> None:
        """Controller under xdist: start once and publish the context (or the failure) for the workers."""
        if self._context is not None or self._failure is not None:
            return
        self._start()
        xdist_handoff.publish_run(self.directory.path, self._context, self._failure)

    def _start(self) -> None:
        try:
            self._context = self._started(self.profiles.get())
        except (SetupError, Unsupported) as exc:
            self._failure = type(exc)(self._redactor.text(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a readable message beats a traceback from our own setup
            self._failure = SetupError(
                self._redactor.text(f"preparing the run failed: {type(exc).__name__}: {exc}")
            )
        if isinstance(self._failure, SetupError):
            self.summary.setup_error = str(self._failure)
        elif isinstance(self._failure, Unsupported):
            self.summary.setup_error = None

    def _started(self, profile: TargetProfile) -> RunContext:
        announce_unverified(profile.tls_verify, self._say)
        self.summary.profile = redacted_profile(profile.to_dict())
        self.summary.target_url = profile.url
        # An unusable file stops the run before it starts.
        given = load_expectations(profile.expectations) if profile.expectations is not None else None
        self.directory.path.mkdir(parents=True, exist_ok=True)
        self.traffic.start(profile)
        adopted = self._command_run.take_prepared() if self._command_run is not None else None
        if adopted is not None:
            prepared, self._stop = adopted  # the command's preflight set it up and printed its line
        else:
            # The command may have started the bundled server already, while pytest started.
            launched = self._command_run.take_launched_server() if self._command_run is not None else None
            with traffic_outside_scenario():
                prepared, self._stop = set_up_run(profile, self.directory.path, launched_server=launched)
            if prepared.expectations_line:
                self._say(prepared.expectations_line)
        self._redactor.add(*prepared.secrets())
        context = prepared.context(self.directory.lock_path)
        self.summary.target_url = context.base_url
        self.summary.target_release = context.target_release.describe()
        self.summary.target_talk_version = context.target_release.version
        self.summary.target_is_reference = context.target_release.is_reference
        chosen = context.profile.expectations
        if chosen is not None:
            self.summary.expectations = str(chosen)
            # `auto`'s choice is checked as strictly as a given file, and read once for the whole run.
            same = given is not None and given.path == chosen
            self._expectations = given if same else load_expectations(chosen)
        self.summary.profile = redacted_profile(profile.to_dict(), context.base_url)
        return context

    def expectations(self) -> Expectations | None:
        """The run's expectations once it has started (`auto` resolved); None without, or before the start."""
        if self._expectations is None:
            context = self._context  # a worker's too, once its first scenario read it
            if context is None or context.profile.expectations is None:
                return None
            try:  # checked when the run started
                self._expectations = load_expectations(context.profile.expectations)
            except ProfileError:
                return None
        return self._expectations

    def unmatched_expectations(self) -> list[str]:
        """Entries that match no scenario any process collected; nothing when none was collected.

        A file `auto` chose is the whole suite's: only entries of the feature files collected are checked.
        """
        expectations = self.expectations()
        keys = self.directory.collected_keys()
        if expectations is None or keys is None:
            return []
        auto = self._context is not None and self._context.profile.auto_expectations
        return expectations.unmatched_messages(expectations.matched(keys), keys if auto else None)

    def stop_local(self) -> list[str]:
        """Single process or controller: clean the target and stop what this process started; the problems."""
        if self._is_worker or not self._stop:
            return []
        self._clean_target()
        problems = [self._redactor.text(problem) for problem in self._stop()]
        self._stop = None
        self.summary.cleanup_errors.extend(problems)
        return problems

    def _clean_target(self) -> None:
        """Remove what the scenarios left on the target besides their rooms (target clean-up)."""
        if self._context is None:
            return
        traces = read_target_traces(self.directory.path)
        left = clean_target(self._context.profile, self._context.base_url, traces)
        self.summary.left_on_target = [self._redactor.text(line) for line in left]

    def drain_background(self) -> list[str]:
        """Wait for rooms still being deleted in the background; the problems (a worker hands them on)."""
        leftovers = [self._redactor.text(problem) for problem in drain_background_cleanups()]
        if self._is_worker:
            hand_over_cleanup_problems(self.directory.path, leftovers)
            return []
        return leftovers
