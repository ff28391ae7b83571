"""Read the suite's YAML inputs (profiles, expectations) with one-line errors instead of tracebacks."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml


def read_yaml_document(path: Path, source: str, error: type[Exception]) -> Any:
    """Parse `path`; an unreadable, non-UTF-8 or invalid file raises `error`, its message led by `source`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{source}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise error(f"{source}: is not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise error(f"{source}: not valid YAML{where}") from None


def read_yaml_mapping(path: Path, source: str, error: type[Exception]) -> dict[Any, Any]:
    """Parse a file of keys to values (an empty file has none); any other document raises `error`."""
    data = read_yaml_document(path, source, error)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{source}: must be a mapping of keys to values, got {type(data).__name__}")
    return data


def refuse_unknown_keys(
    mapping: Mapping[Any, Any], known: Collection[str], where: str, error: type[Exception]
) -> None:
    """Raise `error` naming the keys of `mapping` that are not `known`, and the known ones."""
    unknown = sorted(str(key) for key in mapping if key not in known)
    if unknown:
        raise error(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
