"""WebDAV DELETE of a stored recording, answered as Nextcloud's Sabre does (a run's cleanup sends it)."""

import requests
from reference_helpers import WEBM

DAV = "remote.php/dav/files"
OWNER = ("participant1", "123456")


def delete(url, auth=OWNER):
    return requests.delete(url, auth=auth, timeout=30)


def folder_url(server, token, owner="participant1"):
    return f"{server.url}{DAV}/{owner}/Talk/Recording/{token}"


def test_the_owner_deletes_a_stored_recording_folder(talk, recording_room, server):
    assert talk.store(recording_room, WEBM, filename="a.webm").status_code == 200
    folder = server.data_dir / "files" / "participant1" / "Talk" / "Recording" / recording_room
    assert (folder / "a.webm").is_file()
    response = delete(folder_url(server, recording_room))
    assert (response.status_code, response.content) == (204, b"")
    assert not folder.exists()
    again = delete(folder_url(server, recording_room))
    assert again.status_code == 404 and again.headers["Content-Type"].startswith("application/xml")
    assert "Sabre\\DAV\\Exception\\NotFound" in again.text


def test_only_the_owner_reaches_the_files_and_a_login_is_needed(talk, recording_room, server):
    assert talk.store(recording_room, WEBM, filename="b.webm").status_code == 200
    url = folder_url(server, recording_room)
    anonymous = delete(url, auth=None)
    assert anonymous.status_code == 401 and "NotAuthenticated" in anonymous.text
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert delete(url, auth=("participant2", "123456")).status_code == 404
    assert delete(f"{server.url}{DAV}/participant1/..%2F..%2Fparticipant2").status_code == 404
    assert (server.data_dir / "files" / "participant1" / "Talk" / "Recording" / recording_room).is_dir()


def test_an_app_config_key_with_a_slash_is_no_route_like_nextclouds(talk, recording_room, server):
    # Talk's start marker `recording/<token>`: the route takes one path segment, an encoded slash included.
    talk.start(recording_room)
    key = f"recording%2F{recording_room}"
    response = talk.session("admin").delete(
        f"{server.url}ocs/v2.php/apps/provisioning_api/api/v1/config/apps/spreed/{key}", timeout=30
    )
    assert response.status_code == 404
    keys = talk.ocs("admin", "GET", "ocs/v2.php/apps/provisioning_api/api/v1/config/apps/spreed")["data"]
    assert f"recording/{recording_room}" in keys
