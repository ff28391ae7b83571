"""Absolute URLs (Talk-Recording-Backend, notification, file and icon links) as IURLGenerator derives them."""

from datetime import datetime

import pytest
from reference_helpers import TALK, WEBM, RunningServer, Talk, signaling_servers, signaling_stand_in
from starlette.requests import Request

from reference_server import absolute_url

PROXIED = "cloud.example.org:8443"  # what a reverse proxy in front of the server passes on as Host


def _request(headers: dict, scheme="http", root_path="", server=("127.0.0.1", 8080)) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "scheme": scheme,
        "server": server,
        "root_path": root_path,
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("headers", "scheme", "root_path", "expected"),
    [
        ({"Host": "127.0.0.1:8080"}, "http", "", "http://127.0.0.1:8080/"),
        ({"Host": PROXIED}, "http", "", f"http://{PROXIED}/"),
        ({"Host": "cloud.example.org"}, "https", "", "https://cloud.example.org/"),
        ({"Host": "[::1]:8080"}, "http", "/nextcloud", "http://[::1]:8080/nextcloud/"),
        # Nextcloud trusts no proxy by default: the forwarded scheme and host change nothing.
        (
            {"Host": "127.0.0.1:8080", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
            "http",
            "",
            "http://127.0.0.1:8080/",
        ),
        # A Host that is no host name: the address the request came in on.
        ({"Host": "a/b@c"}, "http", "", "http://127.0.0.1:8080/"),
        ({}, "http", "/nc", "http://127.0.0.1:8080/nc/"),
    ],
)
def test_the_base_url_comes_from_the_request_being_served(headers, scheme, root_path, expected):
    assert absolute_url.of_request(_request(headers, scheme, root_path), None) == expected


def test_base_url_overwrites_what_the_request_says():
    request = _request({"Host": PROXIED}, "https", "/nextcloud")
    assert (
        absolute_url.of_request(request, "http://configured.example/nc/") == "http://configured.example/nc/"
    )


def test_without_a_request_being_served_the_cli_url_is_used():
    assert absolute_url.base("http://listening:1/") == "http://listening:1/"
    serving = absolute_url.serve(_request({"Host": PROXIED}), None)
    try:
        assert absolute_url.base("http://listening:1/") == f"http://{PROXIED}/"
    finally:
        absolute_url.done(serving)
    assert absolute_url.base("http://listening:1/") == "http://listening:1/"


def test_a_file_link_is_the_files_app_route():
    assert absolute_url.file_link("http://h:1/nc/", 42) == "http://h:1/nc/index.php/f/42"


# --- over HTTP ----------------------------------------------------------------------------------------


def _stored_recording(talk: Talk, host: str | None = None) -> str:
    """A room whose recording was started (with ``host`` as the Host header) and stored."""
    token = talk.room()
    talk.join_call(token)
    headers = {"Host": host} if host else {}
    assert talk.start(token, headers=headers).status_code == 200
    assert talk.store(token, WEBM, filename="Recording 2026-01-01 10-00-00.webm").status_code == 200
    return token


def _notification(talk: Talk, token: str, host: str | None = None) -> dict:
    headers = {"Host": host} if host else {}
    every = talk.ocs(
        "participant1", "GET", "ocs/v2.php/apps/notifications/api/v2/notifications", headers=headers
    )
    (notification,) = [n for n in every if n["object_id"] == token]
    return notification


def _links(notification: dict) -> list[str]:
    file = notification["messageRichParameters"]["file"]
    return [
        notification["link"],
        notification["icon"],
        file["link"],
        *(action["link"] for action in notification["actions"]),
    ]


def test_behind_a_proxy_the_recording_server_and_the_links_see_the_proxied_host(talk, recording_server):
    token = _stored_recording(talk, host=PROXIED)
    (start,) = [r for r in recording_server.requests if r.method == "POST"]
    assert start.headers["Talk-Recording-Backend"] == f"http://{PROXIED}/"
    notification = _notification(talk, token, host=PROXIED)
    file_id = notification["messageRichParameters"]["file"]["id"]
    assert notification["messageRichParameters"]["file"]["link"] == f"http://{PROXIED}/index.php/f/{file_id}"
    assert notification["link"] == f"http://{PROXIED}/index.php/call/{token}"
    assert notification["icon"] == f"http://{PROXIED}/apps/spreed/img/app-dark.svg"
    assert all(link.startswith(f"http://{PROXIED}/") for link in _links(notification))


