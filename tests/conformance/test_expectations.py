"""Expectations: loading, matching, verdicts on inline features, and the shipped upstream file."""

from __future__ import annotations

import json
import os
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from gherkin.parser import Parser

from conformance import resources
from conformance.cli import main
from conformance.expectations import ExpectationsError, ScenarioKey, load_expectations

pytest_plugins = ["pytester"]

UPSTREAM = Path(resources.__file__).parent / "expectations" / "nextcloud-upstream.yaml"

FEATURE = """\
Feature: Inline expectations
  Scenario: it conforms
    Given nothing

  Scenario: it deviates
    Then the target is wrong

  Scenario Outline: rows
    Then row <kind> holds

    Examples:
      | kind |
      | good |
      | bad  |
"""

STEPS = """\
import pytest
from pytest_bdd import given, parsers, scenarios, then

pytestmark = pytest.mark.usefixtures("conformance_run")
scenarios("features")

@given("nothing")
def nothing():
    pass

@then("the target is wrong")
def wrong():
    assert False, "expected 400, got 500"

@then(parsers.parse("row {kind} holds"))
def row(kind):
    assert kind == "good", "row bad answered 500"
"""


class _Capabilities(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        body = json.dumps(
            {"ocs": {"meta": {}, "data": {"capabilities": {"spreed": {"features": ["recording-v1"]}}}}}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.Pytester]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capabilities)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in list(os.environ):
        if name.startswith("TALK_CONFORMANCE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TALK_CONFORMANCE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "inline.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_inline=STEPS)
    yield pytester
    server.shutdown()
    server.server_close()


def write_expectations(pytester: pytest.Pytester, entries: list[dict], name: str = "expected.yaml") -> Path:
    path = pytester.path / name
    path.write_text(yaml.safe_dump({"expectations": entries}), encoding="utf-8")
    return path


def summary_of(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "reports" / "summary.json").read_text(encoding="utf-8"))


def verdicts(summary: dict) -> dict[str, str]:
    return {scenario["name"]: scenario["verdict"] for scenario in summary["scenarios"]}


# --- the rules, both ways, on inline features ----------------------------------------------------


