"""Check real HTTP responses against the OpenAPI contract of the recording API."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance import resources

# The document is registered under this URI so that its "#/components/..." references resolve.
_DOCUMENT_URI = "urn:talk-conformance:recording-contract"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Nextcloud's own answers whose meta.statuscode differs from the HTTP status: the login check (997), a
# request no route matches (998) and an uncaught exception (996). The schemas say where each is documented.
_NEXTCLOUD_STATUSCODES = {401: 997, 404: 998, 500: 996}


class ContractViolation(AssertionError):
    """A response does not match what the contract documents for its operation and status."""


@dataclass(frozen=True)
class Cell:
    """One documented outcome: operation, HTTP status and error string (None when the body has none)."""

    operation_id: str
    status: int
    error: str | None


@dataclass(frozen=True)
class Operation:
    """One documented operation: method, path template and the statuses it may answer."""

    operation_id: str
    method: str
    path: str
    statuses: tuple[int, ...]

    def matches(self, method: str, path: str) -> bool:
        """True if a request with this method and path (below the servers prefix) is this operation."""
        return method.upper() == self.method and _template_regex(self.path).fullmatch(path) is not None

    @property
    def literal_segments(self) -> int:
        """Number of fixed path segments; the more, the more specific the template."""
        return sum(1 for part in self.path.split("/") if part and not part.startswith("{"))


@functools.cache
def _template_regex(template: str) -> re.Pattern[str]:
    # A template parameter matches any single segment, so that a malformed token still maps to its
    # operation: the route-level 404 it earns is documented there.
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
    return re.compile(pattern)


class Contract:
    """The loaded contract: operations, their documented responses and a validator for each."""

    def __init__(self, document: dict[str, Any], source: Path | None = None) -> None:
        self.document = document
        self.source = source
        servers = document.get("servers") or [{"url": ""}]
        self.prefix = urlsplit(servers[0]["url"]).path.rstrip("/")
        self._registry = Registry().with_resource(
            _DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self._operations: dict[str, Operation] = {}
        self._responses: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
        for path, path_item in document.get("paths", {}).items():
            for method in _METHODS:
                if method in path_item:
                    self._add_operation(path, method, path_item[method])

    def _add_operation(self, path: str, method: str, spec: dict[str, Any]) -> None:
        operation_id = spec["operationId"]
        pointer_base = f"/paths/{_escape(path)}/{method}/responses"
        responses: dict[str, tuple[str, dict[str, Any]]] = {}
        for key, response in spec.get("responses", {}).items():
            pointer = f"{pointer_base}/{_escape(str(key))}"
            if "$ref" in response:
                pointer = response["$ref"].removeprefix("#")
                response = self._resolve_pointer(pointer)
            responses[str(key)] = (pointer, response)
        statuses = tuple(sorted(int(key) for key in responses if key.isdigit()))
        self._operations[operation_id] = Operation(operation_id, method.upper(), path, statuses)
        self._responses[operation_id] = responses

    def _resolve_pointer(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.lstrip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    # --- lookup ---------------------------------------------------------------------------------

    @property
    def operations(self) -> list[Operation]:
        """Every operation, in document order."""
        return list(self._operations.values())

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId (KeyError naming the known ones otherwise)."""
        try:
            return self._operations[operation_id]
        except KeyError:
            known = ", ".join(self._operations)
            raise KeyError(f"no operation {operation_id!r} in the contract (known: {known})") from None

    def operation_for(self, method: str, url_or_path: str) -> Operation | None:
        """The operation a request goes to, from a full URL or a path with or without the servers prefix."""
        path = self.relative_path(url_or_path)
        candidates = [op for op in self._operations.values() if op.matches(method, path)]
        if not candidates:
            return None
        # /recording/backend also fits /recording/{token}: the fixed path wins, as in Nextcloud's router.
        return max(candidates, key=lambda op: op.literal_segments)

    def relative_path(self, url_or_path: str) -> str:
        """The path below the servers prefix (query, scheme, host and any web root stripped)."""
        path = unquote(urlsplit(url_or_path).path)
        if self.prefix and self.prefix in path:
            path = path[path.index(self.prefix) + len(self.prefix) :]
        return "/" + path.lstrip("/")

    # --- documented outcomes --------------------------------------------------------------------

    def _response_for(self, operation_id: str, status: int) -> tuple[str, dict[str, Any]] | None:
        responses = self._responses[self.operation(operation_id).operation_id]
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in responses:
                return responses[key]
        return None

    def _json_schema_pointer(self, operation_id: str, status: int) -> str | None:
        found = self._response_for(operation_id, status)
        if found is None:
            return None
        pointer, response = found
        for media_type, media in response.get("content", {}).items():
            if _is_json(media_type) and "schema" in media:
                return f"{pointer}/content/{_escape(media_type)}/schema"
        return None

    def documented_errors(self, operation_id: str, status: int) -> frozenset[str]:
        """The error strings (E1 `error`, E2 `error.code`) documented for this status; empty if none."""
        pointer = self._json_schema_pointer(operation_id, status)
        if pointer is None:
            return frozenset()
        resolver = self._registry.resolver(base_uri=_DOCUMENT_URI)
        schema = resolver.lookup(f"{_DOCUMENT_URI}#{pointer}").contents
        found: set[str] = set()
        for error_schema in _subschemas_at(schema, ("ocs", "data", "error"), resolver):
            found |= _string_values(error_schema, resolver)
            for code_schema in _subschemas_at(error_schema, ("code",), resolver):
                found |= _string_values(code_schema, resolver)
        return frozenset(found)

    def cells(self) -> list[Cell]:
        """Every documented (operation, status, error) combination; error None where the body has none."""
        result: list[Cell] = []
        for operation in self._operations.values():
            for status in operation.statuses:
                errors = sorted(self.documented_errors(operation.operation_id, status))
                if errors:
                    result.extend(Cell(operation.operation_id, status, error) for error in errors)
                else:
                    result.append(Cell(operation.operation_id, status, None))
        return result

    # --- validation -----------------------------------------------------------------------------

    def check_response(self, response: requests.Response) -> None:
        """Raise ContractViolation unless the response is documented for its request's operation."""
        request = response.request
        if request is None:
            raise ValueError("the response carries no request, so its operation cannot be told")
        method = (request.method or "GET").upper()
        url = request.url or ""
        path = self.relative_path(url)
        label = f"{method} {path}"
        operation = self.operation_for(method, url)
        if operation is None:
            raise ContractViolation(f"{label}: no operation of the contract matches this request")
        where = f"{operation.operation_id} ({label}) answered HTTP {response.status_code}"
        found = self._response_for(operation.operation_id, response.status_code)
        if found is None:
            documented = ", ".join(str(status) for status in operation.statuses)
            raise ContractViolation(f"{where}: status not documented; expected one of {documented}")
        _, documented_response = found
        content = documented_response.get("content", {})
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        documented_as = _documented_media_type(media_type, content)
        if content and documented_as is None:
            # The media type is part of the answer: a JSON body served as text/html is not an OCS answer.
            raise ContractViolation(
                f"{where} with Content-Type {media_type or '(none)'}: the contract documents "
                f"{', '.join(content)} for this answer"
            )
        if documented_as is not None and not _is_json(documented_as):
            # e.g. XML (no schema: only status and media type), or Talk 23's text/html 400, whose schema
            # says the body is empty: a JSON answer served as text/html is still refused
            text_schema = _text_schema(documented_as, content)
            if text_schema is not None and list(Draft202012Validator(text_schema).iter_errors(response.text)):
                shown, documented = repr(response.text[:120]), json.dumps(text_schema)
                raise ContractViolation(
                    f"{where} with Content-Type {media_type}: the body {shown} is not the documented one "
                    f"({documented}); the contract documents {', '.join(content)} for this answer"
                )
            return
        pointer = self._json_schema_pointer(operation.operation_id, response.status_code)
        if pointer is None:
            return
        try:
            body = json.loads(response.content)
        except ValueError:
            shown = repr(response.text[:120]) if response.content else "an empty body"
            raise ContractViolation(
                f"{where}: expected a JSON body (Content-Type {media_type or 'missing'}), got {shown}"
            ) from None
        _check_envelope(where, response.status_code, body)
        validator = Draft202012Validator({"$ref": f"{_DOCUMENT_URI}#{pointer}"}, registry=self._registry)
        problems = sorted(validator.iter_errors(body), key=_position)
        if problems:
            schema_name = _schema_name(self._resolve_pointer(pointer), pointer)
            detail = "; ".join(_describe(error) for error in _leaves(problems)[:5])
            raise ContractViolation(
                f"{where}: body does not match the documented schema ({schema_name}): {detail}"
            )


