"""The reference recording server shares no rule with the suite; it takes only media samples from it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "reference_recording_server"


def test_of_the_suite_only_the_media_samples_are_imported():
    imported = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] == "conformance"
            ):
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.split(".")[0] == "conformance"}
    assert imported == {"conformance.protocol.audio_ogg", "conformance.protocol.video_webm"}


def test_the_rules_never_ask_for_a_mutant():
    # The command and its configuration name the mutant; mutants.py applies it; no rule module knows of it.
    for path in PACKAGE.glob("*.py"):
        if path.name not in ("mutants.py", "cli.py", "config.py"):
            assert "mutant" not in path.read_text(encoding="utf-8"), path.name
