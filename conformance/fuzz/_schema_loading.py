"""Load the contract into schemathesis with our dictionaries, accounts, signer and tuned checks."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig

from conformance.fuzz._signing_auth import RecordingSignatureAuth
from conformance.protocol import (
    BACKEND_OPERATION,
    DISMISS_OPERATION,
    SHARE_OPERATION,
    START_OPERATION,
    STOP_OPERATION,
    STORE_OPERATION,
    WELCOME_OPERATION,
)
from conformance.target import Account

SIGNED_OPERATIONS = (STORE_OPERATION, BACKEND_OPERATION)
ADMIN_OPERATIONS = (WELCOME_OPERATION,)
COERCED_INTEGER_OPERATIONS = (START_OPERATION, DISMISS_OPERATION, SHARE_OPERATION, WELCOME_OPERATION)

# Statuses a schema-valid request may get, per operation. 401/403 are deliberately absent where our
# credentials or signature must be accepted: a broken HMAC or login then fails the run instead of passing.
POSITIVE_STATUSES: dict[str, list[str]] = {
    # 500: one prepared room's recording server fails (the contract's registered 5xx).
    START_OPERATION: ["2xx", "400", "404", "500"],
    STOP_OPERATION: ["2xx", "404", "500"],
    STORE_OPERATION: ["2xx", "400", "404"],
    BACKEND_OPERATION: ["2xx", "400", "404"],
    DISMISS_OPERATION: ["2xx", "404"],
    SHARE_OPERATION: ["2xx", "400", "404"],
    WELCOME_OPERATION: ["2xx", "404"],
}
REJECTION_STATUSES = ["400", "401", "403", "404", "405", "406", "412", "415", "422", "429"]
PHASES = ("examples", "coverage", "fuzzing", "stateful")


@dataclass(frozen=True)
class FuzzSettings:
    """Budget and reproducibility of one run."""

    max_examples: int | None = 100  # None: schemathesis' default, for runs bounded by max_time
    max_time: int | None = None
    seed: int = 20260627
    deterministic: bool = True
    phases: tuple[str, ...] = PHASES
    stateful_steps: int = 6
    # False only for throughput measurements: no check runs, so no failure triggers shrinking.
    checks_enabled: bool = True
    # False only for throughput measurements: schemathesis otherwise learns from error answers and generates
    # more for targets that explain their 400s, which measures the generator, not the target.
    error_feedback: bool = True


@dataclass(frozen=True)
class FuzzInputs:
    """What the target offers: where it is, who we are, and which rooms exist."""

    base_url: str
    moderator: Account
    admin: Account | None
    recording_secret: str
    tokens: tuple[str, ...]
    owners: tuple[str, ...]
    request_timeout: float
    file_ids: tuple[int, ...] = ()
    timestamps: tuple[int, ...] = ()
    # Answers that register brute-force attempts go here (e.g. BruteForceGuard.hook).
    response_hook: Any = None
    # False when the target offers no brute-force reset: then 429 is an expected answer for signed calls.
    brute_force_resettable: bool = True
    tls_verify: bool | str = True  # the profile's: a CA bundle path, or whether to check certificates


def read_contract(path: Path) -> dict[str, Any]:
    """The OpenAPI document as a dict."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def api_base_url(target_url: str, document: dict[str, Any]) -> str:
    """The target URL joined with the path of the contract's first server entry."""
    servers = document.get("servers") or [{"url": ""}]
    server_path = urlsplit(str(servers[0].get("url", ""))).path
    return target_url.rstrip("/") + "/" + server_path.strip("/")


def _statuses(operation_id: str, inputs: FuzzInputs) -> list[str]:
    statuses = list(POSITIVE_STATUSES[operation_id])
    if operation_id in SIGNED_OPERATIONS and not inputs.brute_force_resettable:
        statuses.append("429")
    return statuses


