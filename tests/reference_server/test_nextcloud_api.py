"""Users, app config and capabilities as the Nextcloud provisioning and capabilities APIs answer."""

import requests

USERS = "ocs/v2.php/cloud/users"
CONFIG = "ocs/v2.php/apps/provisioning_api/api/v1/config/apps/spreed"


def test_user_provisioning(talk, server):
    admin = talk.session("admin")
    created = admin.post(f"{server.url}{USERS}", data={"userid": "newcomer", "password": "pw-1"})
    assert created.status_code == 200 and created.json()["ocs"]["data"] == {"id": "newcomer"}
    again = admin.post(f"{server.url}{USERS}", data={"userid": "newcomer", "password": "pw-1"})
    assert again.status_code == 400
    assert again.json()["ocs"]["meta"]["statuscode"] == 102
    assert talk.ocs("admin", "GET", f"{USERS}/newcomer")["id"] == "newcomer"
    assert talk.session("participant1").get(f"{server.url}{USERS}/nobody").status_code == 404
    assert (
        talk.session("participant1")
        .post(f"{server.url}{USERS}", data={"userid": "x", "password": "y"})
        .status_code
        == 403
    )
    newcomer = requests.get(
        f"{server.url}{USERS}/newcomer",
        auth=("newcomer", "pw-1"),
        headers={"OCS-APIRequest": "true"},
        timeout=10,
    )
    assert newcomer.status_code == 200
    assert admin.delete(f"{server.url}{USERS}/newcomer").status_code == 200
    assert (
        requests.get(
            f"{server.url}{USERS}/newcomer",
            auth=("newcomer", "pw-1"),
            headers={"OCS-APIRequest": "true"},
            timeout=10,
        ).status_code
        == 401
    )


def test_app_config(talk, server):
    admin = talk.session("admin")
    assert admin.post(f"{server.url}{CONFIG}/some_key", data={"value": "v"}).status_code == 200
    assert talk.ocs("admin", "GET", f"{CONFIG}/some_key") == {"data": "v"}
    assert admin.delete(f"{server.url}{CONFIG}/some_key").status_code == 200
    assert talk.ocs("admin", "GET", f"{CONFIG}/some_key") == {"data": ""}
    assert admin.post(f"{server.url}{CONFIG}/enabled", data={"value": "no"}).status_code == 403
    assert admin.post(f"{server.url}{CONFIG}/some_key").status_code == 400
    forbidden = talk.session("participant1").get(f"{server.url}{CONFIG}/some_key")
    assert forbidden.status_code == 403
    assert forbidden.json()["ocs"]["meta"]["message"] == "Logged in account must be an admin"


def test_capabilities_follow_the_enabling_rule(talk, server):
    def recording():
        spreed = talk.ocs("participant1", "GET", "ocs/v2.php/cloud/capabilities")["capabilities"]["spreed"]
        assert "recording-v1" in spreed["features"]
        return spreed["config"]["call"]["recording"], spreed["config"]["call"]["recording-consent"]

    assert recording() == (True, 0)
    talk.set_config("recording_consent", "1")
    assert recording() == (True, 1)
    talk.set_config("call_recording", "no")
    assert recording() == (False, 0)
    talk.delete_config("recording_consent")


def test_conversation_recording_consent(talk, server):
    token = talk.room()
    url = f"{server.url}ocs/v2.php/apps/spreed/api/v4/room/{token}/recording-consent"
    owner = talk.session("participant1")
    assert owner.put(url, data={"recordingConsent": 2}).json()["ocs"]["data"] == {"error": "value"}
    assert talk.session("participant2").put(url, data={"recordingConsent": 1}).status_code == 403
    talk.set_config("recording_consent", "2")
    assert owner.put(url, data={"recordingConsent": 1}).json()["ocs"]["data"]["recordingConsent"] == 1
    talk.ocs("participant2", "POST", f"ocs/v2.php/apps/spreed/api/v4/room/{token}/participants/active")
    refused = talk.session("participant2").post(f"{server.url}ocs/v2.php/apps/spreed/api/v4/call/{token}")
    assert refused.json()["ocs"]["data"] == {"error": "consent"}
    talk.ocs(
        "participant2",
        "POST",
        f"ocs/v2.php/apps/spreed/api/v4/call/{token}",
        data={"recordingConsent": "true"},
    )
    assert owner.put(url, data={"recordingConsent": 1}).json()["ocs"]["data"] == {"error": "call"}
