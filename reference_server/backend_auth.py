"""Authentication of the recording server's requests: HMAC checks and the brute-force throttle around them."""

from reference_server import brute_force, signature, talk_config
from reference_server.ocs import OcsError
from reference_server.pipeline import Call

NOT_AUTHENTICATED = "The request could not be authenticated."


def _throttle_header(call: Call, slept_ms: int) -> None:
    if slept_ms:
        call.extra_headers["X-Nextcloud-Bruteforce-Throttled"] = f"{slept_ms}ms"


async def brute_force_gate(call: Call, *actions: str) -> None:
    """BruteForceMiddleware::beforeController: 429 at the limit, otherwise sleep the current delay."""
    for action in actions:
        try:
            _throttle_header(call, await call.state.throttler.sleep_or_raise(call.client_ip, action))
        except brute_force.MaxDelayReached:
            raise OcsError(429, "Reached maximum delay") from None


async def register_attempt(call: Call, action: str) -> None:
    """A throttled response: record the attempt, then sleep the new delay (or 429 once over the limit)."""
    call.state.throttler.register(call.client_ip, action)
    await brute_force_gate(call, action)


def signature_ok(call: Call, data: bytes) -> bool:
    secret = talk_config.recording_secret(call.database)
    return signature.is_valid(
        secret, call.header_bytes("talk-recording-random"), call.header_bytes("talk-recording-checksum"), data
    )