def _check_envelope(where: str, status: int, body: Any) -> None:
    # Checked before the schema so that the most common mistakes get a plain-words message.
    if not isinstance(body, dict) or not isinstance(body.get("ocs"), dict):
        return
    meta = body["ocs"].get("meta")
    if not isinstance(meta, dict):
        raise ContractViolation(f"{where}: $.ocs.meta is missing or not an object")
    expected_status = "ok" if 200 <= status < 300 else "failure"
    if meta.get("status") != expected_status:
        raise ContractViolation(
            f"{where}: $.ocs.meta.status is {meta.get('status')!r}, "
            f"expected {expected_status!r} for HTTP {status}"
        )
    allowed = {status, _NEXTCLOUD_STATUSCODES[status]} if status in _NEXTCLOUD_STATUSCODES else {status}
    if meta.get("statuscode") not in allowed:
        expected = " or ".join(str(code) for code in sorted(allowed))
        raise ContractViolation(
            f"{where}: $.ocs.meta.statuscode is {meta.get('statuscode')!r}, expected {expected}"
        )


def _leaves(errors: list[Any]) -> list[Any]:
    # Report the innermost reasons of combinator failures (allOf/anyOf) rather than the wrapper.
    result = []
    for error in errors:
        if error.context:
            result.extend(_leaves(sorted(error.context, key=_position)))
        else:
            result.append(error)
    return result


