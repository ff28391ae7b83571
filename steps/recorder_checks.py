"""What Talk expects to receive from the recording server: signed reports and a keepable upload."""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.recording_server_suite import ACCEPTED_TYPES, Received, report_problem
from steps.recorder_world import RecorderWorld


def expect_report(world: RecorderWorld, kind: str, after: int | None = None) -> Received:
    """The room's first `kind` report since the mark, signed as Talk requires and with a JSON body."""
    stand_in = world.run.stand_in
    since = world.mark if after is None else after
    entry = stand_in.wait_for(
        world.token, lambda e: e.kind == "backend" and e.report_type == kind, world.report_timeout, since
    )
    assert entry is not None, (
        f"after {world.sent_so_far()}, Talk expected a signed `{kind}` report about room {world.token} on "
        f"POST {_backend_path(world)} within {world.report_timeout:g}s; received: {world.listing(since)}"
    )
    assert entry.signature_problem is None, (
        f"after {world.sent_so_far()}, the `{kind}` report is not signed as Talk requires "
        f"({entry.signature_problem}); Talk answered 403: {entry.describe()}"
    )
    content_type = dict((name.lower(), value) for name, value in entry.headers).get("content-type", "")
    assert content_type.split(";")[0].strip().lower() == "application/json", (
        f"the `{kind}` report must be sent as application/json, got Content-Type {content_type!r}: "
        f"{entry.describe()}"
    )
    problem = report_problem(kind, entry.message)
    assert problem is None, (
        f"after {world.sent_so_far()}, the `{kind}` report is malformed: {problem}: {entry.describe()}"
    )
    return entry


def _backend_path(world: RecorderWorld) -> str:
    webroot = urlsplit(world.run.stand_in.backend_url).path.rstrip("/")
    return f"{webroot}/ocs/v2.php/apps/spreed/api/v1/recording/backend"


def _field(entry: Received, kind: str) -> dict:
    report = entry.message.get(kind)
    assert isinstance(report, dict), f"the `{kind}` report has no `{kind}` object: {entry.describe()}"
    return report


def expect_fields(entry: Received, kind: str, expected: dict, world: RecorderWorld) -> None:
    """The report's fields have these values (None: the field is absent)."""
    report = _field(entry, kind)
    for key, value in expected.items():
        if value is None:
            assert key not in report, (
                f"after {world.sent_so_far()}, expected `{kind}` without `{key}`, got {report.get(key)!r}: "
                f"{entry.describe()}"
            )
        else:
            assert report.get(key) == value, (
                f"after {world.sent_so_far()}, expected `{kind}.{key}` = {value!r}, got {report.get(key)!r}: "
                f"{entry.describe()}"
            )


def expect_upload(world: RecorderWorld, kind: str, owner: str) -> Received:
    """The room's upload since the mark: after `stopped`, signed over random + token, a file Talk keeps."""
    stopped = expect_report(world, "stopped")
    upload = world.run.stand_in.wait_for(
        world.token, lambda e: e.kind == "store", world.report_timeout, world.mark
    )
    store_path = _backend_path(world).rsplit("/", 1)[0] + f"/{world.token}/store"
    assert upload is not None, (
        f"after {world.sent_so_far()}, Talk expected the recording on POST {store_path} within "
        f"{world.report_timeout:g}s; received: {world.listing()}"
    )
    assert upload.at >= stopped.at and world.received().index(upload) > world.received().index(stopped), (
        f"the upload must follow the stopped report; received: {world.listing()}"
    )
    assert upload.signature_problem is None, (
        f"the upload is not signed as Talk requires, over random + the room token "
        f"({upload.signature_problem}); "
        f"Talk answered 401: {upload.describe()}"
    )
    form = upload.form
    assert form.get("owner") == owner, (
        f"expected the upload's owner field to be {owner!r}, got {form.get('owner')!r}: {upload.describe()}"
    )
    assert "content" in form, f"the upload has no file part: {upload.describe()}"
    detected = form.get("detected_type")
    assert detected == kind, (
        f"expected the uploaded file to be {kind}, content sniffing finds {detected or 'no accepted format'} "
        f"(file {form.get('filename')!r}, {len(form['content'])} bytes): {upload.describe()}"
    )
    extension = ACCEPTED_TYPES[kind]
    assert str(form.get("filename", "")).endswith("." + extension), (
        f"Talk keeps a {kind} file only with the extension .{extension}, got {form.get('filename')!r}"
    )
    assert upload.status == 200, f"Talk refused the upload: {upload.describe()}"
    return upload
