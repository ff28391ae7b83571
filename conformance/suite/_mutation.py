"""The mutation self-test: the scenarios against each mutant of the reference server; all must be killed."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from conformance.command_line import command_parser, parse_command_line, refuse
from conformance.outcomes import SetupError
from conformance.reports import SUMMARY_FILE
from conformance.resources import binding_module
from conformance.target import EMBEDDED_UPLOAD_LIMIT_BYTES, ENV_PREFIX, EmbeddedServer

PROG = "talk-conformance self-test"
EXIT_KILLED_ALL, EXIT_SURVIVORS, EXIT_USAGE, EXIT_SETUP = 0, 1, 2, 3
BASELINE = "(faithful server)"
RUN_TIMEOUT_SECONDS = 300.0
KILLERS_SHOWN = 5
# The suite's own ini, so a pytest configuration of the caller's directory cannot change the runs.
_INI = (
    "[pytest]\naddopts = --strict-markers\nxfail_strict = true\nfilterwarnings =\n"
    "    ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning\n"
)


@dataclass
class MutantRun:
    """What the scenarios said about one mutant (or the faithful server)."""

    name: str
    rule: str
    failed: list[str] = field(default_factory=list)  # "feature: scenario" of every failed scenario
    errors: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)  # every scenario that ran
    problem: str | None = None  # the run itself broke (server did not start, no report)
    duration: float = 0.0

    def killers(self, baseline_failures: set[str]) -> list[str]:
        """Scenarios that failed here but pass on the faithful server."""
        return [scenario for scenario in self.failed if scenario not in baseline_failures]


@dataclass
class SelfTestResult:
    """Every mutant's run, the faithful baseline, and the scenarios seen."""

    baseline: MutantRun
    runs: list[MutantRun]
    scenarios: list[str]
    duration: float

    def killed(self) -> list[MutantRun]:
        """Mutants at least one scenario killed."""
        baseline = set(self.baseline.failed)
        return [run for run in self.runs if run.problem is None and run.killers(baseline)]

    def score(self) -> float:
        """Killed mutants in percent."""
        return 100.0 * len(self.killed()) / len(self.runs) if self.runs else 0.0

    def kills_per_scenario(self) -> dict[str, int]:
        """How many mutants each scenario kills."""
        baseline = set(self.baseline.failed)
        counts = dict.fromkeys(self.scenarios, 0)
        for run in self.runs:
            for scenario in run.killers(baseline):
                counts[scenario] = counts.get(scenario, 0) + 1
        return counts

    def clean(self) -> bool:
        """Every mutant killed, and the faithful server passes: only then do the kills mean something."""
        baseline_ok = self.baseline.problem is None and not self.baseline.failed and not self.baseline.errors
        return baseline_ok and bool(self.runs) and len(self.killed()) == len(self.runs)

    def to_dict(self) -> dict:
        """JSON form (``--report FILE``)."""
        baseline = set(self.baseline.failed)
        return {
            "score": round(self.score(), 1),
            "clean": self.clean(),
            "duration": round(self.duration, 1),
            "baseline": {"failed": self.baseline.failed, "errors": self.baseline.errors},
            "mutants": [
                {
                    "name": run.name,
                    "rule": run.rule,
                    "killed": run in self.killed(),
                    "killers": run.killers(baseline),
                    "errors": run.errors,
                    "problem": run.problem,
                    "duration": round(run.duration, 1),
                }
                for run in self.runs
            ],
            "kills_per_scenario": self.kills_per_scenario(),
        }


