"""The differential gate, once per shipped real recording: the suite against the reference server modelling
that recording's Talk release (talk_version), compared with the recording.

Every difference must be fixed or named in the deviation register (`accepted_differences`, or a
require-sane-4xx entry naming both answers); scenarios the recording lacks, or whose request sequence changed,
are counted as "not recorded", never as agreeing.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from conformance.resources import deviations_path
from conformance.target._embedded_server import EmbeddedServer
from conformance.traffic import (
    read_har,
    renamed_scenarios,
    shipped_recording_metadata,
    shipped_recording_names,
    shipped_traffic_path,
)
from conformance.traffic._compare import accepted_differences, compare, sane_status_requirements

RECORDINGS = shipped_recording_names()


@pytest.fixture(scope="module", params=RECORDINGS)
def comparison(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    name = request.param
    release = shipped_recording_metadata(name)["talk_release"]
    tmp_path = tmp_path_factory.mktemp(f"gate-{name}")
    env = {key: value for key, value in os.environ.items() if not key.startswith("TALK_CONFORMANCE_")}
    # as in the recorded runs: the end-to-end scenarios run with the reference recording server
    env["TALK_CONFORMANCE_RECORDING_SERVER"] = "reference"
    with EmbeddedServer(tmp_path / "server", talk_version=release) as server:
        run = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "--target-url", server.url, "--expectations", "none",
             "--record-traffic", "run.har", "--report-dir", "report"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    register = yaml.safe_load(deviations_path().read_text(encoding="utf-8"))
    recorded = read_har(shipped_traffic_path(name))["log"]["entries"]
    ours = read_har(tmp_path / "run.har")["log"]["entries"]
    # a scenario that repeats a recorded one's requests under another name is compared with it
    aliases = renamed_scenarios(name)
    result = compare(
        recorded,
        ours,
        name,
        f"reference server as Talk {release}",
        accepted_differences(register, release),
        sane_status_requirements(register, release),
        recorded_as=aliases,
    )
    return name, release, result


def test_every_difference_from_the_real_recording_is_fixed_or_registered(comparison):
    name, release, result = comparison
    counts = result.to_dict()["counts"]
    print(
        f"\ndifferential gate, reference as Talk {release} against {name}: compared {counts['compared']} "
        f"scenarios, {counts['agreeing']} agree; not recorded {counts['not_recorded']}; only in the "
        f"recording {counts['only_in_left']}; unexplained {counts['unexplained']}; accepted by id "
        f"{counts['accepted']}"
    )
    for scenario, why in result.not_recorded.items():
        print(f"not recorded: {scenario} ({why})")
    for item in result.differences:
        if item.accepted_by and item.accepted_by.startswith("A"):
            print(f"accepted by {item.accepted_by}: {item.scenario} #{item.step} {item.request} {item.kind}: "
                  f"{item.left} / ours {item.right}")  # fmt: skip
    for scenario in result.gone:
        print(f"only in {name}: {scenario}")
    unexplained = [
        f"{item.scenario} #{item.step} {item.request} {item.what}: {name} {item.left}, ours {item.right}"
        for item in result.unexplained
    ]
    assert not unexplained, f"unexplained differences from {name}:\n" + "\n".join(unexplained)


def test_not_recorded_scenarios_never_count_as_agreeing(comparison):
    _, _, result = comparison
    assert not set(result.not_recorded) & set(result.agreeing)
    assert set(result.agreeing) <= set(result.compared)
    # Most of the suite is the recorded one; a refresh of the recording is due when this drops.
    assert len(result.compared) >= 140


def test_every_accepted_difference_entry_is_well_formed_and_names_its_explanations():
    register = yaml.safe_load(deviations_path().read_text(encoding="utf-8"))
    ids = {entry["id"] for entry in register["deviations"]}
    for entry in register["accepted_differences"]:
        assert entry["id"].startswith("A") and entry["why"].strip() and entry["observed"].strip()
        assert set(entry["see"]) <= ids, entry["id"]
        assert entry["releases"] and set(entry["releases"]) <= {22, 23}, entry["id"]
    assert accepted_differences(register)


def test_there_is_a_recording_of_each_release_the_suite_knows():
    assert {shipped_recording_metadata(name)["talk_release"] for name in RECORDINGS} == {22, 23}
