"""The target's Talk release (D-1) and `expectations: auto` (D-3), against a loopback OCS stand-in."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from ocs_stand_in import ocs, ocs_stand_in

from conformance.cli import main
from conformance.protocol import ReleaseTagError
from conformance.target import _expectation_choice as expectation_choice
from conformance.target._target_release import TargetRelease, release_from_capabilities, skip_reason

pytest_plugins = ["pytester"]


def capabilities(version: str | None, reference: str | None = None) -> dict[str, Any]:
    """Capabilities `data` as Nextcloud sends it (spreed.version where given, the reference's own key)."""
    spreed: dict[str, Any] = {"features": ["recording-v1"]}
    if version is not None:
        spreed["version"] = version
    data: dict[str, Any] = {"version": {"string": "33.0.1"}, "capabilities": {"spreed": spreed}}
    if reference is not None:
        data["capabilities"]["talk_reference"] = {"version": "0.1.0", "models_talk": reference}
    return data


def answering(data: dict[str, Any]) -> Callable[[str], tuple[int, Any]]:
    return lambda path: (200, ocs(data))


def test_the_release_is_the_major_of_spreed_version_and_the_newest_known_without_one() -> None:
    assert release_from_capabilities(capabilities("22.0.10")) == TargetRelease(22, "22.0.10")
    assert release_from_capabilities(capabilities("23.0.6")).describe() == "Talk 23.0.6"
    unversioned = release_from_capabilities(capabilities(None))
    assert (
        unversioned == TargetRelease(23)
        and unversioned.describe() == "an unversioned Talk, judged as Talk 23"
    )
    assert release_from_capabilities(capabilities("banana")).major == 23
    reference = release_from_capabilities(capabilities("23.0.6", reference="23.0.6"))
    assert reference.is_reference and reference.major == 23
    assert release_from_capabilities(None) == TargetRelease(23)


def test_release_tags_skip_outside_their_inclusive_range_with_a_reason() -> None:
    talk22, talk23 = TargetRelease(22, "22.0.10"), TargetRelease(23, "23.0.6")
    assert skip_reason(["since-talk:23", "operation:recording-store"], talk23) is None
    assert skip_reason(["since-talk:23"], talk22) == "holds for Talk 23 and later; the target is Talk 22.0.10"
    assert skip_reason(["until-talk:22"], talk22) is None
    assert (
        skip_reason(["until-talk:22"], talk23) == "holds for Talk 22 and earlier; the target is Talk 23.0.6"
    )
    assert skip_reason(["since-talk:21", "until-talk:22"], talk23) == (
        "holds for Talk 21 to 22; the target is Talk 23.0.6"
    )
    assert skip_reason(["since-talk:22", "until-talk:22"], talk23).startswith("holds for Talk 22;")
    assert skip_reason(["until-talk:22"], TargetRelease(23)) == (
        "holds for Talk 22 and earlier; the target is an unversioned Talk, judged as Talk 23"
    )
    with pytest.raises(ReleaseTagError, match="@since-talk:x must name a Talk major release"):
        skip_reason(["since-talk:x"], talk22)
    with pytest.raises(ReleaseTagError, match="leave no release"):
        skip_reason(["since-talk:23", "until-talk:22"], talk22)


# --- `expectations: auto` -----------------------------------------------------------------------------


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_profile_in_environment: None) -> Path:
    """A stand-in for conformance/expectations/: a file per release, one for no release (ignored)."""
    directory = tmp_path / "shipped"
    directory.mkdir()
    entry = {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1: crashes",
             "observed": {"status": 500, "statuscode": 996}}  # fmt: skip
    other = {"feature": "other.feature", "scenario": "not collected here", "reason": "R2",
             "observed": {"status": 500, "statuscode": 996}}  # fmt: skip
    for name, release in (("nextcloud-32.yaml", 22), ("nextcloud-33.yaml", 23)):
        document = {
            "implementation": f"Talk {release}",
            "talk_release": release,
            "expectations": [entry, other],
        }
        (directory / name).write_text(yaml.safe_dump(document), encoding="utf-8")
    (directory / "recording-server.yaml").write_text(
        yaml.safe_dump({"expectations": [{"feature": "f.feature", "scenario": "s", "reason": "r"}]}),
        encoding="utf-8",
    )
    monkeypatch.setattr(expectation_choice, "SHIPPED_DIR", directory)
    monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
    return directory


