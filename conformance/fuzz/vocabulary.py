"""The error strings the contract documents, per operation kind, read from the OpenAPI file."""

from __future__ import annotations

from typing import Any

from conformance.fuzz.operations import operation_kind

_METHODS = ("get", "post", "put", "delete", "patch")


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _enums(document: dict[str, Any], node: Any, found: dict[str, set[str]], depth: int = 0) -> None:
    """Collect enum/const values of properties named `error` (E1, a string) and `code` (E2)."""
    node = _resolve(document, node)
    if depth > 40 or not isinstance(node, dict):
        return
    for name, schema in (node.get("properties") or {}).items():
        schema = _resolve(document, schema)
        if name in ("error", "code") and isinstance(schema, dict):
            values = list(schema.get("enum") or []) + ([schema["const"]] if "const" in schema else [])
            found["e1" if name == "error" else "e2"].update(v for v in values if isinstance(v, str))
        _enums(document, schema, found, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key) or []:
            _enums(document, sub, found, depth + 1)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            _enums(document, node[key], found, depth + 1)


def documented_errors(document: dict[str, Any]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(E1 error strings, E2 codes) of the error responses, keyed by operation kind."""
    e1: dict[str, set[str]] = {}
    e2: dict[str, set[str]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in _METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            kind = operation_kind(method, path) if operation else None
            if kind is None:
                continue
            for status, response in (operation.get("responses") or {}).items():
                if not str(status).startswith(("4", "5")):
                    continue
                response = _resolve(document, response)
                for media in (response.get("content") or {}).values():
                    found: dict[str, set[str]] = {"e1": set(), "e2": set()}
                    _enums(document, (media or {}).get("schema"), found)
                    e1.setdefault(kind, set()).update(found["e1"])
                    e2.setdefault(kind, set()).update(found["e2"])
    return e1, e2
