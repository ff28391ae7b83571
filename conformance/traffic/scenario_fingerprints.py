"""Fingerprints of the scenarios: which recorded verdicts still speak about the scenario as it is now.

A scenario's fingerprint is the sha256 of its steps as written (the feature's Background first, an outline's
placeholders filled in from its Examples row, data tables and doc strings included). A recording of a real
server is only evidence about scenarios whose fingerprint is unchanged since the recording.

Its sent fingerprint hashes only the Given and When steps (an And or But takes the keyword before it): what
the scenario makes the target do. Two scenarios with the same sent fingerprint send the same requests, so a
recorded answer can be judged again by a scenario whose Then steps changed, or by a new scenario that repeats
a recorded one's requests and checks them otherwise.

The fingerprints of a recording are made from the feature files at the commit the recorded run used:

    python -m conformance.traffic.scenario_fingerprints --commit fd44b23 \\
        --output conformance/recordings/nextcloud-32/scenarios.json

(conformance.traffic.shipped_recording writes it when it builds a recording directory.)

Without ``--commit`` the feature files of the working tree (or the installed package) are read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gherkin.parser import Parser

from conformance import resources


@dataclass(frozen=True)
class Fingerprint:
    """One collected scenario: how reports name it, where it is written, and the hash of its steps."""

    name: str  # as the summary names it: "Title" or "Title [row id]"
    feature: str  # feature file name
    feature_title: str  # the Feature: line, which the summary calls "feature"
    scenario: str  # scenario title as written
    example: str | None  # the Examples row id (pytest's parameter id), None for a plain scenario
    sha256: str
    sent_sha256: str | None = None  # the Given and When steps only (None in files written before it)
    traffic_name: str | None = None  # as a recorded HAR's _scenario names it: "Title [key=value, ...]"

    @property
    def key(self) -> str:
        """Unique across the suite (two features may hold scenarios of the same name)."""
        return f"{self.feature}::{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to scenarios.json."""
        fields = ("name", "feature", "feature_title", "scenario", "example", "sha256")
        fields += ("sent_sha256", "traffic_name")
        return {field: getattr(self, field) for field in fields}


def _step_lines(steps: Iterable[dict[str, Any]], values: dict[str, str]) -> Iterator[str]:
    def filled(text: str) -> str:
        for name, value in values.items():
            text = text.replace(f"<{name}>", value)
        return text

    for step in steps:
        yield f"{step['keyword'].strip()} {filled(step['text'])}"
        for row in (step.get("dataTable") or {}).get("rows", []):
            yield "| " + " | ".join(filled(cell["value"]) for cell in row["cells"]) + " |"
        if step.get("docString"):
            yield '"""'
            yield filled(step["docString"]["content"])
            yield '"""'


