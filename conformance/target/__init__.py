"""The implementation under test and what surrounds it: profile, preflight, run set-up, stand-ins."""

from conformance.target import _background_cleanup as background_cleanup
from conformance.target import _brute_force_reset as brute_force_reset
from conformance.target import _run_setup as run_setup
from conformance.target import _setup_driver as setup_driver
from conformance.target import _target_cleanup as target_cleanup
from conformance.target._child_server import ChildServer
from conformance.target._cleanup_stack import CleanupStack
from conformance.target._embedded_server import EmbeddedServer
from conformance.target._expectation_verdicts import expected_side, failed_differently, judged_answer
from conformance.target._expectations import Expectation, Expectations, ScenarioKey, load_expectations
from conformance.target._fake_recording_server import (
    NOT_JSON,
    SIGNALING_SERVER,
    UNREACHABLE,
    WELCOME,
    FakeRecordingServer,
    FakeRecordingServerControl,
)
from conformance.target._loopback_http import BackgroundHTTPServer
from conformance.target._preflight import Preflight
from conformance.target._profile import (
    DEFAULT_RECORDING_SECRET,
    DEFAULT_REQUEST_TIMEOUT,
    EMBEDDED_UPLOAD_LIMIT_BYTES,
    ENV_PREFIX,
    Account,
    ProfileError,
    RunContext,
    TargetProfile,
    load_profile,
)
from conformance.target._recording_server_callbacks import (
    API_PATH,
    USER_AGENT,
    RecordingServerClient,
    SignatureFactory,
    failed_message,
    multipart_body,
    started_message,
    stopped_message,
)
from conformance.target._run_setup import PreparedRun, new_run_dir, preflight_run
from conformance.target._setup_driver import RECORDING, TalkSession, transport_reason
from conformance.target._signaling_stand_in import SignalingStandIn
from conformance.target._target_release import TargetRelease, skip_reason
from conformance.target._tls import INSECURE_WARNING_FILTER, announce_unverified

__all__ = [
    "API_PATH",
    "Account",
    "BackgroundHTTPServer",
    "ChildServer",
    "CleanupStack",
    "DEFAULT_RECORDING_SECRET",
    "DEFAULT_REQUEST_TIMEOUT",
    "EMBEDDED_UPLOAD_LIMIT_BYTES",
    "ENV_PREFIX",
    "EmbeddedServer",
    "Expectation",
    "Expectations",
    "FakeRecordingServer",
    "FakeRecordingServerControl",
    "INSECURE_WARNING_FILTER",
    "NOT_JSON",
    "Preflight",
    "PreparedRun",
    "ProfileError",
    "RECORDING",
    "RecordingServerClient",
    "RunContext",
    "SIGNALING_SERVER",
    "ScenarioKey",
    "SignalingStandIn",
    "SignatureFactory",
    "TalkSession",
    "TargetProfile",
    "TargetRelease",
    "UNREACHABLE",
    "USER_AGENT",
    "WELCOME",
    "announce_unverified",
    "background_cleanup",
    "brute_force_reset",
    "expected_side",
    "failed_differently",
    "failed_message",
    "judged_answer",
    "load_expectations",
    "load_profile",
    "multipart_body",
    "new_run_dir",
    "preflight_run",
    "run_setup",
    "setup_driver",
    "skip_reason",
    "started_message",
    "stopped_message",
    "target_cleanup",
    "transport_reason",
]
