"""Target profile: precedence CLI > environment > YAML > defaults, and validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.outcomes import SetupError
from conformance.target._profile import (
    DEFAULT_RECORDING_SECRET,
    EMBEDDED_UPLOAD_LIMIT_BYTES,
    Account,
    ProfileError,
    RunContext,
    TargetProfile,
    load_profile,
)

FULL_PROFILE = """
url: http://127.0.0.1:8081/
admin: {user: root, password: rootpass}
users:
  - {user: alice, password: alicepass}
  - {user: bob, password: bobpass}
  - {user: carol, password: carolpass}
recording_secret: yaml secret
fake_recording_server_listen: 127.0.0.1:9123
fake_recording_server_url: http://127.0.0.1:9123
configure_recording: false
skip_tags: ["@disruptive", guest]
expectations: expected.yaml
request_timeout: 5
upload_limit_bytes: 2048
run_id: tcabc123
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_mean_the_embedded_reference_server() -> None:
    profile = load_profile(None, None, {})
    assert profile.url is None
    assert profile.admin == Account("admin", "admin")
    assert [u.user_id for u in profile.users] == ["participant1", "participant2", "participant3"]
    assert {u.password for u in profile.users} == {"123456"}
    assert profile.recording_secret == DEFAULT_RECORDING_SECRET
    assert profile.fake_recording_server_listen == "127.0.0.1:0"
    assert profile.configure_recording is True
    assert profile.request_timeout == 30
    assert profile.upload_limit_bytes == EMBEDDED_UPLOAD_LIMIT_BYTES
    assert profile.run_id.startswith("tc") and len(profile.run_id) == 8


def test_only_a_url_assumes_the_reference_accounts_and_an_unknown_upload_limit() -> None:
    profile = load_profile("http://127.0.0.1:8080/", None, {})
    assert profile.url == "http://127.0.0.1:8080"
    assert profile.admin == Account("admin", "admin")
    assert profile.upload_limit_bytes is None


def test_every_yaml_key_is_read(tmp_path: Path) -> None:
    profile = load_profile(None, write(tmp_path, FULL_PROFILE), {})
    assert profile.url == "http://127.0.0.1:8081"
    assert profile.admin == Account("root", "rootpass")
    assert profile.users == (
        Account("alice", "alicepass"),
        Account("bob", "bobpass"),
        Account("carol", "carolpass"),
    )
    assert profile.recording_secret == "yaml secret"
    assert profile.listen_address == ("127.0.0.1", 9123)
    assert profile.fake_recording_server_url == "http://127.0.0.1:9123"
    assert profile.configure_recording is False
    assert profile.skip_tags == ("disruptive", "guest")
    assert profile.expectations == tmp_path / "expected.yaml"
    assert profile.request_timeout == 5.0
    assert profile.upload_limit_bytes == 2048
    assert profile.run_id == "tcabc123"


def test_environment_beats_yaml_and_cli_beats_environment(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_PROFILE)
    env = {
        "TALK_CONFORMANCE_URL": "http://127.0.0.1:7000",
        "TALK_CONFORMANCE_RECORDING_SECRET": "env secret",
        "TALK_CONFORMANCE_ADMIN_PASSWORD": "envroot",
        "TALK_CONFORMANCE_USER2_USER": "bert",
        "TALK_CONFORMANCE_SKIP_TAGS": "admin, exclusive",
        "TALK_CONFORMANCE_CONFIGURE_RECORDING": "yes",
        "TALK_CONFORMANCE_REQUEST_TIMEOUT": "7.5",
        "TALK_CONFORMANCE_UPLOAD_LIMIT_BYTES": "4096",
        "TALK_CONFORMANCE_FAKE_RECORDING_SERVER_LISTEN": "127.0.0.1:0",
        "TALK_CONFORMANCE_RUN_ID": "tcenv",
    }
    profile = load_profile(None, path, env)
    assert profile.url == "http://127.0.0.1:7000"
    assert profile.recording_secret == "env secret"
    assert profile.admin == Account("root", "envroot")
    assert profile.users[1] == Account("bert", "bobpass")
    assert profile.skip_tags == ("admin", "exclusive")
    assert profile.configure_recording is True
    assert profile.request_timeout == 7.5
    assert profile.upload_limit_bytes == 4096
    assert profile.fake_recording_server_listen == "127.0.0.1:0"
    assert profile.run_id == "tcenv"
    assert load_profile("http://127.0.0.1:6000", path, env).url == "http://127.0.0.1:6000"


def test_the_profile_path_can_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_PROFILE)
    assert load_profile(None, None, {"TALK_CONFORMANCE_PROFILE": str(path)}).run_id == "tcabc123"


