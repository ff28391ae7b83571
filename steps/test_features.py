"""Bind every feature file to the shared step library."""

from __future__ import annotations

from pytest_bdd import scenarios

from conformance.resources import features_dir
from steps import (
    assertions,
    calls,
    fixtures,
    recorder_end_to_end,
    recording_requests,
    recording_server,
    recording_states,
    rooms,
)

# pytest-bdd registers each step as a fixture in the module that defines it; re-export them here
# so the scenarios generated in this module can see every step and the shared fixtures.
_MODULES = (fixtures, rooms, calls, recording_states, recording_requests, recording_server, assertions)
_FIXTURES = ("world", "conversations_ahead", "real_recording_servers")
for _module in (*_MODULES, recorder_end_to_end):
    for _name, _value in vars(_module).items():
        if _name.startswith("pytestbdd_") or _name in _FIXTURES:
            globals()[_name] = _value

# Only the Talk features: features/recording_server/ is bound by test_recording_server_features.py.
scenarios(*sorted(str(path) for path in features_dir().glob("*.feature")))
