"""Shape differences: keys and JSON types, recursively, lists by their element shapes."""

from __future__ import annotations

from conformance.traffic._shapes import MISSING, NO_ELEMENTS, shape_differences


def test_equal_shapes_with_other_values_do_not_differ():
    assert shape_differences({"a": 1, "b": ["x"], "c": None}, {"a": 2, "b": ["y", "z"], "c": None}) == []


def test_a_missing_or_extra_key_and_another_type_are_named_by_their_path():
    left = {"data": {"file": {"id": "1", "name": "a"}, "count": 1}}
    right = {"data": {"file": {"id": 1, "name": "a", "mimetype": "video/webm"}}}
    assert shape_differences(left, right) == [
        ("data.count", "number", MISSING),
        ("data.file.id", "string", "number"),
        ("data.file.mimetype", MISSING, "string"),
    ]


def test_list_elements_are_compared_by_their_shapes_with_the_nearest_element():
    messages = [{"id": 1, "parameters": {"actor": {}}}, {"id": 2, "parameters": {"actor": {}, "user": {}}}]
    ours = [{"id": 1, "parameters": {"actor": {}}}, {"id": 2, "parameters": {"actor": {}, "file": {}}}]
    assert shape_differences(messages, ours) == [
        ("[].parameters.file", MISSING, "object"),
        ("[].parameters.user", "object", MISSING),
    ]


def test_an_element_kind_only_one_side_has_is_a_difference_even_when_the_keys_are_known():
    # Each element must have a counterpart: the union of keys would hide an element that lost one.
    left = [{"a": 1, "b": 1}]
    right = [{"a": 1, "b": 1}, {"a": 1}]
    assert shape_differences(left, right) == [("[].b", "number", MISSING)]


def test_an_empty_list_against_a_filled_one_and_php_empty_arrays():
    assert shape_differences({"actions": []}, {"actions": [{"label": "x"}]}) == [
        ("actions[]", NO_ELEMENTS, "object")
    ]
    assert shape_differences({"reactions": {}}, {"reactions": []}) == [("reactions", "object", "list")]
