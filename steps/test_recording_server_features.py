"""Bind the recording-server features (the suite plays Talk) to their steps."""

from __future__ import annotations

from pytest_bdd import scenarios

from conformance.recording_server_suite.plugin import recording_server_features_dir
from steps import recorder_reports, recorder_requests, recorder_world

# pytest-bdd registers each step as a fixture of the module defining it; re-export them for these scenarios.
for _module in (recorder_world, recorder_requests, recorder_reports):
    for _name, _value in vars(_module).items():
        if _name.startswith("pytestbdd_") or _name == "recorder_world":
            globals()[_name] = _value

scenarios(str(recording_server_features_dir()))
