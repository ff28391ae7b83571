"""What a recorded run of a real server says about each scenario as it is now.

A shipped recording (conformance/recordings/<name>/) holds the run's summary and the fingerprints of the
feature files it ran. For every current scenario this module finds the recorded scenario that sent the same
requests and judges the answer the real server gave:

* unchanged (same fingerprint): the recorded verdict stands. A recorded failure the contract no longer
  refuses (the contract changed since, e.g. a message pattern) is judged again from the recorded answer.
* judged otherwise (same sent fingerprint, other Then steps) or repeating a recorded scenario (a new scenario
  of the same feature whose Given and When steps equal exactly one recorded scenario's): the recorded answer
  of that request is judged by the scenario's first Then step. Later Then steps were not run on it, so such a
  verdict says "up to the first Then step" (`partial`).
* anything else is "not recorded".

The judged answer of a recorded scenario is the one its first Then step checked: the `assertions` of a
passed scenario, or the response quoted in a failed scenario's message.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from gherkin.parser import Parser

from conformance import resources
from conformance.protocol import Answer, ContractViolation, answer_of, holds_for, load_contract, release_range
from conformance.traffic import _recordings as recordings
from conformance.traffic.scenario_fingerprints import (
    Fingerprint,
    current_fingerprints,
    load_recorded,
    recorded_counterpart,
)

_RESPONSE = re.compile(
    r"^response: HTTP (?P<status>\d+) ?(?P<media>[^\n]*)\n  body: (?P<body>.*)$", re.MULTILINE
)
_REQUEST = re.compile(r"^request: (?P<method>[A-Z]+) (?P<path>\S+)$", re.MULTILINE)
_REFUSED = re.compile(
    r'^the \w+ is refused with status (?P<status>\d+) and error(?: code)? "(?P<error>[^"]+)"$'
)
_SUCCEEDS = re.compile(r"^the \w+ succeeds$")
_CONTRACT_BREAK = "the response breaks the contract"
FAILED_VERDICTS = ("failed", "error", "expected failure", "failed differently")
NOT_FOR_RELEASE = "not for this release"  # RecordedVerdict.how of a scenario whose release tags exclude it


@dataclass(frozen=True)
class RecordedVerdict:
    """How the recording judges one current scenario."""

    how: str  # "unchanged", "judged again", "repeats <recorded name>", "not recorded", "skipped",
    # or NOT_FOR_RELEASE
    failed: bool = False
    answer: Answer | None = None
    partial: bool = False  # judged up to the first Then step only


def judged_answer(scenario: Mapping[str, Any]) -> Answer | None:
    """The answer the recorded scenario's judging Then step saw (None when the summary does not show it)."""
    if scenario.get("verdict") in FAILED_VERDICTS:
        quoted = _quoted_response(scenario.get("message") or "")
        return None if quoted is None else answer_of(quoted[0], quoted[2].encode("utf-8"), quoted[1])
    for record in scenario.get("assertions") or []:
        if record.get("kind") == "response":
            return Answer(record["status"], record.get("statuscode"), record.get("error"))
    return None


def required_answer(then_step: str) -> tuple[int, str | None] | None:
    """(status, error) a Then step requires, for the steps that name them; None for any other step."""
    refused = _REFUSED.match(then_step)
    if refused:
        return int(refused["status"]), refused["error"]
    return (200, None) if _SUCCEEDS.match(then_step) else None


def meets(answer: Answer, required: tuple[int, str | None]) -> bool:
    """Whether an answer is what a refused/succeeds step requires (the OCS statuscode equals the status)."""
    status, error = required
    return answer.status == status and answer.statuscode == status and answer.error == error


def contract_accepts_recorded_failure(scenario: Mapping[str, Any]) -> bool:
    """Whether a recorded contract break is one the current contract accepts (the contract changed since)."""
    message = scenario.get("message") or ""
    quoted, request = _quoted_response(message), _REQUEST.search(message)
    if _CONTRACT_BREAK not in message or quoted is None or request is None:
        return False
    status, media_type, body = quoted
    response = requests.Response()
    response.status_code = status
    response._content = body.encode("utf-8")  # noqa: SLF001 - a recorded answer replayed for the validator
    response.headers["Content-Type"] = media_type
    response.request = requests.Request(request["method"], "http://recorded" + request["path"]).prepare()
    try:
        load_contract().check_response(response)
    except ContractViolation:
        return False
    return True


