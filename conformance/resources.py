"""Locate the bundled contract and feature files, in a checkout or an installed wheel."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from conformance.outcomes import SetupError

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # An installed wheel carries the data inside the package; an editable install or a
    # checkout has it at the repository root, next to the package.
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled data directory {name!r} not found next to {_PACKAGE_DIR}")


def openapi_dir() -> Path:
    """Directory holding recording.yaml and deviations.yaml."""
    return _find("openapi")


def contract_path() -> Path:
    """Path of the OpenAPI description of the recording API."""
    return openapi_dir() / "recording.yaml"


def deviations_path() -> Path:
    """Path of the deviation register."""
    return openapi_dir() / "deviations.yaml"


def expectations_dir() -> Path:
    """Directory of the shipped expectations files (one per implementation)."""
    return _PACKAGE_DIR / "expectations"


def recordings_dir() -> Path:
    """Directory of the shipped real recordings (one per Talk release)."""
    return _PACKAGE_DIR / "recordings"


def features_dir() -> Path:
    """Directory holding the Gherkin feature files."""
    return _find("features")


def binding_module(file_name: str = "test_features.py") -> Path:
    """The installed steps/test_features.py (or another binding module of steps/), found, not imported."""
    # find_spec of a top-level package reads no code of it: the engine never imports the step library.
    spec = importlib.util.find_spec("steps")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise SetupError("the step library is not installed (no package `steps` found)")
    path = Path(locations[0]).resolve() / file_name
    if not path.is_file():
        raise SetupError(f"the scenario binding module {path} is missing; is the suite installed completely?")
    return path
