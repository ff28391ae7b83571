"""Clearing the target's brute-force attempts: the user's reset command, else the target's reset endpoint.

A scenario that sends bad signatures leaves the suite's address throttled; on a target that cannot be
reset, every signed request after it answers 429. So @disruptive scenarios run only where a reset exists.
"""

from __future__ import annotations

import shlex
import subprocess

from conformance.outcomes import SetupError
from conformance.redaction import Redactor
from conformance.target import _setup_driver as setup_driver
from conformance.target._profile import TargetProfile
from conformance.target._setup_driver import TalkSession

COMMAND_TIMEOUT_SECONDS = 120.0
# Nextcloud's throttle: at most 25 s before the controller and as much again after a failed attempt.
MAX_DELAY_SECONDS = 25.0


def throttled_timeout(request_timeout: float) -> float:
    """How long a request to a throttled endpoint may take: both delays plus the usual timeout."""
    return 2 * MAX_DELAY_SECONDS + request_timeout


class BruteForceResetUnavailable(Exception):
    """Neither a reset command nor a reset endpoint: the message says how to enable one."""


def how_to_enable(status: int) -> str:
    """The skip reason of a @disruptive scenario on a target without a reset."""
    return (
        "@disruptive scenarios need a brute-force reset, and the target offers none (DELETE "
        f"{setup_driver.BRUTE_FORCE_RESET} answered {status}); without one they would leave this machine's "
        "address throttled for the rest of the run. To run them, set bruteforce_reset_command in the profile "
        "(or TALK_CONFORMANCE_BRUTEFORCE_RESET_COMMAND) to a command that clears this machine's address on "
        "the target, e.g. 'ssh cloud sudo -u www-data php occ security:bruteforce:reset 10.0.0.5'"
    )


def run_command(command: str, redactor: Redactor, timeout: float = COMMAND_TIMEOUT_SECONDS) -> None:
    """Run the profile's reset command (split like a shell, no shell); a failure is a setup error."""
    words = shlex.split(command)
    try:
        completed = subprocess.run(
            words, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except FileNotFoundError:
        raise SetupError(f"bruteforce_reset_command cannot be started: {words[0]!r} not found") from None
    except subprocess.TimeoutExpired:
        raise SetupError(f"bruteforce_reset_command did not finish within {timeout:g} s") from None
    except OSError as exc:
        raise SetupError(f"bruteforce_reset_command cannot be started: {exc.strerror or exc}") from None
    if completed.returncode != 0:
        # The command may print secrets (a password prompt, a token); only its redacted last line is shown.
        lines = (completed.stderr or completed.stdout).strip().splitlines()
        said = f": {redactor.text(lines[-1])[:200]}" if lines else ""
        raise SetupError(f"bruteforce_reset_command failed with exit status {completed.returncode}{said}")


def clear_brute_force_attempts(profile: TargetProfile, admin: TalkSession | None, redactor: Redactor) -> str:
    """Clear the attempts by "command" or "endpoint" (returned); BruteForceResetUnavailable if neither."""
    if profile.bruteforce_reset_command:
        run_command(profile.bruteforce_reset_command, redactor)
        return "command"
    if admin is None:
        raise BruteForceResetUnavailable(
            "@disruptive scenarios need a brute-force reset: set bruteforce_reset_command in the profile, or "
            "give the profile an admin account for the target's reset endpoint"
        )
    response = admin.request("DELETE", setup_driver.BRUTE_FORCE_RESET)
    if response.status_code != 200:
        raise BruteForceResetUnavailable(how_to_enable(response.status_code))
    return "endpoint"
