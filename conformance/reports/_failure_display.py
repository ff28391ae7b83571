"""How a failure reads on the terminal: bodies shortened, pytest's introspection dropped, cuts pointed out."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from email.parser import BytesParser
from email.policy import HTTP

# A JSON body is shown pretty-printed up to this many lines; text up to this many characters.
BODY_LINE_LIMIT = 15
TEXT_LIMIT = 600
# A failure on the terminal: at most this many lines of its message, each at most this wide.
MESSAGE_LINE_LIMIT = 60
LINE_WIDTH = 400
SHA256_SHOWN = 12
# Where a body cut here is kept whole.
WHOLE_BODIES = "--record-traffic keeps every body whole"

# pytest's assertion rewriting appends "assert <expression>" and "+ where ..." lines to a step's message.
_INTROSPECTION = re.compile(r"\n(assert |AssertionError: assert |  [+] where |where ).*", re.DOTALL)
_SCENARIO_PREFIX = re.compile(r"^scenario '(?:[^'\\]|\\.)*': ")


def without_introspection(message: str) -> str:
    """A step's assertion message without what pytest's rewriting appended (`assert []`, `+ where ...`)."""
    if message.startswith("assert "):
        return ""  # an assert without a message: nothing but pytest's rendering of the expression
    return _INTROSPECTION.sub("", message).rstrip()


def exception_message(error: BaseException | None, fallback: str) -> str:
    """What a failed step said: an assertion's own message, any other exception with its type."""
    if error is None:
        return fallback
    if isinstance(error, AssertionError):
        return without_introspection(str(error)) or "the step's assertion failed (it gives no message)"
    return f"{type(error).__name__}: {error}"


def describe_body(body: bytes | str | None, content_type: str | None) -> str:
    """A body as a person reads it: JSON pretty and cut, text cut, binary as size, type and checksum."""
    data = body.encode() if isinstance(body, str) else (body or b"")
    kind = (content_type or "").split(";")[0].strip().lower()
    if not data:
        return "(empty)"
    if kind == "multipart/form-data":
        return _multipart(data, content_type or "")
    text = _text_of(data)
    if text is None:
        return binary_summary(data, kind or "application/octet-stream")
    try:
        parsed = json.loads(text)
    except ValueError:
        return _cut_text(text)
    return _cut_lines(json.dumps(parsed, indent=2, ensure_ascii=False))


def binary_summary(data: bytes, kind: str) -> str:
    """`<1,204 bytes audio/ogg, sha256 3f2a…>`: what a binary body is, without its bytes."""
    digest = hashlib.sha256(data).hexdigest()[:SHA256_SHOWN]
    return f"<{len(data):,} bytes {kind}, sha256 {digest}…>"


def _text_of(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for char in text if char.isprintable() or char in "\r\n\t")
    return text if printable >= 0.95 * len(text) else None


def _cut_text(text: str) -> str:
    if len(text) <= TEXT_LIMIT:
        return repr(text)
    return f"{text[:TEXT_LIMIT]!r} … ({len(text):,} characters; {WHOLE_BODIES})"


def _cut_lines(text: str) -> str:
    lines = text.splitlines()
    if len(lines) <= BODY_LINE_LIMIT:
        return text
    rest = len(lines) - BODY_LINE_LIMIT
    pointer = f"… ({rest} more lines; {WHOLE_BODIES})"
    return "\n".join([*lines[:BODY_LINE_LIMIT], pointer])


def _multipart(data: bytes, content_type: str) -> str:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + data)
    if not message.is_multipart():
        return binary_summary(data, "multipart/form-data")
    fields = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or "?"
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is None and _text_of(payload) is not None:
            fields.append(f"{name}={_cut_text(payload.decode('utf-8'))}")
            continue
        kind = part.get_content_type() if part.get("Content-Type") else None
        kind = kind or mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
        fields.append(f"{name} ({filename!r}): {binary_summary(payload, kind)}")
    return "multipart/form-data: " + "; ".join(fields)


def scenario_message(message: str) -> list[str]:
    """The lines of a failure message to show under the scenario's heading (which already names it)."""
    return _SCENARIO_PREFIX.sub("", without_introspection(message)).splitlines()


def failure_lines(heading: str, message: str, full_report: str | None) -> list[str]:
    """A failed scenario on the terminal: heading, then the message indented; a cut says where the rest is."""
    lines = [heading]
    body = scenario_message(message) or ["(the step gave no message)"]
    cut = len(body) > MESSAGE_LINE_LIMIT or any(len(line) > LINE_WIDTH for line in body)
    for line in body[:MESSAGE_LINE_LIMIT]:
        lines.append("    " + (line if len(line) <= LINE_WIDTH else line[:LINE_WIDTH] + " …"))
    if cut:
        where = full_report or "the run's summary.json"
        lines.append(f"    (shortened; the full message is in {where})")
    return lines