def first_then_steps(feature_text: str) -> dict[str, str]:
    """The text of each scenario's first Then step, by scenario title (placeholders left as written)."""
    feature = Parser().parse(feature_text).get("feature") or {}
    found: dict[str, str] = {}
    children = list(feature.get("children", []))
    while children:
        child = children.pop(0)
        if "rule" in child:
            children += child["rule"]["children"]
        scenario = child.get("scenario")
        for step in (scenario or {}).get("steps", []):
            if step["keyword"].strip().lower() == "then":
                found[scenario["name"]] = step["text"]
                break
    return found


def scenario_release_ranges(feature_text: str) -> dict[str, tuple[int | None, int | None]]:
    """(since, until) Talk releases of each scenario by title, from its @since-talk:N / @until-talk:N tags."""
    feature = Parser().parse(feature_text).get("feature") or {}
    found: dict[str, tuple[int | None, int | None]] = {}
    for child in feature.get("children", []):
        scenario = child.get("scenario")
        if scenario is not None:
            found[scenario["name"]] = release_range(tag["name"] for tag in scenario.get("tags", []))
    return found


def judge(
    current: Fingerprint,
    then_step: str | None,
    recorded: Mapping[str, Fingerprint],
    summary: Mapping[str, Mapping[str, Any]],
) -> RecordedVerdict:
    """The recording's verdict on one current scenario (summary: recorded scenarios by fingerprint key)."""
    found = recorded_counterpart(current, recorded)
    if found is None or found[0].key not in summary:
        return RecordedVerdict("not recorded")
    counterpart, how = found
    scenario = summary[counterpart.key]
    if scenario.get("verdict") == "skipped":
        return RecordedVerdict("skipped")
    answer = judged_answer(scenario)
    failed = scenario.get("verdict") in FAILED_VERDICTS
    required = required_answer(then_step) if then_step is not None else None
    if how == "unchanged":
        if failed and required and answer and meets(answer, required):
            # the Then step's answer was right; a contract rule since relaxed refused it
            failed = not contract_accepts_recorded_failure(scenario)
            return RecordedVerdict(how, failed, answer, partial=not failed)
        return RecordedVerdict(how, failed, answer)
    if required is None or answer is None:
        return RecordedVerdict("not recorded")
    failed = not meets(answer, required)
    return RecordedVerdict(how, failed, answer, partial=not failed)


def _quoted_response(message: str) -> tuple[int, str, str] | None:
    found = _RESPONSE.search(message)
    if found is None:
        return None
    try:
        body = ast.literal_eval(found["body"].strip())
    except (ValueError, SyntaxError):
        return None
    return int(found["status"]), found["media"].strip(), body if isinstance(body, str) else ""


def recorded_summary(directory: Path) -> dict[str, dict[str, Any]]:
    """A recording's summary.json scenarios by fingerprint key (feature file :: name)."""
    fingerprints = load_recorded(directory / "scenarios.json")
    by_title = {(item.feature_title, item.name): key for key, item in fingerprints.items()}
    summary = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
    return {by_title[(scenario["feature"], scenario["name"])]: scenario for scenario in summary["scenarios"]}


def verdicts_of_recording(
    name: str, recordings_dir: Path | None = None, features_dir: Path | None = None
) -> dict[str, RecordedVerdict]:
    """What a shipped recording says of every current scenario, by fingerprint key (feature file :: name).

    Reads <recordings_dir>/<name>/ (scenarios.json, summary.json, recording.json's talk_release) and the
    current feature files; a scenario whose @since-talk/@until-talk tags exclude the recorded release is
    NOT_FOR_RELEASE.
    """
    directory = (recordings_dir / name) if recordings_dir is not None else recordings.directory(name)
    metadata_path = directory / recordings.METADATA_FILE
    metadata = json.loads(metadata_path.read_text(encoding="utf-8")) if metadata_path.is_file() else {}
    release = metadata.get("talk_release")
    features = features_dir or resources.features_dir()
    thens, bounds = {}, {}
    for path in sorted(features.glob("*.feature")):
        text = path.read_text(encoding="utf-8")
        thens[path.name], bounds[path.name] = first_then_steps(text), scenario_release_ranges(text)
    recorded, summary = load_recorded(directory / "scenarios.json"), recorded_summary(directory)
    verdicts = {}
    for key, fingerprint in current_fingerprints(features).items():
        scenario_bounds = bounds[fingerprint.feature].get(fingerprint.scenario, (None, None))
        if isinstance(release, int) and not holds_for(scenario_bounds, release):
            verdicts[key] = RecordedVerdict(NOT_FOR_RELEASE)
            continue
        then_step = thens[fingerprint.feature].get(fingerprint.scenario)
        verdicts[key] = judge(fingerprint, then_step, recorded, summary)
    return verdicts
