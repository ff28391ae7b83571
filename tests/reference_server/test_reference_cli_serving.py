"""The command's HTTPS and web-root options: what they announce and how bad values are refused."""

import subprocess
import sys

import pytest

CERT = """-----BEGIN CERTIFICATE-----
not really
-----END CERTIFICATE-----
"""


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "reference_server", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--tls-cert", "cert.pem"), "--tls-cert and --tls-key go together"),
        (("--tls-key", "key.pem"), "--tls-cert and --tls-key go together"),
        (("--tls-cert", "missing.pem", "--tls-key", "cert.pem"), "--tls-cert: missing.pem does not exist"),
        (("--tls-cert", "cert.pem", "--tls-key", "cert.pem"), "cannot use cert.pem with cert.pem"),
        (("--web-root", "/next cloud"), "--web-root must be a path such as /nextcloud"),
        (("--web-root", "/a/../b"), "--web-root must be a path such as /nextcloud"),
    ],
)
def test_unusable_options_are_refused_in_one_line(tmp_path, monkeypatch, options, message):
    (tmp_path / "cert.pem").write_text(CERT)
    monkeypatch.chdir(tmp_path)
    result = run(*options)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("talk-reference-server: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


@pytest.mark.parametrize("raw", ["nextcloud", "/nextcloud/", "/nextcloud"])
def test_the_web_root_is_announced_in_the_listening_line(raw):
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server", "--port", "0", "--web-root", raw],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("talk-reference-server listening on http://127.0.0.1:")
        assert line.endswith("/nextcloud/\n")
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
        process.stdout.close()
