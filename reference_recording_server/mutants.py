"""Deliberately broken variants, one rule each, for the suite's self-test; the only module that knows them.

Each mutant replaces one function of the rule modules at start-up, so the rules themselves never ask
whether a mutant is on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from reference_recording_server import app, protocol, recording_files, recordings, signature, talk_reports
from reference_recording_server.config import Settings
from reference_recording_server.protocol import Refusal


class UnknownMutant(Exception):
    """A mutant name that is not in the registry."""


@dataclass(frozen=True)
class Mutant:
    """A named defect: the rule it breaks, and how it breaks it."""

    rule: str
    apply: Callable[[], None]


def _replace_check(old: Callable, new: Callable | None) -> None:
    index = protocol.CHECKS.index(old)
    if new is None:
        del protocol.CHECKS[index]
    else:
        protocol.CHECKS[index] = new


# --- the request checks ---------------------------------------------------------------------------


def _backend_header_400() -> None:
    def check(request, settings):
        return Refusal(400, "missing Talk-Recording-Backend header") if request.backend is None else None

    _replace_check(protocol.backend_named, check)


def _any_backend_trusted() -> None:
    faithful = Settings.secret_for

    def secret_for(self: Settings, backend: str) -> str | None:
        fallback = self.backends[0].secret if self.backends else self.common_secret
        return faithful(self, backend) or fallback

    Settings.secret_for = secret_for  # type: ignore[method-assign]


def _random_optional() -> None:
    _replace_check(protocol.random_present, None)  # the HMAC is then taken over "" + body


def _checksum_optional() -> None:
    def check(request, settings):
        if request.headers.get(protocol.CHECKSUM_HEADER) is None:
            return None
        return protocol.signature_valid(request, settings)

    _replace_check(protocol.checksum_present, None)
    _replace_check(protocol.signature_valid, check)


def _signature_unchecked() -> None:
    _replace_check(protocol.signature_valid, None)


def _size_after_signature() -> None:
    protocol.CHECKS.remove(protocol.body_size_allowed)
    protocol.CHECKS.append(protocol.body_size_allowed)


def _empty_body_accepted() -> None:
    def check(request, settings):
        if request.declared_length and request.declared_length > settings.max_message_size:
            return Refusal(400, "body larger than maxmessagesize")
        return None

    _replace_check(protocol.body_size_allowed, check)


def _signature_without_random() -> None:
    faithful = signature.matches
    signature.matches = lambda secret, random, data, received: faithful(secret, "", data, received)


# --- the message ----------------------------------------------------------------------------------


def _invalid_json_500() -> None:
    faithful = protocol.parse_message

    def parse_message(body: bytes):
        json.loads(body)  # upstream: an unhandled exception, answered 500
        return faithful(body)

    protocol.parse_message = parse_message


def _type_optional() -> None:
    faithful = protocol.parse_message

    def parse_message(body: bytes):
        result = faithful(body)
        if isinstance(result, Refusal) and result.reason == "missing type":
            return {"type": "start", **json.loads(body)}
        return result

    protocol.parse_message = parse_message


def _unknown_type_accepted() -> None:
    app.unknown_type = lambda message: app.accepted()


def _start_owner_optional() -> None:
    faithful = protocol.start_request

    def start_request(request, message):
        start = message.get("start")
        if isinstance(start, dict) and "owner" not in start:
            message = {**message, "start": {**start, "owner": "nobody"}}
        return faithful(request, message)

    protocol.start_request = start_request


def _start_actor_optional() -> None:
    faithful = protocol.start_request

    def start_request(request, message):
        start = message.get("start")
        if isinstance(start, dict) and not isinstance(start.get("actor"), dict):
            message = {**message, "start": {**start, "actor": {"type": "users", "id": start.get("owner")}}}
        return faithful(request, message)

    protocol.start_request = start_request


def _stop_unknown_room_200() -> None:
    def do_stop(recordings_, stop):
        recordings_.stop(stop)
        return app.accepted()

    app.do_stop = do_stop


# --- recordings -----------------------------------------------------------------------------------


def _second_start_restarts() -> None:
    faithful = recordings.Recordings.start

    def start(self, request, secret):
        self._recordings.pop(recordings.recording_key(request.backend, request.token), None)
        faithful(self, request, secret)

    recordings.Recordings.start = start  # type: ignore[method-assign]


def _stop_while_stopping_404() -> None:
    faithful = recordings.Recordings.stop

    def stop(self, request):
        recording = self._recordings.get(recordings.recording_key(request.backend, request.token))
        if recording is not None and recording.stopping:
            return False
        return faithful(self, request)

    recordings.Recordings.stop = stop  # type: ignore[method-assign]


def _skip_step(name: str) -> None:
    """Make the named coroutine step of Recordings do nothing: what it would send is never sent."""

    async def skipped(self, *args):
        return None

    setattr(recordings.Recordings, name, skipped)


def _failed_never_reported() -> None:
    _skip_step("report_failed")


def _upload_before_stopped() -> None:
    async def finish(self, recording, actor):
        if recording.task is not None and not recording.task.done():
            recording.task.cancel()
        try:
            if recording.capturing:
                await self.upload(recording)
            await self.report_stopped(recording, actor)
        finally:
            self._forget(recording)

    recordings.Recordings._finish = finish  # type: ignore[method-assign]


def _never_uploads() -> None:
    _skip_step("upload")


# --- what is sent to Talk -------------------------------------------------------------------------


def _started_without_status() -> None:
    faithful = talk_reports.started_message

    def started_message(token, status, actor):
        message = faithful(token, status, actor)
        del message["started"]["status"]
        return message

    talk_reports.started_message = started_message


def _started_without_actor() -> None:
    faithful = talk_reports.started_message
    talk_reports.started_message = lambda token, status, actor: faithful(token, status, None)


def _stopped_without_actor() -> None:
    faithful = talk_reports.stopped_message
    talk_reports.stopped_message = lambda token, actor: faithful(token, None)


def _failed_without_token() -> None:
    talk_reports.failed_message = lambda token: {"type": "failed", "failed": {}}


def _reports_signed_without_random() -> None:
    def sign(secret, data):
        return signature.new_random(), signature.checksum(secret, "", data)

    talk_reports.sign = sign


def _upload_signed_over_body() -> None:
    faithful = talk_reports.signed_upload

    def signed_upload(secret, token, owner, filename, content):
        content_type, signed = faithful(secret, token, owner, filename, content)
        checksum = signature.checksum(secret, signed.random, signed.body)
        return content_type, talk_reports.Signed(signed.body, signed.random, checksum)

    talk_reports.signed_upload = signed_upload


def _upload_without_owner() -> None:
    faithful = talk_reports.signed_upload

    def signed_upload(secret, token, owner, filename, content):
        content_type, signed = faithful(secret, token, owner, filename, content)
        boundary = content_type.split("boundary=", 1)[1].encode()
        first_part_end = signed.body.index(b"--" + boundary, 2)
        return content_type, talk_reports.Signed(signed.body[first_part_end:], signed.random, signed.checksum)

    talk_reports.signed_upload = signed_upload


def _audio_recorded_as_video() -> None:
    faithful_name, faithful_content = recording_files.file_name, recording_files.file_content
    recording_files.file_name = lambda started_at, status: faithful_name(started_at, 1)
    recording_files.file_content = lambda status, refused=False: faithful_content(1, refused)


MUTANTS: dict[str, Mutant] = {
    "backend-header-400": Mutant(
        "a request without Talk-Recording-Backend is refused with 403", _backend_header_400
    ),
    "any-backend-trusted": Mutant(
        "a request from an unknown backend is refused with 403", _any_backend_trusted
    ),
    "random-optional": Mutant(
        "a request without Talk-Recording-Random is refused with 403", _random_optional
    ),
    "checksum-optional": Mutant(
        "a request without Talk-Recording-Checksum is refused with 403", _checksum_optional
    ),
    "empty-body-accepted": Mutant("a missing or empty body is refused with 400", _empty_body_accepted),
    "size-after-signature": Mutant("the body size is checked before the checksum", _size_after_signature),
    "signature-unchecked": Mutant(
        "a start or stop with a bad checksum is refused with 403", _signature_unchecked
    ),
    "signature-without-random": Mutant("the checksum covers random + body", _signature_without_random),
    "invalid-json-500": Mutant("a signed body that is not JSON is refused with 400 (R1)", _invalid_json_500),
    "type-optional": Mutant("a message without type is refused with 400", _type_optional),
    "unknown-type-accepted": Mutant("a message of unknown type is refused with 400", _unknown_type_accepted),
    "start-owner-optional": Mutant("a start without owner is refused with 400", _start_owner_optional),
    "start-actor-optional": Mutant("a start without actor is refused with 400", _start_actor_optional),
    "stop-unknown-room-200": Mutant("a stop for a room not being recorded is 404", _stop_unknown_room_200),
    "second-start-restarts": Mutant(
        "a second start for the same room changes nothing", _second_start_restarts
    ),
    "stop-while-stopping-404": Mutant("a stop while stopping is 200", _stop_while_stopping_404),
    "failed-never-reported": Mutant(
        "a recording that cannot be made is reported failed", _failed_never_reported
    ),
    "failed-without-token": Mutant("failed names the room token", _failed_without_token),
    "started-without-status": Mutant(
        "started carries the status the start asked for", _started_without_status
    ),
    "started-without-actor": Mutant("started names the actor who started", _started_without_actor),
    "stopped-without-actor": Mutant("stopped names the actor who stopped", _stopped_without_actor),
    "reports-signed-without-random": Mutant(
        "reports and uploads are signed over random + data", _reports_signed_without_random
    ),
    "upload-signed-over-body": Mutant(
        "the upload is signed over random + room token", _upload_signed_over_body
    ),
    "upload-without-owner": Mutant("the upload carries the owner field", _upload_without_owner),
    "audio-recorded-as-video": Mutant(
        "an audio-only recording is uploaded as Ogg audio", _audio_recorded_as_video
    ),
    "upload-before-stopped": Mutant("the upload follows the stopped report", _upload_before_stopped),
    "never-uploads": Mutant("a stopped recording is uploaded", _never_uploads),
}


def apply(name: str) -> None:
    """Break the server in the one way ``name`` describes (once, at start-up, before serving)."""
    if name not in MUTANTS:
        raise UnknownMutant(f"unknown mutant {name!r}; known: {', '.join(sorted(MUTANTS))}")
    MUTANTS[name].apply()