def test_expected_failures_do_not_fail_the_run(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite,
        [
            {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1: answers 500"},
            {"feature": "inline.feature", "scenario": "rows", "example": "bad", "reason": "R2: row bad"},
        ],
    )
    result = suite.runpytest("--expectations", str(path), "--conformance-report-dir", "reports")
    result.assert_outcomes(passed=2, xfailed=2)
    assert result.ret == 0
    summary = summary_of(suite)
    assert summary["verdict"] == "passed"
    assert verdicts(summary) == {
        "it conforms": "passed",
        "it deviates": "expected failure",
        "rows [good]": "passed",
        "rows [bad]": "expected failure",
    }
    assert summary["totals"]["expected_failure"] == 2 and summary["totals"]["failed"] == 0
    reasons = {s["name"]: s.get("expected_failure_reason") for s in summary["scenarios"]}
    assert reasons["it deviates"] == "R1: answers 500" and reasons["rows [good]"] is None
    result.stdout.fnmatch_lines(
        ["*expectations *expected.yaml: 2 expected failure(s), 0 unexpectedly passed*",
         "*EXPECTED FAILURE Inline expectations: it deviates: R1: answers 500*"]
    )  # fmt: skip
    cases = {c.get("name"): c for c in ET.parse(suite.path / "reports" / "junit.xml").iter("testcase")}  # noqa: S314
    skipped = cases["it deviates"].find("skipped")
    assert skipped is not None and skipped.get("message") == "expected failure: R1: answers 500"
    assert cases["it conforms"].find("skipped") is None


def test_without_expectations_the_same_failures_fail_the_run(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--conformance-report-dir", "reports")
    result.assert_outcomes(passed=2, failed=2)
    assert result.ret == 1
    assert summary_of(suite)["verdict"] == "failed"


def test_an_expected_failure_that_passes_fails_the_run(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite, [{"feature": "inline.feature", "scenario": "it conforms", "reason": "R3: thought broken"}]
    )
    result = suite.runpytest(
        "--expectations", str(path), "--conformance-report-dir", "reports", "-k", "not rows"
    )
    result.assert_outcomes(failed=2, deselected=2)
    summary = summary_of(suite)
    assert verdicts(summary)["it conforms"] == "unexpectedly passed"
    assert summary["totals"]["unexpectedly_passed"] == 1
    assert summary["verdict"] == "failed"
    result.stdout.fnmatch_lines(["*unexpectedly passed: the expectations say it fails (R3: thought broken)*"])


def test_an_entry_matching_no_scenario_fails_the_run_and_is_named(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite,
        [
            {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1"},
            {"feature": "inline.feature", "scenario": "rows", "example": "ugly", "reason": "R4"},
            {"feature": "other.feature", "scenario": "it deviates", "reason": "R5"},
        ],
    )
    result = suite.runpytest(
        "--expectations", str(path), "--conformance-report-dir", "reports", "-k", "deviates"
    )
    assert result.ret == 1
    summary = summary_of(suite)
    assert verdicts(summary) == {"it deviates": "expected failure"}
    assert summary["verdict"] == "failed"
    assert summary["expectation_errors"] == [
        f"expectations {path}: entry 2 (inline.feature: rows [ugly]) matches no scenario",
        f"expectations {path}: entry 3 (other.feature: it deviates) matches no scenario",
    ]
    assert "entry 2 (inline.feature: rows [ugly]) matches no scenario" in result.stdout.str()


def test_the_environment_and_the_profile_name_the_file_and_the_option_wins(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = write_expectations(
        suite, [{"feature": "inline.feature", "scenario": "nope", "reason": "x"}], "w.yaml"
    )
    right = write_expectations(
        suite, [{"feature": "inline.feature", "scenario": "it deviates", "reason": "ok"}]
    )
    monkeypatch.setenv("TALK_CONFORMANCE_EXPECTATIONS", str(right))
    result = suite.runpytest("--conformance-report-dir", "reports", "-k", "deviates")
    assert result.ret == 0 and verdicts(summary_of(suite)) == {"it deviates": "expected failure"}
    result = suite.runpytest(
        "--expectations", str(wrong), "--conformance-report-dir", "reports", "-k", "deviates"
    )
    assert result.ret == 1  # the command line beats the environment: the stale entry is reported
    monkeypatch.delenv("TALK_CONFORMANCE_EXPECTATIONS")
    profile = suite.path / "profile.yaml"
    profile.write_text("expectations: expected.yaml\n", encoding="utf-8")  # relative to the profile
    result = suite.runpytest(
        "--target-profile", str(profile), "--conformance-report-dir", "reports", "-k", "deviates"
    )
    assert result.ret == 0 and verdicts(summary_of(suite)) == {"it deviates": "expected failure"}


def test_under_xdist_stale_entries_and_expected_failures_are_reported(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite,
        [
            {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1"},
            {"feature": "inline.feature", "scenario": "gone", "reason": "R6"},
        ],
    )
    result = suite.runpytest_subprocess(
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "--expectations",
        str(path),
        "--conformance-report-dir",
        "reports",
    )
    assert result.ret == 1
    summary = summary_of(suite)
    assert verdicts(summary)["it deviates"] == "expected failure"
    assert verdicts(summary)["rows [bad]"] == "failed"
    assert summary["expectation_errors"] == [
        f"expectations {path}: entry 2 (inline.feature: gone) matches no scenario"
    ]


def test_a_broken_expectations_file_stops_the_command_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("TALK_CONFORMANCE_"):
            monkeypatch.delenv(name)
    bad = tmp_path / "bad.yaml"
    bad.write_text("expectations:\n  - feature: a.feature\n    scenario: s\n", encoding="utf-8")
    code = main(["run", "--expectations", str(bad), "--report-dir", str(tmp_path / "r")])
    assert code == 2
    assert f"talk-conformance: expectations {bad}: entry 1: reason must be a non-empty string" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "must be a mapping with the single key 'expectations'"),
        ("expectations: [1]\n", "entry 1 must be a mapping"),
        ("expectations:\n  - {feature: f, scenario: s, reason: r, why: x}\n", "entry 1: unknown key(s) why"),
        ("expectations:\n  - {feature: f, scenario: s, reason: r, example: [1]}\n", "example must be the id"),
        ("expectations: [{feature: f, scenario: s, reason: r}, {feature: f, scenario: s, reason: q}]\n",
         "entry 2 (f: s) repeats entry 1"),
        ("expectations: [\n", "not valid YAML at line"),
    ],
)  # fmt: skip
def test_malformed_files_are_rejected_with_the_entry_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExpectationsError, match=re.escape(message)):
        load_expectations(path)
    with pytest.raises(ExpectationsError, match="cannot be read"):
        load_expectations(tmp_path / "missing.yaml")


def test_matching_uses_file_name_or_trailing_path_title_and_row() -> None:
    path = Path(__file__).parent / "e.yaml"
    entry = {"feature": "features/store.feature", "scenario": "S", "reason": "r"}
    loaded = _loaded([entry, {"feature": "store.feature", "scenario": "O", "example": "b", "reason": "q"}])
    assert loaded.reason_for(ScenarioKey("/x/features/store.feature", "S", None)) == "r"
    assert loaded.reason_for(ScenarioKey("/x/other_store.feature", "S", None)) is None
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "O", "b")) == "q"
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "O", "a")) is None
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "o", "b")) is None
    assert path.name == "e.yaml"