def project_config(inputs: FuzzInputs, document: dict[str, Any], settings: FuzzSettings) -> dict[str, Any]:
    """The schemathesis configuration (the same keys as schemathesis.toml) for this run."""
    # No example database: a run depends on the seed and the code only, never on earlier runs' leftovers.
    generation: dict[str, Any] = {"mode": "all", "deterministic": settings.deterministic, "database": "none"}
    if settings.max_examples is not None:
        generation["max-examples"] = settings.max_examples
    token_binding = {"dictionary": "tokens", "probability": 0.8}
    operations: list[dict[str, Any]] = [
        {
            "include-operation-id": operation_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": _statuses(operation_id, inputs)}},
        }
        for operation_id in POSITIVE_STATUSES
    ]
    # Accounts per operation, not globally: a global Basic auth would take the place of the signer on
    # store/backend (requests carries one auth object per call).
    user_auth = {"basic": {"username": inputs.moderator.user_id, "password": inputs.moderator.password}}
    admin = inputs.admin or inputs.moderator
    admin_auth = {"basic": {"username": admin.user_id, "password": admin.password}}
    for entry in operations:
        operation_id = entry["include-operation-id"]
        if operation_id in COERCED_INTEGER_OPERATIONS:
            # Nextcloud coerces integer parameters like PHP settype ("1.9" → 1, "abc" → 0) and only checks
            # the coerced value; the contract accepts that (deviation X18), so a schema-violating value may
            # honestly get 2xx. Missing headers are still covered by missing_required_header.
            entry["checks"]["negative_data_rejection"] = {"enabled": False}
        if operation_id not in SIGNED_OPERATIONS:
            entry["auth"] = admin_auth if operation_id in ADMIN_OPERATIONS else user_auth
    config: dict[str, Any] = {
        "seed": settings.seed,
        "base-url": api_base_url(inputs.base_url, document),
        "headers": {"Accept": "application/json"},
        "request-timeout": inputs.request_timeout,
        "tls-verify": inputs.tls_verify,
        "workers": 1,
        "generation": generation,
        "phases": {
            name: {"enabled": name in settings.phases}
            | ({"max-steps": max(2, settings.stateful_steps)} if name == "stateful" else {})
            | ({"error-feedback": {"enabled": settings.error_feedback}} if name == "fuzzing" else {})
            for name in PHASES
        },
        "dictionaries": {
            "tokens": {"values": list(inputs.tokens)},
            "owners": {"values": list(inputs.owners)},
            # 0 dismisses every notification of the room; the stored recording's time dismisses one.
            "timestamps": {"values": [0, *inputs.timestamps]},
            **({"file_ids": {"values": list(inputs.file_ids)}} if inputs.file_ids else {}),
        },
        "parameters": {
            "path.token": token_binding,
            "body.started.token": token_binding,
            "body.stopped.token": token_binding,
            "body.failed.token": token_binding,
            "body.owner": {"dictionary": "owners", "probability": 0.8},
            "query.timestamp": {"dictionary": "timestamps", "probability": 0.5},
            "body.timestamp": {"dictionary": "timestamps", "probability": 0.5},
            **({"body.fileId": {"dictionary": "file_ids", "probability": 0.6}} if inputs.file_ids else {}),
        },
        # Replaced by registered_server_errors_only, which knows the registered 500s.
        "checks": {
            "not_a_server_error": {"enabled": False},
            # Nextcloud answers an unknown method with a bare 405 and no Allow header (talk-behaviour §0.1);
            # that is upstream behaviour outside the recording API's contract.
            "unsupported_method": {"enabled": False},
            # A missing or wrong OCS-APIRequest header earns Nextcloud's CSRF 412: a rejection too.
            "negative_data_rejection": {"expected-statuses": REJECTION_STATUSES},
            "missing_required_header": {"expected-statuses": REJECTION_STATUSES},
        }
        if settings.checks_enabled
        else {"enabled": False},
        "operations": operations,
    }
    if settings.max_time is not None:
        config["max-time"] = settings.max_time
    return config


def load_schema(inputs: FuzzInputs, document: dict[str, Any], settings: FuzzSettings) -> Any:
    """A schemathesis schema, configured and with the signer attached to store/backend."""
    config = SchemathesisConfig.from_dict(project_config(inputs, document, settings))
    schema = schemathesis.openapi.from_dict(copy.deepcopy(document), config=config)
    signer = RecordingSignatureAuth(inputs.recording_secret, inputs.response_hook)
    schema.auth.set_from_requests(signer).apply_to(operation_id=list(SIGNED_OPERATIONS))
    return schema
