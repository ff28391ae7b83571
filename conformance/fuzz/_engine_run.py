"""Run the schemathesis engine over a loaded schema and turn its events into results and records."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from schemathesis.engine import Status, events, from_schema

from conformance.fuzz._replay import FailureRecord, curl_command
from conformance.reports import JUnitCase


@dataclass
class EngineResult:
    """What a run produced: per-scenario results, failure records and counts."""

    junit: list[JUnitCase] = field(default_factory=list)
    failures: list[FailureRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cases_by_phase: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total_cases(self) -> int:
        return sum(self.cases_by_phase.values())


def _phase_name(phase: Any) -> str:
    return str(getattr(phase, "value", phase)).lower()


def _records(event: Any, seed: int, phase: str) -> list[FailureRecord]:
    records = []
    recorder = event.recorder
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            if node.status != Status.FAILURE or node.failure_info is None:
                continue
            interaction = recorder.interactions.get(case_id)
            status, error = None, None
            if interaction is not None:
                request = interaction.request
                curl = curl_command(request.method, request.uri, request.headers, request.body)
                status, error = _answer(interaction.response)
            else:
                curl = node.failure_info.code_sample
            failure = node.failure_info.failure
            records.append(
                FailureRecord(
                    source="schemathesis",
                    operation=event.label or "stateful",
                    phase=phase,
                    check=node.name,
                    message=f"{failure.title}: {failure.message}".strip(),
                    seed=seed,
                    curl=curl,
                    status=status,
                    error=error,
                )
            )
    return records


def _answer(response: Any) -> tuple[int | None, str | None]:
    """Status and E1/E2 error string of a recorded answer (None where there is none)."""
    if response is None:
        return None, None
    status = getattr(response, "status_code", None)
    try:
        data = json.loads(response.content or b"null")["ocs"]["data"]
        error = data.get("error") if isinstance(data, dict) else None
        error = error.get("code") if isinstance(error, dict) else error
    except (ValueError, TypeError, KeyError, AttributeError):
        error = None
    return status, error if isinstance(error, str) else None


def run_engine(schema: Any, seed: int) -> EngineResult:
    """Execute every enabled phase and collect the outcome (never raises for target misbehaviour)."""
    result = EngineResult()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            phase = _phase_name(event.phase)
            result.cases_by_phase[phase] += len(event.recorder.cases)
            if event.status == Status.SKIP:
                continue
            records = _records(event, seed, phase)
            # Hypothesis replays a failing example; report each distinct failure once.
            for record in records:
                if all(
                    (r.operation, r.check, r.message) != (record.operation, record.check, record.message)
                    for r in result.failures
                ):
                    result.failures.append(record)
            label = event.label or "stateful scenarios"
            case = _junit_case(result.junit, f"{label} [{phase}]", phase)
            case.seconds += event.elapsed_time
            for record in records:
                text = f"{record.check}: {record.message}\n{record.curl}"
                if text not in case.failures:
                    case.failures.append(text)
            if event.status == Status.ERROR and not records:
                case.errors.append(f"{label}: the scenario errored (the error is reported separately)")
        elif isinstance(event, events.NonFatalError):
            message = f"{event.label}: {event.info.format()}" if hasattr(event, "info") else str(event)
            result.errors.append(message)
            _junit_case(result.junit, str(event.label), "errors").errors.append(message)
        elif isinstance(event, events.FatalError):
            result.errors.append(f"schemathesis stopped: {event.exception}")
    result.seconds = time.monotonic() - started
    return result


def _junit_case(cases: list[JUnitCase], name: str, phase: str) -> JUnitCase:
    for case in cases:
        if case.name == name:
            return case
    case = JUnitCase(name=name, classname=f"fuzz.{phase}")
    cases.append(case)
    return case
