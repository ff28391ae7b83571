"""Mutants of the reference server: the registry, the switch (CLI and config), and that they really bite."""

import ast
import hashlib
import hmac
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from reference_helpers import OCS_HEADERS, RECORDING, RunningServer

from reference_server import mutant_switch, mutants

SECRET = "mutant-test-secret"
PACKAGE = Path(mutants.__file__).parent
# Recording configured with a secret; the recording server itself is never contacted by these tests.
CONFIG = {
    "bruteforce": {"testing": True},
    "app_config": {
        "call_recording": "yes",
        "recording_servers": json.dumps({"servers": [{"server": "http://127.0.0.1:9"}], "secret": SECRET}),
    },
}


def test_the_catalogue_names_each_rule_once_and_every_mutant_replaces_one_rule_function() -> None:
    assert len(mutants.MUTANTS) >= 25
    for name, mutant in mutants.MUTANTS.items():
        assert mutant.name == name and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name)
        assert len(mutant.rule) > 20, f"{name}: say which rule it breaks"
    assert len({mutant.rule for mutant in mutants.MUTANTS.values()}) == len(mutants.MUTANTS)
    assert set(mutant_switch.REPLACEMENTS) == set(mutants.MUTANTS), "every mutant has a replacement"
    for name, replacement in mutant_switch.REPLACEMENTS.items():
        module, function = replacement.location()
        assert callable(getattr(module, function, None)), f"{name}: no rule function {replacement.dotted}"


def test_no_rule_module_knows_about_mutants() -> None:
    # The rules read like the protocol: only the command, its config and the switch name the mutants.
    knowing = {"cli.py", "config.py", "mutants.py", "mutant_switch.py"}
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "mutants.on(" not in text, path.name
        if path.name not in knowing:
            assert not re.search(r"\bmutant", text), f"{path.name} mentions mutants"


def test_every_rule_a_mutant_replaces_is_reached_through_its_module() -> None:
    # `from module import rule` would keep the faithful function in the importer: the mutant would not bite.
    targets = {tuple(r.dotted.rsplit(".", 1)) for r in mutant_switch.REPLACEMENTS.values()}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reference_server."):
                module = node.module.removeprefix("reference_server.")
                for alias in node.names:
                    assert (module, alias.name) not in targets, f"{path.name} imports the rule {alias.name}"


def test_activating_a_mutant_replaces_exactly_its_rule_function() -> None:
    # In a process of its own: a mutant stays active for the life of the process that chose it.
    script = (
        "from reference_server import mutant_switch, state_machine, recording_api\n"
        "before = (state_machine.start_allowed_from, state_machine.can_start, recording_api.start_refusal)\n"
        "mutant_switch.activate('start-refused-from-failed')\n"
        "after = (state_machine.start_allowed_from, state_machine.can_start, recording_api.start_refusal)\n"
        "print([b is a for b, a in zip(before, after)], sorted(state_machine.start_allowed_from()),"
        " state_machine.can_start(5), mutant_switch.active())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "[False, True, True] [0] False start-refused-from-failed", result.stderr


def test_the_faithful_server_has_no_mutant_active() -> None:
    assert mutant_switch.active() is None
    with pytest.raises(mutants.UnknownMutant, match="known mutants: backend-config-unchecked, "):
        mutants.check_name("no-such-mutant")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reference_server", *args], capture_output=True, text=True, timeout=30
    )


def test_an_unknown_mutant_is_refused_with_the_list_of_names(tmp_path: Path) -> None:
    result = _run("--port", "0", "--mutant", "start-everything")
    assert result.returncode == 2 and result.stdout == ""
    assert "--mutant: unknown mutant 'start-everything'; known mutants: " in result.stderr
    assert "start-status-unchecked" in result.stderr and "Traceback" not in result.stderr
    config = tmp_path / "config.yaml"
    config.write_text("mutant: start-everything\n", encoding="utf-8")
    result = _run("--port", "0", "--config", str(config))
    assert result.returncode == 2
    assert f"bad configuration: {config}: unknown mutant 'start-everything'" in result.stderr


def test_list_mutants_prints_every_name_and_rule() -> None:
    result = _run("--list-mutants")
    assert result.returncode == 0
    listed = dict(line.split("\t") for line in result.stdout.splitlines())
    assert listed == {name: mutant.rule for name, mutant in mutants.MUTANTS.items()}


def _failed_report(url: str, random: str, uppercase: bool = False) -> requests.Response:
    body = json.dumps({"type": "failed", "failed": {"token": "nosuchroom"}}).encode()
    checksum = hmac.new(SECRET.encode(), random.encode() + body, hashlib.sha256).hexdigest()
    headers = {
        **OCS_HEADERS,
        "Content-Type": "application/json",
        "Talk-Recording-Random": random,
        "Talk-Recording-Checksum": checksum.upper() if uppercase else checksum,
    }
    return requests.post(f"{url}{RECORDING}/backend", data=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("mutant", "random", "uppercase", "faithful_status", "mutant_status"),
    [
        ("hmac-short-random-accepted", "short", False, 403, 404),
        ("hmac-uppercase-refused", "r" * 32, True, 404, 403),
        ("hmac-backend-wrong-data", "r" * 32, False, 404, 403),
    ],
)
def test_a_mutant_breaks_its_rule_and_the_faithful_server_keeps_it(
    tmp_path: Path, mutant: str, random: str, uppercase: bool, faithful_status: int, mutant_status: int
) -> None:
    faithful = RunningServer(tmp_path / "faithful", CONFIG).start()
    broken = RunningServer(tmp_path / "broken", CONFIG, extra_args=("--mutant", mutant)).start()
    try:
        assert _failed_report(faithful.url, random, uppercase).status_code == faithful_status
        assert _failed_report(broken.url, random, uppercase).status_code == mutant_status
    finally:
        assert faithful.stop() == 0 and broken.stop() == 0
    assert f"mutant {mutant} active" in broken.log_path.read_text(encoding="utf-8")


def test_the_config_key_selects_a_mutant_of_the_envelope(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", {**CONFIG, "mutant": "envelope-status"}).start()
    try:
        answer = _failed_report(server.url, "r" * 32)
    finally:
        server.stop()
    assert answer.status_code == 404
    assert answer.json()["ocs"]["meta"]["status"] == "ok"  # the broken rule: an error says "failure"
