"""The seam to pytest-bdd: step definitions looked up once per module and step text, still by module."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

FEATURE = """\
Feature: Greetings
  Scenario: the first greeting
    Given a greeting is said

  Scenario: the second greeting
    Given a greeting is said

  Scenario: the third greeting
    Given a greeting is said
"""

# Each module defines the same step text its own way; the parser counts how often pytest-bdd asks it.
STEPS = """\
from pathlib import Path

from pytest_bdd import given, parsers, scenarios

scenarios("features")


class CountingParser(parsers.string):
    def is_matching(self, name):
        with open("lookups-{who}.log", "a", encoding="utf-8") as log:
            log.write(name + "\\n")
        return super().is_matching(name)


@given(CountingParser("a greeting is said"))
def greeting():
    with open("said.log", "a", encoding="utf-8") as log:
        log.write("{who}\\n")
"""


@pytest.fixture
def two_modules(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "greetings.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_alice=STEPS.format(who="alice"), test_bob=STEPS.format(who="bob"))
    return pytester


def test_each_module_runs_its_own_definition_of_a_shared_step_text(two_modules: pytest.Pytester) -> None:
    two_modules.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=6)
    said = (two_modules.path / "said.log").read_text(encoding="utf-8").split()
    assert sorted(said) == ["alice"] * 3 + ["bob"] * 3


def test_a_step_text_is_matched_once_per_module_not_once_per_scenario(two_modules: pytest.Pytester) -> None:
    two_modules.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=6)
    for who in ("alice", "bob"):
        # pytest-bdd asks every visible definition: each module's own is visible to it alone.
        lookups = (two_modules.path / f"lookups-{who}.log").read_text(encoding="utf-8").splitlines()
        assert lookups == ["a greeting is said"]