@pytest.mark.parametrize(
    ("data", "option", "line"),
    [
        (capabilities("22.0.10"), [], "expectations: nextcloud-32.yaml (the target is Talk 22.0.10)"),
        (capabilities("23.0.6"), [], "expectations: nextcloud-33.yaml (the target is Talk 23.0.6)"),
        (capabilities("24.0.1"), [], "expectations: none (no shipped file for Talk 24.0.1)"),
        (capabilities(None), [],
         "expectations: nextcloud-33.yaml (the target is an unversioned Talk, judged as Talk 23)"),
        (capabilities("23.0.6", reference="23.0.6"), [],
         "expectations: none (the target is the reference server modelling Talk 23.0.6)"),
        (capabilities("22.0.10"), ["--expectations", "none"],
         "expectations: none (the target is Talk 22.0.10)"),
        (capabilities("22.0.10"), ["--expectations", "auto"],
         "expectations: nextcloud-32.yaml (the target is Talk 22.0.10)"),
    ],
)  # fmt: skip
def test_check_prints_the_one_line_auto_chooses_by_the_targets_release(
    shipped: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], option: list[str], line: str
) -> None:
    with ocs_stand_in(answering(data)) as url:
        code = main(["check", "--target-url", url, *option])
    out = capsys.readouterr().out
    assert code == 0, out
    assert [text for text in out.splitlines() if text.startswith("expectations:")] == [line]


def test_a_malformed_shipped_file_is_a_one_line_setup_error(
    shipped: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shipped / "nextcloud-33.yaml").write_text("talk_release: 23\nexpectations: [1]\n", encoding="utf-8")
    with ocs_stand_in(answering(capabilities("22.0.10"))) as url:
        code = main(["check", "--target-url", url])
    err = capsys.readouterr().err
    assert code == 3
    assert err.strip().splitlines() == [
        f"talk-conformance: setup error: expectations {shipped / 'nextcloud-33.yaml'}: entry 1 must be"
        " a mapping with feature, scenario, reason (and example)"
    ]


FEATURE = """\
Feature: Inline releases
  Scenario: it deviates
    Then the target is wrong

  @since-talk:23
  Scenario: new in 23
    Given nothing

  @until-talk:22
  Scenario: gone in 23
    Given nothing
"""

STEPS = """\
import pytest
from pytest_bdd import given, scenarios, then

from conformance.protocol._judged_answers import Answer
from conformance.suite.plugin import target_release_of

pytestmark = pytest.mark.usefixtures("conformance_run")
scenarios("features")

@given("nothing")
def nothing(request):
    assert target_release_of(request.node).major in (22, 23)

@then("the target is wrong")
def wrong(conformance_assertions):
    conformance_assertions.judging(Answer(500, 996))
    assert False, "expected 400, got 500"
"""


@pytest.fixture
def releases_suite(pytester: pytest.Pytester, shipped: Path) -> pytest.Pytester:
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "inline.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_inline=STEPS)
    return pytester


def _summary(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "reports" / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("version", "runs", "skipped"), [("22.0.10", "gone in 23", "new in 23"),
                                                         ("23.0.6", "new in 23", "gone in 23")])  # fmt: skip
def test_a_run_against_a_live_target_uses_auto_and_skips_scenarios_of_other_releases(
    releases_suite: pytest.Pytester, version: str, runs: str, skipped: str
) -> None:
    with ocs_stand_in(answering(capabilities(version))) as url:
        result = releases_suite.runpytest(
            "--strict-markers", "--target-url", url, "--conformance-report-dir", "reports", "-rs"
        )
    assert result.ret == 0, result.stdout.str()
    summary = _summary(releases_suite)
    verdicts = {s["name"]: s["verdict"] for s in summary["scenarios"]}
    assert verdicts == {"it deviates": "expected failure", runs: "passed", skipped: "skipped"}
    file = "nextcloud-32.yaml" if version.startswith("22") else "nextcloud-33.yaml"
    assert Path(summary["expectations"]).name == file
    assert summary["target_release"] == f"Talk {version}"
    assert summary["expectation_errors"] == []  # the entry for a feature this run did not collect is fine
    message = next(s["message"] for s in summary["scenarios"] if s["name"] == skipped)
    other = "Talk 23 and later" if version.startswith("22") else "Talk 22 and earlier"
    assert message.removeprefix("Skipped: ") == f"holds for {other}; the target is Talk {version}"
    result.stdout.fnmatch_lines([f"*expectations: {file} (the target is Talk {version})*"])


def test_expectations_none_gives_the_strict_run(releases_suite: pytest.Pytester) -> None:
    with ocs_stand_in(answering(capabilities("22.0.10"))) as url:
        result = releases_suite.runpytest(
            "--target-url", url, "--expectations", "none", "--conformance-report-dir", "reports"
        )
    assert result.ret == 1
    summary = _summary(releases_suite)
    assert summary["expectations"] is None
    assert {s["name"]: s["verdict"] for s in summary["scenarios"]}["it deviates"] == "failed"


def test_a_malformed_release_tag_is_a_one_line_setup_error(releases_suite: pytest.Pytester) -> None:
    (releases_suite.path / "features" / "inline.feature").write_text(
        FEATURE.replace("@since-talk:23", "@since-talk:soon"), encoding="utf-8"
    )
    with ocs_stand_in(answering(capabilities("23.0.6"))) as url:
        releases_suite.runpytest("--target-url", url, "--conformance-report-dir", "reports")
    scenario = next(s for s in _summary(releases_suite)["scenarios"] if s["name"] == "new in 23")
    assert scenario["verdict"] == "error"
    assert (
        "the tag @since-talk:soon must name a Talk major release, e.g. @since-talk:23" in scenario["message"]
    )
