"""The deviation register, reduced to the contract cells each entry explains."""

from __future__ import annotations

from pathlib import Path

import yaml

from conformance.protocol import Cell
from conformance.reports._coverage_model import CoverageInputError, Deviation


def load_register(path: Path) -> list[Deviation]:
    """The entries of the deviation register (CoverageInputError when it is unreadable or malformed)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CoverageInputError(f"cannot read the deviation register {path}: {exc}") from None
    entries = data.get("deviations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CoverageInputError(f"{path}: expected a top-level `deviations:` list")
    register: list[Deviation] = []
    for index, entry in enumerate(entries):
        try:
            cells = frozenset(
                Cell(str(cell["operation"]), int(cell["status"]), cell.get("error"))
                for cell in entry["cells"]
            )
            register.append(Deviation(str(entry["id"]), str(entry["title"]), str(entry["decision"]), cells))
        except (KeyError, TypeError, ValueError) as exc:
            raise CoverageInputError(f"{path}: entry #{index + 1} is malformed ({exc!r})") from None
    return register
