from conformance.fuzz._state_model import Expected, RecordingModel


def test_start_checks_status_then_state_then_call():
    model = RecordingModel(state=1, call_active=False)
    assert model.start(3) == Expected(400, "status")
    assert model.start(1) == Expected(400, "recording")
    model = RecordingModel(state=5, call_active=False)
    assert model.start(2) == Expected(400, "call")


def test_start_from_none_or_failed_goes_to_starting():
    for initial in (0, 5):
        video, audio = RecordingModel(state=initial), RecordingModel(state=initial)
        assert video.start(1) == Expected(200) and video.state == 3
        assert audio.start(2) == Expected(200) and audio.state == 4


def test_started_only_while_starting_and_takes_the_reported_status():
    model = RecordingModel(state=3)
    assert model.started(2) == Expected(200) and model.state == 2
    assert model.started(1) == Expected(404, "no_such_room") and model.state == 2


def test_stopped_and_failed_apply_from_any_state():
    for initial in range(6):
        model = RecordingModel(state=initial)
        assert model.stopped() == Expected(200) and model.state == 0
        model = RecordingModel(state=initial)
        assert model.failed() == Expected(200) and model.state == 5


def test_stop_leaves_the_state_unless_the_recording_server_answers_404():
    model = RecordingModel(state=1)
    assert model.stop_sends_message()
    assert model.stop(200) == Expected(200) and model.state == 1
    assert model.stop(404) == Expected(200) and model.state == 5
    idle = RecordingModel(state=0)
    assert not idle.stop_sends_message()
    assert idle.stop(404) == Expected(200) and idle.state == 0


def test_call_end_sends_a_stop_unless_none_or_failed():
    assert [RecordingModel(state=s).end_call_sends_stop() for s in range(6)] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]
