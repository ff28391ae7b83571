"""Traffic of a run as HAR 1.2: recording, the shipped real recordings, normalisation and comparison."""

from conformance.traffic import _capture as capture
from conformance.traffic import _har as har
from conformance.traffic import _recordings as recordings
from conformance.traffic._compare import (
    AcceptedDifference,
    Comparison,
    Difference,
    SaneStatusRequirement,
    accepted_differences,
    compare,
    sane_status_requirements,
)
from conformance.traffic._har import SUITE_TO_TARGET, HarError
from conformance.traffic._merge import write_run_har
from conformance.traffic._normalise import scenario_key
from conformance.traffic._recorded_verdicts import NOT_FOR_RELEASE, RecordedVerdict, verdicts_of_recording

__all__ = [
    "AcceptedDifference",
    "Comparison",
    "Difference",
    "HarError",
    "NOT_FOR_RELEASE",
    "RecordedVerdict",
    "SUITE_TO_TARGET",
    "SaneStatusRequirement",
    "accepted_differences",
    "capture",
    "compare",
    "har",
    "recordings",
    "sane_status_requirements",
    "scenario_key",
    "verdicts_of_recording",
    "write_run_har",
]