def mutant_catalogue(
    package: str = "reference_server", server: str = "the reference server"
) -> dict[str, str]:
    """Name → rule of every mutant, asked of a reference implementation's command (never imported)."""
    try:
        completed = subprocess.run(
            [sys.executable, "-m", package, "--list-mutants"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"cannot ask {server} for its mutants ({exc})") from None
    if completed.returncode != 0:
        raise SetupError(f"{server} cannot list its mutants: {completed.stderr.strip()}")
    pairs = (line.split("\t", 1) for line in completed.stdout.splitlines() if "\t" in line)
    return {name: rule for name, rule in pairs}


def run_one(name: str | None, rule: str, binding: Path, exit_first: bool) -> MutantRun:
    """Start the reference server (with mutant ``name``, or faithful for None) and run every scenario."""
    run = MutantRun(name or BASELINE, rule)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="talk-self-test-") as work:
        work_dir = Path(work)
        server = EmbeddedServer(
            work_dir / "server", upload_max_bytes=EMBEDDED_UPLOAD_LIMIT_BYTES, mutant=name
        )
        try:
            url = server.start()
        except SetupError as exc:
            run.problem = str(exc)
            return run
        try:
            _run_scenarios(run, url, binding, work_dir, exit_first)
        finally:
            server.stop()
    run.duration = time.monotonic() - started
    return run


def _run_scenarios(run: MutantRun, url: str, binding: Path, work_dir: Path, exit_first: bool) -> None:
    ini = work_dir / "pytest.ini"
    ini.write_text(_INI, encoding="utf-8")
    reports = work_dir / "reports"
    command = [
        sys.executable, "-m", "pytest", str(binding), "-c", str(ini), "--rootdir", str(binding.parent.parent),
        "-p", "no:cacheprovider", "-q", "--tb=no", "--no-header",
        "--target-url", url, "--conformance-report-dir", str(reports),
        "--expectations", "none",  # a mutant is killed by any failure; no file may excuse one
    ]  # fmt: skip
    if exit_first:
        command.append("--stop-at-first-failure")  # a mutant is killed once one scenario fails
    # Only the URL and the bundled server's known upload limit: a caller's profile must not leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    env[ENV_PREFIX + "UPLOAD_LIMIT_BYTES"] = str(EMBEDDED_UPLOAD_LIMIT_BYTES)
    run_mutant_scenarios(run, command, env, reports / SUMMARY_FILE, RUN_TIMEOUT_SECONDS)


def run_mutant_scenarios(
    run: MutantRun, command: Sequence[str], env: dict[str, str], summary: Path, timeout: float
) -> None:
    """Run one mutant's pytest in a child process, quietly, and fold its summary.json into ``run``."""
    try:
        subprocess.run(
            list(command),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        run.problem = f"the scenarios did not finish within {timeout:g}s"
        return
    read_summary(run, summary)


def read_summary(run: MutantRun, path: Path) -> None:
    """Fold a run's summary.json into what the mutant's run says (failed, errors, every scenario)."""
    if not path.is_file():
        run.problem = "the scenarios wrote no summary.json"
        return
    summary = json.loads(path.read_text(encoding="utf-8"))
    if summary.get("setup_error"):
        run.problem = f"setup error: {summary['setup_error']}"
    for scenario in summary.get("scenarios", []):
        label = f"{scenario['feature']}: {scenario['name']}"
        if scenario["verdict"] == "failed":
            run.failed.append(label)
        elif scenario["verdict"] == "error":
            run.errors.append(label)
        run.scenarios.append(label)


# How one mutant (None: the faithful server) with its rule is run: (name, rule, binding, exit_first).
RunOne = Callable[[str | None, str, Path, bool], MutantRun]


def run_mutants(
    known: dict[str, str],
    names: Sequence[str] | None,
    workers: int,
    exit_first: bool,
    run: RunOne,
    binding: Path,
) -> SelfTestResult:
    """The faithful server, then each mutant (all when ``names`` is empty), ``workers`` at a time."""
    chosen = list(names) if names else list(known)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"unknown mutant(s) {', '.join(unknown)}; known mutants: {', '.join(sorted(known))}")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # The faithful server runs in full (never -x): its failures are excluded from every mutant's killers.
        baseline_future = pool.submit(run, None, "every rule kept", binding, False)
        futures = [pool.submit(run, name, known[name], binding, exit_first) for name in chosen]
        baseline = baseline_future.result()
        runs = [future.result() for future in futures]
    return SelfTestResult(baseline, runs, baseline.scenarios, time.monotonic() - started)


