"""Traffic of a run as HAR 1.2: recording, the shipped real recordings, normalisation and comparison."""

from conformance.traffic._capture import (
    active_traffic_capture,
    current_traffic_scenario,
    record_answered,
    record_failure,
    record_response,
    scenario_label,
    set_traffic_scenario,
    start_traffic_capture,
    stop_traffic_capture,
    traffic_outside_scenario,
    traffic_part_files,
    traffic_scenario_of_this_thread,
)
from conformance.traffic._compare import (
    AcceptedDifference,
    Comparison,
    Difference,
    SaneStatusRequirement,
    accepted_differences,
    compare,
    sane_status_requirements,
)
from conformance.traffic._har import (
    RECORDING_SERVER_ACTOR,
    SUITE_TO_TARGET,
    TARGET_TO_RECORDING_SERVER,
    TARGET_TO_SIGNALING_SERVER,
    HarError,
    read_har,
)
from conformance.traffic._merge import write_run_har
from conformance.traffic._normalise import scenario_key
from conformance.traffic._recorded_verdicts import NOT_FOR_RELEASE, RecordedVerdict, verdicts_of_recording
from conformance.traffic._recordings import (
    RECORDINGS_DIR,
    TRAFFIC_FILE,
    renamed_scenarios,
    shipped_recording_metadata,
    shipped_recording_names,
    shipped_traffic_path,
)

__all__ = [
    "AcceptedDifference",
    "Comparison",
    "Difference",
    "HarError",
    "NOT_FOR_RELEASE",
    "RECORDINGS_DIR",
    "RECORDING_SERVER_ACTOR",
    "RecordedVerdict",
    "SUITE_TO_TARGET",
    "SaneStatusRequirement",
    "TARGET_TO_RECORDING_SERVER",
    "TARGET_TO_SIGNALING_SERVER",
    "TRAFFIC_FILE",
    "accepted_differences",
    "active_traffic_capture",
    "compare",
    "current_traffic_scenario",
    "read_har",
    "record_answered",
    "record_failure",
    "record_response",
    "renamed_scenarios",
    "sane_status_requirements",
    "scenario_key",
    "scenario_label",
    "set_traffic_scenario",
    "shipped_recording_metadata",
    "shipped_recording_names",
    "shipped_traffic_path",
    "start_traffic_capture",
    "stop_traffic_capture",
    "traffic_outside_scenario",
    "traffic_part_files",
    "traffic_scenario_of_this_thread",
    "verdicts_of_recording",
    "write_run_har",
]