def test_no_admin_from_yaml_or_environment(tmp_path: Path) -> None:
    assert load_profile(None, write(tmp_path, "admin: null\n"), {}).admin is None
    assert load_profile(None, None, {"TALK_CONFORMANCE_ADMIN_USER": ""}).admin is None


def test_passwords_and_secret_stay_out_of_repr(tmp_path: Path) -> None:
    profile = load_profile(None, write(tmp_path, FULL_PROFILE), {})
    text = repr(profile) + repr(RunContext(profile, "http://x", "http://y", "http://z", tmp_path / "lock"))
    for secret in ("rootpass", "alicepass", "bobpass", "carolpass", "yaml secret"):
        assert secret not in text
    assert set(profile.secrets()) == {"yaml secret", "rootpass", "alicepass", "bobpass", "carolpass"}


def test_profile_and_context_survive_the_trip_to_xdist_workers(tmp_path: Path) -> None:
    profile = load_profile(None, write(tmp_path, FULL_PROFILE), {})
    context = RunContext(
        profile, "http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", tmp_path / "l"
    )
    assert RunContext.from_dict(context.to_dict()) == context
    assert TargetProfile.from_dict(profile.to_dict()) == profile


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users:\n  - {user: a, password: b}\n  - {user: c, password: d}\n",
         "users must list exactly three accounts, got 2"),
        ("users: alice\n", "users must be a list of three accounts"),
        ("admin: {user: root}\n", "admin must be a mapping with exactly the keys user and password"),
        ("admin: {user: root, password: 123456}\n", 'admin.password must be a non-empty string (quote it'),
        ("url: ftp://host\n", "url must be an http:// or https:// URL, got 'ftp://host'"),
        ("recording_secret: ''\n", "recording_secret must be a non-empty string"),
        ("fake_recording_server_listen: 9000\n", "fake_recording_server_listen must look like HOST:PORT"),
        ("fake_recording_server_listen: '127.0.0.1:70000'\n", "fake_recording_server_listen must look like"),
        ("configure_recording: maybe\n", "configure_recording must be true or false, got 'maybe'"),
        ("request_timeout: -1\n", "request_timeout must be a positive number, got -1"),
        ("upload_limit_bytes: lots\n", "upload_limit_bytes must be a positive number, got 'lots'"),
        ("run_id: Not-Valid\n", "run_id must be 1 to 16 lowercase letters or digits"),
        ("skip_tags: [1, 2]\n", "skip_tags must be a list of tag names"),
        ("secret: x\n", "unknown key(s) secret; known keys:"),
        ("- a\n- b\n", "must be a mapping of keys to values, got list"),
        ("url: [unclosed\n", "not valid YAML at line"),
        ("users:\n  - {user: a, password: b}\n  - {user: a, password: b}\n  - {user: c, password: d}\n",
         "the three users must be different accounts"),
    ],
)  # fmt: skip
def test_bad_profiles_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(None, path, {})
    assert str(caught.value).startswith(f"profile {path}: ")
    assert message in str(caught.value)


def test_a_missing_profile_file_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"profile .*nope\.yaml: cannot be read"):
        load_profile(None, tmp_path / "nope.yaml", {})


def test_a_profile_that_is_not_utf8_is_a_profile_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"url: http://caf\xe9.invalid\n")
    with pytest.raises(ProfileError, match=r"profile .*latin1\.yaml: is not UTF-8 text"):
        load_profile(None, path, {})


def test_bad_environment_values_are_profile_errors() -> None:
    with pytest.raises(ProfileError, match="request_timeout must be a positive number, got 'soon'"):
        load_profile(None, None, {"TALK_CONFORMANCE_REQUEST_TIMEOUT": "soon"})


def test_a_profile_error_is_a_setup_error() -> None:
    # The plugin reports setup errors as "error", never as a conformance failure.
    assert issubclass(ProfileError, SetupError)


DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_example_profile_loads() -> None:
    profile = load_profile(None, DOCS / "profile.example.yaml", {})
    assert profile.url == "http://127.0.0.1:8080"
    assert profile.skip_tags == ("disruptive",)
    assert profile.users[2] == Account("participant3", "123456")


def test_every_profile_key_and_variable_is_documented() -> None:
    text = (DOCS / "profiles.md").read_text(encoding="utf-8")
    from conformance.target._profile import _YAML_KEYS

    for key in _YAML_KEYS:
        assert f"`{key}`" in text, key
        if key not in ("admin", "users"):
            assert f"TALK_CONFORMANCE_{key.upper()}" in text, key
    for variable in ("ADMIN_USER", "ADMIN_PASSWORD", "USER1_USER", "USER1_PASSWORD", "PROFILE"):
        assert f"TALK_CONFORMANCE_{variable}" in text or f"_{variable}" in text, variable