def run_self_test(
    names: Sequence[str] | None = None, workers: int = 2, exit_first: bool = False
) -> SelfTestResult:
    """Run the faithful server and each mutant (all when ``names`` is empty), ``workers`` at a time."""
    return run_mutants(mutant_catalogue(), names, workers, exit_first, run_one, binding_module())


def report_lines(result: SelfTestResult, exit_first: bool) -> list[str]:
    """The self-test's terminal output."""
    baseline = set(result.baseline.failed)
    killed = result.killed()
    lines = [
        f"mutation score: {len(killed)}/{len(result.runs)} mutants killed ({result.score():.1f}%) "
        f"in {result.duration:.1f}s"
    ]
    if result.baseline.problem:
        lines.append(f"faithful server: run broke: {result.baseline.problem}")
    for label in result.baseline.failed + result.baseline.errors:
        lines.append(f"faithful server fails (excluded from killers): {label}")
    for run in result.runs:
        if run.problem is not None:
            lines.append(f"  BROKEN   {run.name}: {run.problem}")
            continue
        killers = run.killers(baseline)
        if not killers:
            lines.append(f"  SURVIVED {run.name}: nothing noticed that {run.rule}")
            continue
        lines.append(f"  killed   {run.name} ({run.rule}) by {len(killers)} scenario(s):")
        lines += [f"             {killer}" for killer in killers[:KILLERS_SHOWN]]
        if len(killers) > KILLERS_SHOWN:
            lines.append(f"             ... and {len(killers) - KILLERS_SHOWN} more (see --report)")
    if exit_first:
        lines.append("(-x: each mutant stopped at its first killer; kills per scenario are not counted)")
    else:
        idle = [scenario for scenario, count in result.kills_per_scenario().items() if count == 0]
        lines.append(f"scenarios that kill no mutant: {len(idle)} of {len(result.scenarios)}")
        lines += [f"  {scenario}" for scenario in idle]
    lines.append("verdict: " + ("every mutant killed" if result.clean() else "NOT every mutant killed"))
    return lines


def self_test_parser(prog: str = PROG, description: str | None = None) -> argparse.ArgumentParser:
    """Options of a self-test command (`talk-conformance self-test` unless told otherwise)."""
    parser = command_parser(
        prog,
        description
        or "Run the scenarios against every mutant of the bundled reference server (each breaks "
        "one documented rule); exit 1 unless every mutant is killed by at least one scenario.",
    )
    parser.add_argument(
        "--mutant", action="append", default=[], metavar="NAME", help="only this mutant (repeatable)"
    )
    parser.add_argument(
        "-n", "--workers", type=int, default=2, metavar="N", help="mutants run in parallel (default 2)"
    )
    parser.add_argument(
        "-x", "--exitfirst", action="store_true", help="stop each mutant's run at its first killed scenario"
    )
    parser.add_argument("--report", metavar="FILE", help="also write the result as JSON to FILE")
    return parser


def self_test_command(
    args: Sequence[str],
    parser: argparse.ArgumentParser | None = None,
    run: Callable[[Sequence[str], int, bool], SelfTestResult] = run_self_test,
) -> int:
    """Print the mutation score and the killers; exit 0 only when every mutant is killed."""
    parser = parser or self_test_parser()
    options = parse_command_line(parser, args)
    if isinstance(options, int):
        return options
    if options.workers < 1:
        return refuse(parser.prog, "-n must be at least 1")
    try:
        result = run(options.mutant, options.workers, options.exitfirst)
    except ValueError as exc:
        return refuse(parser.prog, exc)
    except SetupError as exc:
        print(f"{parser.prog}: setup error: {exc}", file=sys.stderr)
        return EXIT_SETUP
    for line in report_lines(result, options.exitfirst):
        print(line)
    if options.report:
        Path(options.report).write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    return EXIT_KILLED_ALL if result.clean() else EXIT_SURVIVORS