def _sent_steps(steps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Given and When steps; And and But belong to the keyword before them."""
    sent, current = [], "given"
    for step in steps:
        keyword = step["keyword"].strip().lower()
        if keyword in ("given", "when", "then"):
            current = keyword
        if current != "then":
            sent.append(step)
    return sent


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _units(
    children: list[dict[str, Any]], background: list[dict[str, Any]]
) -> Iterator[tuple[dict, list, dict]]:  # noqa: E501
    """(scenario, background steps, example values) for every collected scenario, rules included."""
    for child in children:
        if "background" in child:
            background = background + child["background"]["steps"]
        elif "rule" in child:
            yield from _units(child["rule"]["children"], background)
        elif "scenario" in child:
            scenario = child["scenario"]
            if not scenario.get("examples"):
                yield scenario, background, {}
            for examples in scenario.get("examples", []):
                header = [cell["value"] for cell in examples["tableHeader"]["cells"]]
                for row in examples["tableBody"]:
                    values = [cell["value"] for cell in row["cells"]]
                    yield scenario, background, dict(zip(header, values, strict=True))


def fingerprints_of_feature(file_name: str, text: str) -> list[Fingerprint]:
    """The fingerprints of every scenario (every outline row) of one feature file."""
    document = Parser().parse(text)
    feature = document.get("feature") or {}
    result = []
    for scenario, background, values in _units(feature.get("children", []), []):
        # pytest-bdd names an outline row by its values joined with "-"; summaries and expectations do too.
        example = "-".join(values.values()) if values else None
        title = scenario["name"]
        name = f"{title} [{example}]" if example is not None else title
        lines = [*_step_lines(background, values), *_step_lines(scenario["steps"], values)]
        sent_steps = _sent_steps(background) + _sent_steps(scenario["steps"])
        sent = list(_step_lines(sent_steps, values))
        pairs = ", ".join(f"{key}={value}" for key, value in values.items())
        traffic_name = f"{title} [{pairs}]" if values else title
        feature_title = feature.get("name", "")
        digests = (_digest(lines), _digest(sent))
        result.append(Fingerprint(name, file_name, feature_title, title, example, *digests, traffic_name))
    return result


def _index(fingerprints: Iterable[Fingerprint]) -> dict[str, Fingerprint]:
    index: dict[str, Fingerprint] = {}
    for fingerprint in fingerprints:
        if fingerprint.key in index:
            raise ValueError(f"two scenarios are called {fingerprint.key!r}; fingerprints need unique names")
        index[fingerprint.key] = fingerprint
    return index


def current_fingerprints(features_dir: Path | None = None) -> dict[str, Fingerprint]:
    """Fingerprints of the feature files as they are now, by key (feature file :: name)."""
    directory = features_dir or resources.features_dir()
    found = []
    for path in sorted(directory.glob("*.feature")):
        found += fingerprints_of_feature(path.name, path.read_text(encoding="utf-8"))
    return _index(found)


def fingerprints_at_commit(commit: str, repository: Path) -> dict[str, Fingerprint]:
    """Fingerprints of the feature files as they were at a git commit of the repository."""

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed git invocation, no shell
            ["git", "-C", str(repository), *args],
            check=True,
            capture_output=True,
            text=True,  # noqa: S607
        ).stdout

    found = []
    for path in git("ls-tree", "--name-only", commit, "features/").split():
        if path.endswith(".feature"):
            found += fingerprints_of_feature(Path(path).name, git("show", f"{commit}:{path}"))
    return _index(found)


def load_recorded(path: Path) -> dict[str, Fingerprint]:
    """The fingerprints written next to a recording."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: Fingerprint(**entry) for key, entry in data["scenarios"].items()}


def main(argv: list[str] | None = None) -> int:
    """Write the fingerprints of a commit's (or the current) feature files as JSON."""
    prog = "python -m conformance.traffic.scenario_fingerprints"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--commit", help="read the feature files at this git commit (default: working tree)")
    parser.add_argument("--repository", type=Path, default=Path.cwd(), help="the git checkout (default: .)")
    parser.add_argument("--output", type=Path, help="write here (default: standard output)")
    args = parser.parse_args(argv)
    try:
        if args.commit:
            found = fingerprints_at_commit(args.commit, args.repository)
        else:
            found = current_fingerprints()
    except (subprocess.CalledProcessError, OSError, ValueError) as error:
        detail = getattr(error, "stderr", "") or error
        print(f"scenario fingerprints: {str(detail).strip()}", file=sys.stderr)
        return 2
    document = {
        "commit": args.commit,
        "fingerprint": "sha256 of the Background and scenario steps, outline placeholders filled in",
        "scenarios": {key: fingerprint.to_dict() for key, fingerprint in sorted(found.items())},
    }
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def recorded_counterpart(
    current: Fingerprint, recorded: Mapping[str, Fingerprint]
) -> tuple[Fingerprint, str] | None:
    """The recorded scenario that sent the same requests as a current one, and how it is related."""
    same = recorded.get(current.key)
    if same is not None and same.sha256 == current.sha256:
        return same, "unchanged"
    if same is not None and same.sent_sha256 == current.sent_sha256:
        return same, "judged again"
    if same is None:
        candidates = [
            item
            for item in recorded.values()
            if item.feature == current.feature and item.sent_sha256 == current.sent_sha256
        ]
        if len(candidates) == 1:
            return candidates[0], f"repeats {candidates[0].name}"
    return None


def traffic_aliases(recorded: Mapping[str, Fingerprint], now: Mapping[str, Fingerprint]) -> dict[str, str]:
    """HAR scenario names of current scenarios that repeat a recorded one's requests under another name."""
    aliases = {}
    for current in now.values():
        found = recorded_counterpart(current, recorded)
        if (
            found is not None
            and found[1].startswith("repeats ")
            and current.traffic_name
            and found[0].traffic_name
        ):
            aliases[current.traffic_name] = found[0].traffic_name
    return aliases
