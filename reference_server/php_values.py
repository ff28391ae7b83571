"""PHP value semantics the real server exhibits: settype int coercion, json_decode and json_encode."""

import json
import math
import re

_NUMERIC_PREFIX = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)
JSON_MAX_DEPTH = 512


def to_int(value) -> int:
    """Coerce like PHP ``settype($value, 'int')``: "12abc" -> 12, "abc" -> 0, true -> 1."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return max(_INT64_MIN, min(_INT64_MAX, value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return 0
        return max(_INT64_MIN, min(_INT64_MAX, int(value)))
    if isinstance(value, str):
        match = _NUMERIC_PREFIX.match(value)
        if not match:
            return 0
        text = match.group(0).strip()
        if match.group(2) is None and match.group(3) is None and "." not in text:
            return max(_INT64_MIN, min(_INT64_MAX, int(text)))
        return to_int(float(text))
    if isinstance(value, list | dict):
        return 1 if value else 0
    return 0


def _reject_constant(name):
    raise ValueError(f"not JSON: {name}")


def _depth(value) -> int:
    """Container nesting depth as PHP counts it (scalars add nothing); iterative, so any depth is safe."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def json_decode(raw: bytes):
    """Decode like PHP ``json_decode($raw, true)``: ``(ok, value)``, ``ok`` False where PHP gives null."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False, None
    try:
        if _depth(value) > JSON_MAX_DEPTH:
            return False, None
        # A lone surrogate escape ("\ud800") is JSON_ERROR_UTF16 in PHP.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (RecursionError, UnicodeEncodeError):
        return False, None
    return True, value


class PhpObject(dict):
    """A PHP object (stdClass): encodes as a JSON object even when empty, where an empty array gives []."""


def _is_php_list(value: dict) -> bool:
    # An associative array with keys "0".."n-1" in order is a PHP list and encodes as a JSON array.
    return all(key == str(index) for index, key in enumerate(value))


_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_HEX_TAG_ESCAPES = {"<": "\\u003C", ">": "\\u003E"}  # JSON_HEX_TAG


def _encode_string(text: str, hex_tag: bool) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[char])
        elif hex_tag and char in _HEX_TAG_ESCAPES:
            out.append(_HEX_TAG_ESCAPES[char])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        elif code < 0x80:
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
    out.append('"')
    return "".join(out)


def _encode_float(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    text = repr(value)
    mantissa, sep, exponent = text.partition("e")
    if sep and "." not in mantissa:
        return f"{mantissa}.0e{exponent}"  # PHP writes 1.0e+25 where Python writes 1e+25
    return text


def json_encode(value, hex_tag: bool = False) -> str:
    """Encode like PHP ``json_encode`` (compact, ``\\/``, ``\\uXXXX``; ``JSON_HEX_TAG`` when ``hex_tag``)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _encode_float(value)
    if isinstance(value, str):
        return _encode_string(value, hex_tag)
    if isinstance(value, dict):
        if not isinstance(value, PhpObject) and _is_php_list(value):
            return "[" + ",".join(json_encode(v, hex_tag) for v in value.values()) + "]"
        items = (_encode_string(str(k), hex_tag) + ":" + json_encode(v, hex_tag) for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_encode(v, hex_tag) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__}")
