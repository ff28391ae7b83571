"""The recording-server suite: the suite plays Talk and judges a recording server."""

from conformance.recording_server_suite._command import recording_server_command
from conformance.recording_server_suite._contract import report_problem, schema_problem
from conformance.recording_server_suite._embedded import EmbeddedRecordingServer
from conformance.recording_server_suite._run import RecordingServerRun
from conformance.recording_server_suite._talk_requests import (
    Exchange,
    checksum,
    start_message,
    stop_message,
    talk_json,
    talk_random,
)
from conformance.recording_server_suite._talk_stand_in import ACCEPTED_TYPES, Received

__all__ = [
    "ACCEPTED_TYPES",
    "EmbeddedRecordingServer",
    "Exchange",
    "Received",
    "RecordingServerRun",
    "checksum",
    "recording_server_command",
    "report_problem",
    "schema_problem",
    "start_message",
    "stop_message",
    "talk_json",
    "talk_random",
]