def _loaded(entries: list[dict]):
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "e.yaml"
        path.write_text(yaml.safe_dump({"expectations": entries}), encoding="utf-8")
        return load_expectations(path)


# --- the shipped file for upstream Nextcloud ----------------------------------------------------


def _bundled_scenarios() -> list[tuple[str, str, str | None, set[str]]]:
    """(feature file, scenario title, example row id, tags) for every scenario and row of the suite."""
    rows = []
    for path in sorted(resources.features_dir().glob("*.feature")):
        document = Parser().parse(path.read_text(encoding="utf-8"))
        feature = document["feature"]
        feature_tags = {tag["name"].lstrip("@") for tag in feature["tags"]}
        for child in feature["children"]:
            scenario = child.get("scenario")
            if scenario is None:
                continue
            tags = feature_tags | {tag["name"].lstrip("@") for tag in scenario["tags"]}
            examples = [row for block in scenario["examples"] for row in block["tableBody"]]
            if not examples:
                rows.append((path.name, scenario["name"], None, tags))
            for row in examples:
                # pytest-bdd's row id: the row's values joined by "-", as in the test ids.
                example = "-".join(cell["value"] for cell in row["cells"])
                rows.append((path.name, scenario["name"], example, tags))
    return rows


def _register() -> dict[str, dict]:
    data = yaml.safe_load(resources.deviations_path().read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in data["deviations"]}


def test_the_upstream_file_is_consistent_with_the_deviation_register() -> None:
    expectations = load_expectations(UPSTREAM)
    register = _register()
    scenarios = _bundled_scenarios()
    cited: set[str] = set()
    for entry in expectations.entries:
        ids = re.findall(r"\b[DXU]\d+\b", entry.reason)
        assert ids and entry.reason.startswith(ids[0]), (
            f"{entry.describe()}: reason must start with its register id"
        )
        for register_id in ids:
            assert register_id in register, f"{entry.describe()} cites {register_id}, not in the register"
            assert register[register_id]["upstream_expected_to_fail"], (
                f"{entry.describe()} cites {register_id}, which upstream is not expected to fail"
            )
        cited.update(ids)
        matching = [s for s in scenarios if entry.matches(ScenarioKey(s[0], s[1], s[2]))]
        assert matching, f"{entry.describe()} matches no bundled scenario"
        # The scenarios must exercise a cell of the cited entry: its operation, status and error string.
        cells = {
            (cell["operation"], str(cell["status"]), cell["error"])
            for cell in register[ids[0]]["cells"]
            if cell["error"] is not None
        }
        for _feature, name, example, tags in matching:
            exercised = {
                (op, status, error)
                for op, status, error in cells
                if {f"operation:{op}", f"status:{status}", f"error:{error}"} <= tags
            }
            assert exercised, f"{name} [{example}] exercises no cell of {ids[0]}"
    expected_ids = {entry_id for entry_id, entry in register.items() if entry["upstream_expected_to_fail"]}
    assert cited >= expected_ids, f"register entries without an expectation: {sorted(expected_ids - cited)}"


def test_the_upstream_file_ships_inside_the_conformance_package() -> None:
    # hatchling packs everything inside conformance/, so the data travels with the wheel.
    assert UPSTREAM.is_file() and UPSTREAM.parent.parent == Path(resources.__file__).parent


def test_the_upstream_file_against_a_server_that_fails_like_upstream_on_d7(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance.embedded_server import EmbeddedServer

    for name in list(os.environ):
        if name.startswith("TALK_CONFORMANCE_"):
            monkeypatch.delenv(name)
    # The mutant answers a missing file part with 500, as upstream does (register entry D7).
    with EmbeddedServer(tmp_path / "server", mutant="store-missing-file-500") as server:
        code = main(
            ["run", "--target-url", server.url, "--expectations", str(UPSTREAM),
             "--report-dir", str(tmp_path / "reports"), "--", "-k", "without_a_file"]
        )  # fmt: skip
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert code == 0, capsys.readouterr().out
    assert verdicts(summary)["An upload without a file is refused"] == "expected failure"
    assert summary["verdict"] == "passed" and summary["expectation_errors"] == []
