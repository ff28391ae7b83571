"""The talk-conformance command: subcommands; bad profiles and dead targets give one line and a status."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import cli

SECRET = "cli-test-secret-5a4b3c"


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    env.update(extra)
    return env


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == cli.EXIT_CLEAN
    out = capsys.readouterr().out
    for name in ("run", "fuzz", "matrix", "docs", "self-test"):
        assert f"  {name}  " in out


def test_the_help_is_aligned_in_one_column() -> None:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        cli.main(["--help"])
    rows = [line for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert len(rows) == len(cli._commands())
    columns = {len(line) - len(line[2:].split("  ", 1)[1].lstrip()) for line in rows}
    assert len(columns) == 1, rows  # every description starts in the same column


def test_a_mistyped_command_is_named_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["bogus"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("talk-conformance: unknown command 'bogus'; the commands are run, check,")


@pytest.mark.parametrize("command", [[], ["fuzz"], ["recording-server"]])
def test_an_unusable_report_dir_is_one_line_and_exit_2(command: list[str], tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory", encoding="utf-8")
    for report_dir, reason in ((a_file, "is not a directory"), (a_file / "below", "cannot write to")):
        result = run_cli(*command, "--report-dir", str(report_dir), cwd=tmp_path)
        assert result.returncode == cli.EXIT_USAGE, result.stderr
        assert result.stderr.count("\n") == 1 and "--report-dir: " in result.stderr
        assert reason in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


def test_run_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--help"]) == cli.EXIT_CLEAN
    assert "--target-profile" in capsys.readouterr().out


def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--no-such-option"]) == cli.EXIT_USAGE
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_the_binding_module_is_found_from_the_installed_steps_package() -> None:
    path = cli.binding_module()
    assert path.name == "test_features.py" and path.is_file()


def test_a_bad_profile_is_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    profile = tmp_path / "bad.yaml"
    profile.write_text(
        f"recording_secret: {SECRET}\nusers:\n  - {{user: a, password: b}}\n  - {{user: c, password: d}}\n",
        encoding="utf-8",
    )
    result = run_cli("--target-profile", str(profile), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"talk-conformance: profile {profile}: users must list exactly three accounts, got 2"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_target_is_one_line_on_stderr_and_exit_3(tmp_path: Path) -> None:
    url = closed_port_url()
    env = clean_env(TALK_CONFORMANCE_RECORDING_SECRET=SECRET)
    result = run_cli("--target-url", url, "--report-dir", "out", cwd=tmp_path, env=env)
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"talk-conformance: setup error: the target {url} is not reachable: Connection refused"
        " (fix: is the server up? GET /ocs/v2.php/cloud/capabilities got no answer)"
    ]
    assert "Traceback" not in result.stdout + result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "error" and summary["target_url"] == url
    for path in (tmp_path / "out").iterdir():
        assert SECRET not in path.read_text(encoding="utf-8")


def test_stale_reports_are_removed_before_a_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "junit.xml").write_text("<stale/>", encoding="utf-8")
    result = run_cli(
        "--target-profile", str(tmp_path / "missing.yaml"), "--report-dir", str(out), cwd=tmp_path
    )
    assert result.returncode == 2 and "cannot be read" in result.stderr
    result = run_cli("--target-url", closed_port_url(), "--report-dir", str(out), cwd=tmp_path)
    assert result.returncode == 3
    assert "<stale/>" not in (out / "junit.xml").read_text(encoding="utf-8")


def test_fuzz_is_dispatched_to_the_fuzzer(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fuzz", "--help"]) == cli.EXIT_CLEAN
    assert "talk-conformance fuzz" in capsys.readouterr().out


def test_matrix_is_dispatched_to_the_coverage_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["matrix", "--format", "json"]) == cli.EXIT_CLEAN
    assert json.loads(capsys.readouterr().out)


def test_docs_is_dispatched_to_the_living_documentation(tmp_path: Path) -> None:
    assert cli.main(["docs", "--out", str(tmp_path / "site")]) == cli.EXIT_CLEAN
    assert "failed_recording" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8").lower()


def test_the_command_loads_the_profile_once_and_hands_the_run_to_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance import cli
    from conformance.suite import _suite_run as suite_run
    from conformance.target import _profile as config

    loads: list[object] = []

    def counting(*args: object, **kwargs: object) -> config.TargetProfile:
        loads.append(args)
        return config.load_profile(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "load_profile", counting)
    monkeypatch.setattr(suite_run, "load_profile", counting)
    code = cli.main(["--report-dir", str(tmp_path / "r"), "--", "-k", "unknown_recording_server"])
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert code == 0 and summary["totals"]["passed"] >= 1
    assert len(loads) == 1
