"""The scenarios of the feature files with the tags that apply to each, as gherkin-official parses them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gherkin.errors import ParserError
from gherkin.parser import Parser

from conformance.reports._coverage_model import CoverageInputError, ScenarioRef, TaggedScenario


def feature_files(features_dir: Path) -> list[Path]:
    """The .feature files below a directory, in a stable order."""
    return sorted(features_dir.rglob("*.feature"))


def parse_feature(path: Path) -> dict[str, Any]:
    """The gherkin-official AST of one feature file (CoverageInputError naming the file otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoverageInputError(f"cannot read {path}: {exc}") from None
    try:
        return Parser().parse(text)
    except ParserError as exc:
        raise CoverageInputError(f"{path} is not valid Gherkin: {exc}") from None


def tagged_scenarios(document: dict[str, Any], feature_name: str) -> list[TaggedScenario]:
    """Each scenario, or each Examples block of an outline, with the tags inherited from above."""
    feature = document.get("feature")
    if not feature:
        return []
    found: list[TaggedScenario] = []
    feature_tags = _tag_names(feature)
    for child in feature.get("children", []):
        if "rule" in child:
            rule = child["rule"]
            for rule_child in rule.get("children", []):
                if "scenario" in rule_child:
                    found += _scenario_units(
                        rule_child["scenario"], feature_tags + _tag_names(rule), feature_name
                    )
        elif "scenario" in child:
            found += _scenario_units(child["scenario"], feature_tags, feature_name)
    return found


def _scenario_units(
    scenario: dict[str, Any], inherited: list[str], feature_name: str
) -> list[TaggedScenario]:
    tags = inherited + _tag_names(scenario)
    line = scenario["location"]["line"]
    examples = [block for block in scenario.get("examples", []) if block.get("tableBody")]
    if not examples:
        return [TaggedScenario(ScenarioRef(feature_name, line, scenario["name"]), tuple(tags))]
    return [
        TaggedScenario(
            ScenarioRef(
                feature_name, line, scenario["name"], block["location"]["line"], block.get("name", "")
            ),
            tuple(tags + _tag_names(block)),
        )
        for block in examples
    ]


def _tag_names(node: dict[str, Any]) -> list[str]:
    return [tag["name"].lstrip("@") for tag in node.get("tags", [])]


def load_scenarios(features_dir: Path) -> list[TaggedScenario]:
    """Every tagged scenario unit of every feature file below `features_dir`."""
    scenarios: list[TaggedScenario] = []
    for path in feature_files(features_dir):
        if path.relative_to(features_dir).parts[0] == "recording_server":
            continue  # the recording server's own API (docs/recording-server-suite.md), not recording.yaml
        scenarios += tagged_scenarios(parse_feature(path), path.relative_to(features_dir).as_posix())
    return scenarios
