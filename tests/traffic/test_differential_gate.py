"""The differential gate: the suite against the reference server, compared with the real Talk 22 recording.

Every difference must be fixed or named in the deviation register (`accepted_differences`, or a
require-sane-4xx entry naming both answers); scenarios the recording lacks, or whose request sequence changed,
are counted as "not recorded", never as agreeing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance.resources import deviations_path
from conformance.traffic import har, recordings
from conformance.traffic.compare import accepted_differences, compare, sane_status_requirements
from conformance.traffic.normalise import THEN_READS

RECORDING = "nextcloud-32"


@pytest.fixture(scope="module")
def our_traffic(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The HAR entries of one whole run against the bundled reference server."""
    tmp_path = tmp_path_factory.mktemp("gate")
    env = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    run = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "--record-traffic", "run.har", "--report-dir", "report"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return har.read(tmp_path / "run.har")["log"]["entries"]


def _register() -> dict:
    return yaml.safe_load(deviations_path().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def comparison(our_traffic):
    register = _register()
    recorded = har.read(recordings.traffic_path(RECORDING))["log"]["entries"]
    return compare(
        recorded,
        our_traffic,
        RECORDING,
        "reference server",
        accepted_differences(register),
        sane_status_requirements(register),
    )


def test_every_difference_from_the_real_recording_is_fixed_or_registered(comparison):
    counts = comparison.to_dict()["counts"]
    print(
        f"\ndifferential gate against {RECORDING}: compared {counts['compared']} scenarios, "
        f"{counts['agreeing']} agree; not recorded {counts['not_recorded']}; only in the recording "
        f"{counts['only_in_left']}; unexplained {counts['unexplained']}; accepted by id {counts['accepted']}"
    )
    for name, why in comparison.not_recorded.items():
        print(f"not recorded: {name} ({why})")
    unexplained = [
        f"{item.scenario} #{item.step} {item.request} {item.what}: {RECORDING} {item.left}, ours {item.right}"
        for item in comparison.unexplained
    ]
    assert not unexplained, "unexplained differences from the real Talk 22 recording:\n" + "\n".join(
        unexplained
    )


def test_not_recorded_scenarios_never_count_as_agreeing(comparison):
    assert not set(comparison.not_recorded) & set(comparison.agreeing)
    assert set(comparison.agreeing) <= set(comparison.compared)
    # Most of the suite is still the recorded one; a refresh of the recording is due when this drops.
    assert len(comparison.compared) >= 100


def test_every_accepted_difference_entry_is_well_formed_and_names_its_explanations():
    register = yaml.safe_load(deviations_path().read_text(encoding="utf-8"))
    ids = {entry["id"] for entry in register["deviations"]}
    for entry in register["accepted_differences"]:
        assert entry["id"].startswith("A") and entry["why"].strip() and entry["observed"].strip()
        assert set(entry["see"]) <= ids, entry["id"]
    assert accepted_differences(register)


# The newest real release the reference server models by default: its shipped recording once there is one,
# else the run of 2026-12-06 in the shared reference data.
TALK_23 = ("nextcloud-33", Path("/work/shared/reference/real-talk-23/run-2026-12-06.har"))


def _talk_23_recording() -> Path:
    name, shared = TALK_23
    try:
        return recordings.traffic_path(name)
    except LookupError:
        if not shared.is_file():
            pytest.skip(f"no recording of a real Talk 23 (neither {name} nor {shared})")
        return shared


def test_the_answers_then_steps_read_have_real_talks_shape(our_traffic):
    """Room, chat and notifications: every key and JSON type as real Talk 23 sends them, or registered."""
    register = _register()
    recorded = har.read(_talk_23_recording())["log"]["entries"]
    result = compare(recorded, our_traffic, "Talk 23", "reference server", accepted_differences(register))
    unexplained = result.unexplained
    shaped = [item for item in unexplained if item.kind == "envelope" and THEN_READS.match(item.request)]
    assert len(result.compared) >= 100
    assert not shaped, "answers a Then step reads differ in shape from real Talk 23:\n" + "\n".join(
        f"{item.scenario} #{item.step} {item.request} {item.key}: Talk 23 {item.left}, ours {item.right}"
        for item in shaped
    )
