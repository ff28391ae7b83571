"""The --config file: every mistake gets a message that says what is wrong."""

import pytest

from reference_server.config import ConfigError, load_config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("unknown: 1\n", "unknown keys ['unknown']"),
        ("accounts: []\n", "'accounts' must be a non-empty list"),
        ("accounts:\n  - {id: a}\n", "accounts[0].password must be a string"),
        ("accounts:\n  - {id: ../x, password: p}\n", "accounts[0].id must be"),
        ("accounts:\n  - {id: a, password: p}\n  - {id: a, password: q}\n", "the same id twice"),
        (
            "accounts:\n  - {id: a, password: p, admin: yes please}\n",
            "accounts[0].admin must be true or false",
        ),
        ("app_config: [1]\n", "'app_config' must be a mapping"),
        ("bruteforce: {enabled: maybe}\n", "bruteforce.enabled must be true or false"),
        ("bruteforce: {max_attempts: -1}\n", "bruteforce.max_attempts must be an integer >= 0"),
        ("bruteforce: {sleep: 1}\n", "bruteforce: unknown keys"),
        ("upload_max_bytes: -1\n", "upload_max_bytes must be a positive integer"),
        ("upload_max_bytes: true\n", "upload_max_bytes must be a positive integer"),
        ("base_url: ftp://x\n", "base_url must be an http:// or https:// URL"),
        ("talk_version: 21\n", "talk_version must be one of 22, 23"),
        ("talk_version: '23'\n", "talk_version must be one of 22, 23"),
        ("talk_version: true\n", "talk_version must be one of 22, 23"),
        ("key: [unclosed\n", "is not valid YAML"),
        ("- a list\n", "must be a YAML mapping"),
    ],
)
def test_bad_configurations(tmp_path, text, message):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(str(path))
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(str(tmp_path / "missing.yaml"))
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError):
        load_config(str(binary))


def test_values_and_defaults(tmp_path):
    assert [a.id for a in load_config(None).accounts] == [
        "admin",
        "participant1",
        "participant2",
        "participant3",
    ]
    path = tmp_path / "config.yaml"
    path.write_text(
        "app_config: {call_recording: 'no', recording_servers: {servers: []}, n: 5}\n"
        "bruteforce: {testing: true}\nbase_url: http://127.0.0.1:2/nc\nupload_max_bytes: 10\n"
    )
    config = load_config(str(path))
    assert config.app_config == {"call_recording": "no", "recording_servers": '{"servers": []}', "n": "5"}
    assert (config.bruteforce.enabled, config.bruteforce.testing, config.bruteforce.max_attempts) == (
        True,
        True,
        10,
    )
    assert (config.base_url, config.upload_max_bytes) == ("http://127.0.0.1:2/nc/", 10)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_config(str(empty)).upload_max_bytes == 512 * 1024 * 1024
    assert load_config(None).talk_version == 23


def test_talk_version_is_read(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("talk_version: 22\n")
    assert load_config(str(path)).talk_version == 22
