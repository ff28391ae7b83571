"""HTTPS targets: a private CA through ca_bundle, an untrusted certificate, verify_tls: false."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from separate_servers import read_summary, reference_server, talk_conformance
from throwaway_ca import Certificates, make_certificates

from conformance.target._profile import ProfileError, load_profile
from conformance.target._tls import UNVERIFIED_WARNING

EMBEDDED_LIMIT = 1048576


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def https_target(tmp_path_factory: pytest.TempPathFactory, certificates: Certificates) -> Iterator[str]:
    """A reference server serving HTTPS with a certificate of the throwaway CA."""
    work_dir = tmp_path_factory.mktemp("https-server")
    options = ("--tls-cert", str(certificates.server_cert), "--tls-key", str(certificates.server_key))
    with reference_server(work_dir, *options) as url:
        yield url


def write_profile(directory: Path, **keys: object) -> Path:
    path = directory / "profile.yaml"
    path.write_text(yaml.safe_dump({"upload_limit_bytes": EMBEDDED_LIMIT, **keys}), encoding="utf-8")
    return path


def test_the_reference_server_announces_https(https_target: str) -> None:
    assert https_target.startswith("https://127.0.0.1:")


def test_a_run_with_the_ca_bundle_passes(
    tmp_path: Path, https_target: str, certificates: Certificates
) -> None:
    profile = write_profile(tmp_path, url=https_target, ca_bundle=str(certificates.ca))
    result = talk_conformance("--target-profile", str(profile), "--report-dir", "reports", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = read_summary(tmp_path / "reports")
    assert summary["verdict"] == "passed" and summary["target_url"] == https_target
    assert summary["totals"]["passed"] > 50
    assert UNVERIFIED_WARNING not in result.stderr + result.stdout


def test_without_the_ca_bundle_the_run_errors_in_one_line(tmp_path: Path, https_target: str) -> None:
    result = talk_conformance("--target-url", https_target, "--report-dir", "reports", cwd=tmp_path)
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"talk-conformance: setup error: the target {https_target} is not reachable: ")
    assert "its TLS certificate is not trusted (" in lines[0] and "set ca_bundle" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert read_summary(tmp_path / "reports")["verdict"] == "error"


def test_verify_tls_false_passes_with_one_warning(tmp_path: Path, https_target: str) -> None:
    result = talk_conformance(
        "--target-url", https_target, "--report-dir", "reports",
        "--", "-k", "started or failed",
        cwd=tmp_path, env={"TALK_CONFORMANCE_VERIFY_TLS": "false"},
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert output.count(UNVERIFIED_WARNING) == 1
    assert "InsecureRequestWarning" not in output and "Unverified HTTPS request" not in output
    summary = read_summary(tmp_path / "reports")
    assert summary["verdict"] == "passed" and summary["totals"]["passed"] >= 5


def test_a_ca_bundle_is_relative_to_the_profile(tmp_path: Path, certificates: Certificates) -> None:
    (tmp_path / "ca.pem").write_bytes(certificates.ca.read_bytes())
    profile = load_profile(
        cli_profile_path=write_profile(tmp_path, url="https://cloud.example.test", ca_bundle="ca.pem")
    )
    assert profile.ca_bundle == tmp_path / "ca.pem" and profile.tls_verify == str(tmp_path / "ca.pem")


def test_verify_tls_false_outweighs_the_ca_bundle(certificates: Certificates) -> None:
    env = {"TALK_CONFORMANCE_CA_BUNDLE": str(certificates.ca), "TALK_CONFORMANCE_VERIFY_TLS": "no"}
    assert load_profile(env=env).tls_verify is False
    assert load_profile().tls_verify is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "ca_bundle: the file {path} does not exist"),
        ("not a certificate\n", "ca_bundle: {path} holds no PEM certificate the TLS library accepts"),
    ],
)
def test_an_unusable_ca_bundle_is_a_profile_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ProfileError, match="^profile: " + re.escape(message.format(path=path))):
        load_profile(env={"TALK_CONFORMANCE_CA_BUNDLE": str(path)})


def test_a_missing_ca_bundle_stops_the_command_with_exit_2(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, url="https://127.0.0.1:9", ca_bundle="missing.pem")
    result = talk_conformance("--target-profile", str(profile), cwd=tmp_path)
    assert result.returncode == 2
    missing = tmp_path / "missing.pem"
    assert (
        result.stderr
        == f"talk-conformance: profile {profile}: ca_bundle: the file {missing} does not exist\n"
    )


def test_verify_tls_must_be_a_boolean() -> None:
    with pytest.raises(ProfileError, match="verify_tls must be true or false, got 'sometimes'"):
        load_profile(env={"TALK_CONFORMANCE_VERIFY_TLS": "sometimes"})