def test_links_follow_the_request_that_lists_them(talk, server):
    token = _stored_recording(talk, host=PROXIED)
    # Stored through one host, listed through another: Talk renders the notification for each listing.
    assert all(link.startswith(server.url) for link in _links(_notification(talk, token)))


def test_the_stop_a_leaving_user_causes_names_the_host_of_that_request(talk, recording_server):
    token = talk.room()
    talk.join_call(token)
    assert talk.start(token).status_code == 200
    http = talk.session("participant1")
    # requests matches cookies against the Host header: the room session cookie goes along by hand.
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    leaving = http.delete(f"{talk.url}{TALK}/call/{token}", headers={"Host": PROXIED, "Cookie": cookie})
    assert leaving.status_code == 200
    stop = recording_server.requests[-1]
    assert b'"type":"stop"' in stop.body
    assert stop.headers["Talk-Recording-Backend"] == f"http://{PROXIED}/"


def test_the_signaling_server_hears_the_host_of_the_request(talk):
    token = talk.room()
    talk.ocs(
        "participant1",
        "POST",
        f"{TALK}/room/{token}/participants",
        data={"newParticipant": "participant3"},
        headers={"Host": PROXIED},
    )
    (invite,) = [entry for entry in signaling_stand_in().received(token) if entry["type"] == "invite"][-1:]
    assert invite["backend"] == f"http://{PROXIED}/"


def test_the_shared_recording_in_the_chat_links_through_the_listing_host(talk):
    token = _stored_recording(talk)
    file_id = _notification(talk, token)["messageRichParameters"]["file"]["id"]
    stamp = int(datetime.fromisoformat(talk.notifications(token)[0]["datetime"]).timestamp())
    shared = talk.session("participant1").post(
        f"{talk.url}ocs/v2.php/apps/spreed/api/v1/recording/{token}/share-chat",
        data={"fileId": file_id, "timestamp": stamp},
    )
    assert shared.status_code == 200
    chat = talk.ocs(
        "participant1", "GET", f"ocs/v2.php/apps/spreed/api/v1/chat/{token}", headers={"Host": PROXIED}
    )
    (message,) = [m for m in chat if m["messageType"] == "record-video"]
    assert message["messageParameters"]["file"]["link"] == f"http://{PROXIED}/index.php/f/{file_id}"


def test_base_url_overrides_the_request_and_the_web_root_counts(tmp_path, recording_server):
    app_config = {"signaling_servers": signaling_servers()}
    configured = RunningServer(
        tmp_path / "configured", {"base_url": "https://nc.example/cloud", "app_config": app_config}
    ).start()
    below_root = RunningServer(
        tmp_path / "root", {"app_config": app_config}, ("--web-root", "/nextcloud")
    ).start()
    try:
        for running, expected in (
            (configured, "https://nc.example/cloud/"),
            (below_root, f"http://{PROXIED}/nextcloud/"),
        ):
            recording_server.requests.clear()
            talk = Talk(running.url)
            talk.configure_recording(recording_server.url)
            token = _stored_recording(talk, host=PROXIED)
            assert recording_server.requests[-1].headers["Talk-Recording-Backend"] == expected
            assert all(link.startswith(expected) for link in _links(_notification(talk, token, host=PROXIED)))
    finally:
        assert configured.stop() == 0 and below_root.stop() == 0


def test_forwarded_headers_of_an_untrusted_proxy_change_nothing(talk, server, recording_server):
    token = talk.room()
    talk.join_call(token)
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-For": "10.1.2.3",
    }
    assert talk.start(token, headers=forwarded).status_code == 200
    assert recording_server.requests[-1].headers["Talk-Recording-Backend"] == server.url
