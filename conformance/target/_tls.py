"""TLS towards the target: the CA bundle check, readable certificate errors, the one unverified warning."""

from __future__ import annotations

import ssl
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import requests
from urllib3.exceptions import InsecureRequestWarning

from conformance.target._error_chain import error_chain

# For pytest's `filterwarnings` ini option (each test starts from the configured filters).
INSECURE_WARNING_FILTER = "ignore::urllib3.exceptions.InsecureRequestWarning"
UNVERIFIED_WARNING = (
    "warning: verify_tls is false: the target's TLS certificate is not checked, "
    "so anyone between the suite and the target could read the passwords and the recording secret"
)
CERTIFICATE_HINT = "set ca_bundle to the PEM file of the CA that issued it, or verify_tls: false"

_announced = False


def check_ca_bundle(path: Path, where: str) -> str | None:
    """Why `path` cannot serve as a CA bundle (None when it can): missing, unreadable, no PEM certificate."""
    if not path.exists():
        return f"{where}: the file {path} does not exist"
    if not path.is_file():
        return f"{where}: {path} is not a file"
    try:
        ssl.create_default_context(cafile=str(path))
    except OSError as exc:  # ssl.SSLError is an OSError too
        if isinstance(exc, ssl.SSLError):
            return f"{where}: {path} holds no PEM certificate the TLS library accepts ({exc.reason or exc})"
        return f"{where}: cannot read {path}: {exc.strerror or exc}"
    return None


def certificate_problem(error: BaseException) -> str | None:
    """A one-line account of a failed certificate check in a requests error; None for other errors."""
    if not isinstance(error, requests.exceptions.SSLError):
        return None
    for current in error_chain(error):
        if isinstance(current, ssl.SSLCertVerificationError):
            detail = current.verify_message or current.reason or "certificate verify failed"
            return f"its TLS certificate is not trusted ({detail}); {CERTIFICATE_HINT}"
        if isinstance(current, ssl.SSLError) and current.reason:
            return f"the TLS handshake failed ({current.reason})"
    return "the TLS handshake failed"


def announce_unverified(verify: bool | str, write: Callable[[str], object] | None = None) -> None:
    """Say once per process that certificates go unchecked, and keep urllib3 from saying it per request."""
    global _announced
    if verify is not False:
        return
    # Only the suite sends requests with verification off, and only because the profile asked for it.
    warnings.filterwarnings("ignore", category=InsecureRequestWarning)
    if _announced:
        return
    _announced = True
    (write or _to_stderr)(UNVERIFIED_WARNING)


def _to_stderr(line: str) -> None:
    print(f"talk-conformance: {line}", file=sys.stderr, flush=True)