def _position(error: Any) -> list[str]:
    # Paths mix keys and list indexes; compare them as text so sorting never fails.
    return [str(part) for part in error.absolute_path]


def _schema_name(schema: Any, pointer: str) -> str:
    reference = schema.get("$ref", "") if isinstance(schema, dict) else ""
    return reference.rsplit("/", 1)[-1] if reference.startswith("#/components/schemas/") else pointer


def _describe(error: Any) -> str:
    return f"at {error.json_path}: {error.message}"


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _documented_media_type(media_type: str, content: dict[str, Any]) -> str | None:
    """The key of `content` that documents this media type (exact, "type/*" or "*/*"), or None."""
    if not media_type:
        return None
    documented = {key.split(";")[0].strip().lower() for key in content}
    for candidate in (media_type, media_type.split("/")[0] + "/*", "*/*"):  # the most specific first
        if candidate in documented:
            return candidate if candidate == media_type else media_type
    return None


def _text_schema(media_type: str, content: dict[str, Any]) -> dict[str, Any] | None:
    """The schema the contract gives a non-JSON media type's body (e.g. an empty text/html), if any."""
    for key, media in content.items():
        if key.split(";")[0].strip().lower() in (media_type, media_type.split("/")[0] + "/*"):
            return (media or {}).get("schema")
    return None


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _resolved(schema: Any, resolver: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    """The schema and every schema it combines (through $ref, allOf, anyOf, oneOf), each with its resolver."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        yield from _resolved(resolved.contents, resolved.resolver)
    yield schema, resolver
    for keyword in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(keyword, []):
            yield from _resolved(part, resolver)
    for keyword in ("then", "else"):
        if keyword in schema:
            yield from _resolved(schema[keyword], resolver)


def _subschemas_at(schema: Any, path: tuple[str, ...], resolver: Any) -> Iterator[dict[str, Any]]:
    """Every schema that constrains the value at this property path."""
    if not path:
        yield schema
        return
    for part, part_resolver in _resolved(schema, resolver):
        child = part.get("properties", {}).get(path[0])
        if child is not None:
            for found in _subschemas_at(child, path[1:], part_resolver):
                yield from (sub for sub, _ in _resolved(found, part_resolver))


def _string_values(schema: Any, resolver: Any) -> set[str]:
    values: set[str] = set()
    for part, _ in _resolved(schema, resolver):
        values.update(value for value in part.get("enum", []) if isinstance(value, str))
        if isinstance(part.get("const"), str):
            values.add(part["const"])
    return values


@functools.cache
def _load(path: Path) -> Contract:
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return Contract(document, source=path)


def load_contract(path: str | Path | None = None) -> Contract:
    """Load (once per file) the contract from `path`, or the bundled openapi/recording.yaml."""
    return _load(Path(path or resources.contract_path()).resolve())
