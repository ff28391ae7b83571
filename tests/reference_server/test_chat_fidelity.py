"""The reference server's chat tells the same story as a real Talk 22 (listings recorded from a real run)."""

import json
from pathlib import Path

import pytest
from reference_helpers import TALK, WEBM

REAL = json.loads((Path(__file__).parent / "data" / "real_talk_22_chat_listings.json").read_text("utf-8"))
LISTINGS = REAL["listings"]
ROLES = {"participant1": "moderator", "participant2": "participant", "participant3": "outsider"}
STARTED_VIDEO = {"status": 1, "actor": {"type": "users", "id": "participant1"}}
STARTED_AUDIO = {"status": 2, "actor": {"type": "users", "id": "participant1"}}
BY_MODERATOR = {"actor": {"type": "users", "id": "participant1"}}


def normalised(messages: list[dict]) -> list[list[str]]:
    """The listing in the recording's form: kind, actor type, role, display name placeholder."""
    rows = []
    for message in messages:
        actor = message["actorId"]
        name = message["actorDisplayName"]
        if message["actorType"] == "users":
            actor = ROLES.get(actor, actor)
            name = f"<display name of the {actor}>" if name == message["actorId"] else name
        rows.append([message["systemMessage"] or message["messageType"], message["actorType"], actor, name])
    return rows


def test_the_upstream_style_lifecycle_posts_the_messages_real_talk_posts(talk, recording_room):
    """start, started, failed, start again, started, stop, stopped, store: as Talk 22 would tell it."""
    for step in (
        lambda: talk.start(recording_room, status=1),
        lambda: talk.callback("started", recording_room, **STARTED_VIDEO),
        lambda: talk.callback("failed", recording_room),
        lambda: talk.start(recording_room, status=2),
        lambda: talk.callback("started", recording_room, **STARTED_AUDIO),
        lambda: talk.stop(recording_room),
        lambda: talk.callback("stopped", recording_room, **BY_MODERATOR),
        lambda: talk.store(recording_room, WEBM),
    ):
        assert step().status_code == 200
    # No single recorded scenario ran this whole sequence; it is the concatenation of two recorded ones that
    # share the same opening (room created, participant added, call started).
    failed = LISTINGS["A running recording that fails becomes failed and the chat says so [state=video]"]
    stopped = LISTINGS[
        "The end of a recording stopped by a moderator is announced in the chat "
        "[state=audio, message=audio_recording_stopped]"
    ]
    assert failed[:3] == stopped[:3]
    expected = failed + stopped[3:]
    assert [row[0] for row in expected] == [
        "conversation_created",
        "user_added",
        "call_started",
        "recording_started",
        "recording_failed",
        "audio_recording_started",
        "audio_recording_stopped",
    ]
    assert normalised(talk.chat(recording_room)) == expected


@pytest.mark.parametrize(
    "scenario",
    [
        "When the call ends the recording server is told to stop without an actor",
        "The owner shares the recording into the chat",
    ],
)
def test_recorded_scenarios_leave_the_same_chat(talk, recording_room, scenario):
    if scenario.startswith("When the call ends"):
        assert talk.start(recording_room).status_code == 200
        assert talk.callback("started", recording_room, **STARTED_VIDEO).status_code == 200
        talk.ocs("participant1", "DELETE", f"{TALK}/call/{recording_room}", data={"all": "true"})
        assert talk.callback("stopped", recording_room).status_code == 200
    else:
        token = talk.room()  # the recorded share scenario has no call
        assert talk.store(token, WEBM).status_code == 200
        notification = talk.notifications(token)[0]
        file_id = notification["messageRichParameters"]["file"]["id"]
        timestamp = notification["actions"][0]["link"].rsplit("timestamp=", 1)[1]
        shared = talk.session("participant1").post(
            f"{talk.url}ocs/v2.php/apps/spreed/api/v1/recording/{token}/share-chat",
            data={"fileId": file_id, "timestamp": timestamp},
        )
        assert shared.status_code == 200
        recording_room = token
    assert normalised(talk.chat(recording_room)) == LISTINGS[scenario]
