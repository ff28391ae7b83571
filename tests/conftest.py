"""Fixtures every test directory shares."""

from __future__ import annotations

import os

import pytest

from conformance.target import ENV_PREFIX


@pytest.fixture
def no_profile_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test runs without the TALK_CONFORMANCE_* variables of the shell that started it."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
