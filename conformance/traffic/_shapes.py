"""Where two JSON answers differ in shape: keys and JSON types, recursively, lists by their element shapes."""

from __future__ import annotations

from typing import Any

MISSING = "(missing)"
NO_ELEMENTS = "(no elements)"


def type_name(value: Any) -> str:
    """The JSON type of a decoded value."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null"


def shape_of(value: Any) -> str:
    """Keys and JSON types, recursively, in one line; list elements as the set of their shapes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {shape_of(value[key])}" for key in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + " | ".join(sorted({shape_of(item) for item in value})) + "]"
    return type_name(value)


ShapeDifference = tuple[str, str, str]  # key path ("data[].file.mimetype"), left's type, right's type


def shape_differences(left: Any, right: Any, path: str = "") -> list[ShapeDifference]:
    """Every key path where the two differ: a key only one side has, or another JSON type."""
    left_type, right_type = type_name(left), type_name(right)
    if left_type != right_type:
        return [(path or "(the answer)", left_type, right_type)]
    if left_type == "object":
        found: list[ShapeDifference] = []
        for key in sorted(set(left) | set(right)):
            inner = f"{path}.{key}" if path else str(key)
            if key not in left:
                found.append((inner, MISSING, type_name(right[key])))
            elif key not in right:
                found.append((inner, type_name(left[key]), MISSING))
            else:
                found += shape_differences(left[key], right[key], inner)
        return found
    if left_type == "list":
        return _list_differences(left, right, f"{path}[]")
    return []


def _list_differences(left: list[Any], right: list[Any], path: str) -> list[ShapeDifference]:
    """Each element shape only one side has, compared with the other side's nearest element shape."""
    if not left or not right:
        if left == right:
            return []
        left_kinds, right_kinds = (
            ", ".join(sorted({type_name(item) for item in items})) or NO_ELEMENTS for items in (left, right)
        )
        return [(path, left_kinds, right_kinds)]
    left_shapes = {shape_of(item): item for item in left}
    right_shapes = {shape_of(item): item for item in right}
    found: list[ShapeDifference] = []
    for shape, item in right_shapes.items():
        if shape not in left_shapes:
            found += shape_differences(_nearest(item, left_shapes.values(), left_side=False), item, path)
    for shape, item in left_shapes.items():
        if shape not in right_shapes:
            found += shape_differences(item, _nearest(item, right_shapes.values(), left_side=True), path)
    return list(dict.fromkeys(found))  # an element shape seen from both sides is named once


def _nearest(item: Any, candidates: Any, left_side: bool) -> Any:
    """The candidate whose shape differs from the item's at the fewest key paths."""

    def distance(candidate: Any) -> int:
        pair = (item, candidate) if left_side else (candidate, item)
        return len(shape_differences(*pair))

    return min(candidates, key=distance)
