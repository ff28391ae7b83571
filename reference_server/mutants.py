"""The catalogue of deliberately broken variants, one documented rule each, for the mutation self-test.

Names and rules only; `mutant_switch` holds what each one replaces and applies it at start-up.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """A named defect: the one rule (talk-behaviour.md) the server breaks while it is active."""

    name: str
    rule: str


MUTANTS = {
    mutant.name: mutant
    for mutant in (
        # start: one per error string, plus the order of the checks
        Mutant("start-status-unchecked", "start refuses a status other than 1 or 2 with 400 status"),
        Mutant(
            "start-recording-unchecked", "start refuses with 400 recording while a recording starts or runs"
        ),
        Mutant("start-call-unchecked", "start refuses with 400 call when no call is active"),
        Mutant("start-config-unchecked", "start refuses with 400 config while recording is disabled"),
        Mutant("start-config-before-call", "start checks the call before the recording configuration"),
        Mutant(
            "start-from-failed-always-video",
            "a start from failed moves to the starting state of the requested kind (audio: 4)",
        ),
        # store: one per error string
        Mutant("store-size-reason", "store answers 400 size when the owner field is missing"),
        Mutant(
            "store-owner-unchecked",
            "store refuses an owner who is not a user participant (owner_participant)",
        ),
        Mutant(
            "store-upload-error-ignored", "store refuses a failed upload (e.g. too large) with invalid_file"
        ),
        Mutant(
            "store-missing-file-500", "store answers 400 invalid_file, not 500, when the file part is missing"
        ),
        Mutant("store-empty-file-accepted", "store refuses an empty file with 400 empty_file"),
        Mutant("store-mimetype-reason", "store refuses a file that is not audio/video with file_mimetype"),
        Mutant(
            "store-extension-unchecked",
            "store refuses a name whose extension does not match with file_extension",
        ),
        Mutant("store-not-notified", "a stored recording notifies its owner (record_file_stored)"),
        Mutant(
            "stored-notification-outside-room-folder",
            "the stored-recording notification's file path is in the room's recording folder",
        ),
        # dismiss and share to chat
        Mutant(
            "dismiss-timestamp-unchecked",
            "dismiss refuses a missing timestamp with 400 timestamp",
        ),
        Mutant(
            "share-chat-file-unchecked", "share-chat refuses a file the caller does not have with 400 file"
        ),
        Mutant(
            "share-chat-fileid-unchecked", "share-chat refuses a missing or negative fileId with 400 fileId"
        ),
        # backend callbacks
        Mutant(
            "backend-unknown-type-reason", "backend refuses a report of unknown type with 400 unknown_type"
        ),
        Mutant(
            "backend-no-such-room-ignored",
            "backend refuses a report about an unknown room with 404 no_such_room",
        ),
        Mutant(
            "backend-malformed-report-accepted",
            "backend refuses a known type with missing or mistyped fields with 400 unknown_type",
        ),
        Mutant(
            "backend-config-unchecked",
            "backend refuses started/failed with 400 config while recording is off",
        ),
        # the failed status
        Mutant("failed-ignored", "a failed report moves every state to 5 (failed)"),
        Mutant("start-refused-from-failed", "start is allowed from failed (5 → 3/4)"),
        Mutant("stop-404-not-failed", "a stop the recording server answers 404 drives the room to failed"),
        Mutant("started-accepted-in-failed", "started is only accepted while starting (3/4), not in failed"),
        Mutant("failed-message-missing", "a running recording that fails posts the recording_failed message"),
        Mutant("failed-message-extra", "a recording that fails while starting posts no chat message"),
        Mutant(
            "failed-while-starting-posts-stopped",
            "a recording that fails while starting posts no recording system message of any kind",
        ),
        # HMAC
        Mutant("hmac-short-random-accepted", "the random of a signed request has at least 32 bytes"),
        Mutant(
            "hmac-uppercase-refused", "the checksum is compared case-insensitively (uppercase hex accepted)"
        ),
        Mutant("hmac-store-wrong-data", "store verifies the HMAC over random + room token"),
        Mutant("hmac-backend-wrong-data", "backend verifies the HMAC over random + the raw request body"),
        # the OCS envelope of the recording errors
        Mutant("envelope-statuscode", "meta.statuscode equals the HTTP status of a controller error"),
        Mutant("envelope-status", "meta.status is 'failure' on an error"),
        Mutant("envelope-data-shape", 'a controller error carries data {"error": reason}'),
        # middleware order, state read-back, call end
        Mutant("csrf-after-controller", "the CSRF check runs before the controller (nothing changes on 412)"),
        Mutant("callrecording-readback", "the room object reports callRecording as stored (5 for failed)"),
        Mutant("call-end-no-stop", "ending the call sends an actor-less stop to the recording server"),
        # middleware: login, admin, CSRF, room injection, brute force
        Mutant(
            "login-not-required",
            "a non-public endpoint refuses a caller who is not logged in (anonymous or guest) with 401 997",
        ),
        Mutant("welcome-admin-not-required", "welcome refuses a logged-in user who is not an admin with 403"),
        Mutant(
            "csrf-not-checked",
            "a request without OCS-APIRequest: true (or Bearer) is refused with the plain 412 CSRF failure",
        ),
        Mutant(
            "moderator-not-required",
            "start, stop, dismiss and share-chat refuse a non-moderator participant with 403",
        ),
        Mutant(
            "participant-not-required",
            "start, stop, dismiss and share-chat refuse a user who is not a participant with 404",
        ),
        Mutant(
            "bruteforce-never-throttles",
            "over the attempt limit at the maximum delay a throttled action is refused with 429",
        ),
        # effects: start, stop, dismiss, share to chat, system messages
        Mutant(
            "start-sends-nothing",
            "start asks the first recording server to start before it changes the status",
        ),
        Mutant("stop-sends-nothing", "stop in a state other than none asks the recording server to stop"),
        Mutant(
            "dismiss-ignores-timestamp", "dismiss removes only the notifications created at the timestamp"
        ),
        Mutant("share-chat-posts-nothing", "share-chat posts the file into the conversation's chat"),
        Mutant(
            "share-chat-posted-by-other-user",
            "the message share-chat posts is by the user who shared the recording",
        ),
        Mutant(
            "dismiss-deletes-everyones",
            "dismiss removes only the caller's notifications, never another user's",
        ),
        Mutant(
            "backend-header-wrong",
            "start and stop requests carry the server's own URL in Talk-Recording-Backend",
        ),
        Mutant(
            "backend-header-wrong-on-stop",
            "stop requests, like start requests, carry the server's own URL in Talk-Recording-Backend",
        ),
        Mutant(
            "started-message-missing", "a recording that starts posts the recording_started system message"
        ),
        Mutant(
            "stopped-message-missing",
            "a recording stopped by an actor posts the recording_stopped system message",
        ),
        Mutant(
            "stopped-message-without-actor",
            "a recording stopped without an actor (call ended) posts no recording_stopped message",
        ),
    )
}


class UnknownMutant(ValueError):
    """A mutant name that is not in the catalogue."""


def check_name(name: str) -> str:
    """The name itself, or UnknownMutant naming every valid choice."""
    if name not in MUTANTS:
        raise UnknownMutant(f"unknown mutant {name!r}; known mutants: {', '.join(sorted(MUTANTS))}")
    return name
