"""`talk-conformance fuzz`: spec-driven fuzzing plus the model-based state-machine test."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml
from schemathesis.config import ConfigError
from schemathesis.core.errors import InvalidSchema

from conformance.command_line import command_parser, parse_command_line, refuse
from conformance.fuzz._engine_run import EngineResult, run_engine
from conformance.fuzz._model_run import ModelResult, run_model
from conformance.fuzz._replay import FailureRecord, write_records
from conformance.fuzz._schema_loading import PHASES, FuzzSettings, load_schema, read_contract
from conformance.fuzz._target import prepared_target
from conformance.outcomes import SetupError, Unsupported
from conformance.redaction import Redactor
from conformance.reports import default_report_dir, unusable_report_dir, write_junit
from conformance.resources import contract_path, deviations_path
from conformance.target import announce_unverified, load_profile

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_SETUP = 0, 1, 2, 3
PROG = "talk-conformance fuzz"
DEFAULT_SEED = 20260627
ALL_PHASES = (*PHASES, "model")


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        PROG,
        "Fuzz the recording API from the contract (schemathesis) and test its status machine "
        "against a model. Without a target, the bundled reference server is started.",
    )
    parser.add_argument("--target-url", help="base URL of the Nextcloud (or other target) under test")
    parser.add_argument("--target-profile", help="YAML target profile (accounts, secret, fake server)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--max-examples", type=_positive_int, help="examples per operation (fuzzing phase)")
    budget.add_argument("--max-time", type=_positive_int, help="time budget of schemathesis, in seconds")
    parser.add_argument("--seed", type=int, help="seed; without one a fixed seed and derandomized generation")
    parser.add_argument(
        "--report-dir",
        default=default_report_dir("fuzz"),
        help=f"where summary.json, JUnit and the failure records go (default ./{default_report_dir('fuzz')})",
    )
    parser.add_argument(
        "--phases",
        default=",".join(ALL_PHASES),
        help=f"comma-separated subset of {','.join(ALL_PHASES)} (default: all)",
    )
    parser.add_argument("--model-examples", type=_positive_int, help="sequences the model-based test tries")
    parser.add_argument(
        "--expectations",
        type=Path,
        help="the target's expectations file (docs/expectations.md): a finding explained by a register entry "
        "it cites is reported as expected, with the entry's id, and does not fail the run",
    )
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _phases(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [part for part in chosen if part not in ALL_PHASES]
    if unknown or not chosen:
        named = ", ".join(unknown) or "(none given)"
        raise ValueError(f"unknown phase(s) {named}; known: {', '.join(ALL_PHASES)}")
    return chosen


def run_fuzz(argv: Sequence[str] | None = None) -> int:
    """Entry point of `talk-conformance fuzz`; returns the exit status (0 clean, 1 findings, 2/3 errors)."""
    parser = build_parser()
    args = parse_command_line(parser, argv)
    if isinstance(args, int):
        return args
    try:
        phases = _phases(args.phases)
    except ValueError as error:
        return refuse(PROG, error)
    try:
        profile = load_profile(args.target_url, args.target_profile, os.environ)
    except SetupError as error:
        return refuse(PROG, error)
    announce_unverified(profile.tls_verify)
    redactor = Redactor(profile.secrets())
    settings = FuzzSettings(
        max_examples=args.max_examples or (None if args.max_time else 100),
        max_time=args.max_time,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        deterministic=args.seed is None,
        phases=tuple(phase for phase in phases if phase in PHASES),
    )
    report_dir = Path(args.report_dir)
    problem = unusable_report_dir(report_dir)
    if problem is not None:
        return refuse(PROG, f"--report-dir: {problem}")
    engine: EngineResult | None = None
    model: ModelResult | None = None
    try:
        document = read_contract(contract_path())
    except (OSError, yaml.YAMLError) as error:
        return refuse(PROG, f"cannot read the contract: {error}")
    try:
        known = _known_findings(args.expectations)
    except SetupError as error:
        return refuse(PROG, error)
    try:
        with prepared_target(profile) as target:
            # The model first: the stateful phase's bad signatures would otherwise have a target without a
            # reset (a real Nextcloud) throttle the model's own signed calls with 429.
            if "model" in phases:
                examples = args.model_examples or max(10, (settings.max_examples or 100) // 4)
                model = run_model(
                    target.model_environment(),
                    examples=examples,
                    steps=12,
                    seed=settings.seed,
                    derandomize=settings.deterministic,
                )
                target.guard.reset_now()
            if settings.phases:
                schema = load_schema(target.fuzz_inputs(), document, settings)
                engine = run_engine(schema, settings.seed)
    except (SetupError, Unsupported) as error:
        print(redactor.text(f"talk-conformance fuzz: setup failed: {error}"), file=sys.stderr)
        return EXIT_SETUP
    except (ConfigError, InvalidSchema) as error:
        # A contract or configuration schemathesis cannot use: say what is wrong, without a traceback.
        print(redactor.text(f"talk-conformance fuzz: cannot load the contract: {error}"), file=sys.stderr)
        return EXIT_USAGE
    return _report(engine, model, report_dir, redactor, settings, known)


def _known_findings(path: Path | None) -> Callable[[list[FailureRecord]], list[FailureRecord]]:
    """Marks the records an expectations file expects; unchanged records without one."""
    if path is None:
        return lambda records: records
    from conformance.fuzz._expectations import (
        EXPECTED,
        failed_differently,
        finding_of,
        judge,
        load_register,
        pins,
    )

    pinned = pins(path)
    register = load_register(deviations_path())

    def mark(records: list[FailureRecord]) -> list[FailureRecord]:
        marked = []
        for record in records:
            finding = finding_of(record, records)
            verdict = judge(finding, register, set(pinned))
            expected_by = verdict.entry if verdict.kind == EXPECTED else None
            # Like a scenario: expected only with the answer the file pins for that register entry.
            differently = failed_differently(finding, pinned.get(expected_by or "", ()), path.name)
            if differently is not None:
                expected_by = None
            marked.append(
                dataclasses.replace(record, expected_by=expected_by, failed_differently=differently)
            )
        return marked

    return mark


def _report(
    engine: EngineResult | None,
    model: ModelResult | None,
    report_dir: Path,
    redactor: Redactor,
    settings: FuzzSettings,
    known: Callable[[list[FailureRecord]], list[FailureRecord]] = lambda found: found,
) -> int:
    junit = (engine.junit if engine else []) + ([model.junit] if model else [])
    failures = known(
        [
            dataclasses.replace(
                record, message=redactor.text(record.message), curl=redactor.text(record.curl)
            )
            for record in (engine.failures if engine else []) + (model.failures if model else [])
        ]
    )
    expected = [record for record in failures if record.expected_by]
    unexpected = [record for record in failures if not record.expected_by]
    # Engine errors (network errors, timeouts, crashes of the target) concern the target: findings.
    # Model errors are setup errors (a setup request failed mid-run).
    engine_errors = engine.errors if engine else []
    errors = engine_errors + (model.junit.errors if model else [])
    for case in junit:
        case.failures = [redactor.text(text) for text in case.failures]
        case.errors = [redactor.text(text) for text in case.errors]
    write_junit(junit, report_dir / "junit.xml", "talk-conformance-fuzz")
    write_records(failures, report_dir)
    summary = {
        "seed": settings.seed,
        "deterministic": settings.deterministic,
        "cases_by_phase": dict(engine.cases_by_phase) if engine else {},
        "total_cases": engine.total_cases if engine else 0,
        "schemathesis_seconds": round(engine.seconds, 3) if engine else 0,
        "model_steps": model.steps if model else 0,
        "model_seconds": round(model.seconds, 3) if model else 0,
        "failures": len(unexpected),
        "expected_failures": len(expected),
        "failed_differently": sum(1 for record in failures if record.failed_differently),
        "errors": len(errors),
    }
    code = EXIT_FINDINGS if unexpected or engine_errors else EXIT_SETUP if errors else EXIT_CLEAN
    summary["verdict"] = VERDICTS[code]
    (report_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if engine:
        phases = ", ".join(f"{phase} {count}" for phase, count in sorted(engine.cases_by_phase.items()))
        took = f"{engine.seconds:.1f}s"
        print(f"schemathesis: {engine.total_cases} cases ({phases}) in {took}, seed {settings.seed}")
    if model:
        print(f"state model: {model.steps} steps in {model.seconds:.1f}s")
    for record in failures:
        where = f"{record.operation} [{record.phase}] {record.check}"
        label = f"EXPECTED ({record.expected_by})" if record.expected_by else "FAILURE"
        if record.failed_differently:
            label = "FAILED DIFFERENTLY"
            print(redactor.text(f"{label} {where}: {record.failed_differently}"))
        print(redactor.text(f"{label} {where}: {record.message}"))
        print(redactor.text(f"  replay: {record.curl.splitlines()[0] if record.curl else '(no request)'}"))
    for error in errors:
        print(redactor.text(f"ERROR {error}"))
    written = ("summary.json", "junit.xml", "failures.jsonl", "replay.sh")
    reports = ", ".join(str(report_dir / name) for name in written)
    print(f"reports: {reports}")
    print(verdict_line(code, summary))
    return code


VERDICTS = {EXIT_CLEAN: "passed", EXIT_FINDINGS: "failed", EXIT_SETUP: "error"}


def verdict_line(code: int, summary: dict) -> str:
    """The last line of a fuzz run: its verdict, counted (also in summary.json)."""
    findings = summary["failures"] + summary["expected_failures"]
    cases = summary["total_cases"]
    model = f" and {summary['model_steps']} model steps" if summary["model_steps"] else ""
    errors = f", {summary['errors']} error(s)" if summary["errors"] else ""
    return (
        f"fuzz verdict: {VERDICTS[code]}: {cases} cases{model}, {findings} finding(s):"
        f" {summary['expected_failures']} expected, {summary['failures']} unexpected{errors}"
    )
