"""The operation reference: per contract operation, its inputs, its documented answers and real examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.protocol import Contract
from conformance.reports._coverage_model import CoverageMatrix, ScenarioRef, operation_names
from conformance.reports.living_docs._real_examples import AnswerKey, RealExample, examples_by_answer
from conformance.reports.living_docs._real_recordings import RealRecording


@dataclass(frozen=True)
class Input:
    """A parameter, header or body field the contract documents."""

    name: str
    where: str  # path, query, header, body
    required: bool
    shape: str
    description: str


@dataclass
class Answer:
    """One documented answer (status and error), its real examples and the scenarios asserting it."""

    status: int
    error: str | None
    description: str
    media_types: tuple[str, ...]
    examples: list[RealExample] = field(default_factory=list)
    scenarios: list[ScenarioRef] = field(default_factory=list)


@dataclass
class OperationDoc:
    """One operation of the contract as the reference shows it."""

    operation_id: str
    method: str
    path: str  # the full path, with the servers prefix
    summary: str
    description: str
    inputs: list[Input]
    answers: list[Answer]
    unlisted: list[Answer] = field(default_factory=list)  # answers a recording saw that the contract omits

    @property
    def anchor(self) -> str:
        """The HTML id of its section."""
        return f"op-{self.operation_id}"

    @property
    def label(self) -> str:
        """Method and full path, how the docs name an operation everywhere."""
        return f"{self.method} {self.path}"

    @property
    def has_example(self) -> bool:
        """Whether at least one of its answers has a real example."""
        return any(answer.examples for answer in self.answers)


def operation_labels(contract: Contract) -> dict[str, str]:
    """operationId -> "METHOD /full/path", for every place that names an operation (the matrix's names)."""
    return operation_names(contract)


def build_reference(
    contract: Contract, matrix: CoverageMatrix, recordings: list[RealRecording]
) -> list[OperationDoc]:
    """Every operation of the contract, newest recording's examples first."""
    examples = [examples_by_answer(contract, recording) for recording in reversed(recordings)]
    scenarios: dict[AnswerKey, list[ScenarioRef]] = {}
    for row in matrix.cells:
        scenarios[(row.cell.operation_id, row.cell.status, row.cell.error)] = row.scenarios
    documents = []
    for operation in contract.operations:
        spec, path_item = _spec(contract, operation.path, operation.method)
        answers = []
        for cell in (cell for cell in contract.cells() if cell.operation_id == operation.operation_id):
            key = (cell.operation_id, cell.status, cell.error)
            response = _resolve(contract, spec.get("responses", {}).get(str(cell.status), {}))
            answers.append(
                Answer(
                    cell.status,
                    cell.error,
                    _prose(response.get("description")),
                    tuple(response.get("content", {})),
                    [found[key] for found in examples if key in found],
                    scenarios.get(key, []),
                )
            )
        documented = {(answer.status, answer.error) for answer in answers}
        unlisted = [
            Answer(
                status,
                error,
                "Not documented by the contract: a real server answered so.",
                (),
                [found[key] for found in examples if key in found],
            )
            for key in sorted({key for found in examples for key in found}, key=_order)
            for op_id, status, error in [key]
            if op_id == operation.operation_id and (status, error) not in documented
        ]
        documents.append(
            OperationDoc(
                operation.operation_id,
                operation.method,
                contract.prefix + operation.path,
                str(spec.get("summary", "")),
                _prose(spec.get("description")),
                _inputs(contract, path_item, spec),
                answers,
                unlisted,
            )
        )
    return documents


def _order(key: AnswerKey) -> tuple[str, int, str]:
    return key[0], key[1], key[2] or ""


def _prose(text: Any) -> str:
    """A contract description as one paragraph: YAML folds lines where a reader's screen would not."""
    return " ".join(str(text or "").split())


def _spec(contract: Contract, path: str, method: str) -> tuple[dict[str, Any], dict[str, Any]]:
    path_item = contract.document["paths"][path]
    return path_item[method.lower()], path_item


def _resolve(contract: Contract, node: Any) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = contract.document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node if isinstance(node, dict) else {}


def _inputs(contract: Contract, path_item: dict[str, Any], spec: dict[str, Any]) -> list[Input]:
    inputs = []
    for raw in [*path_item.get("parameters", []), *spec.get("parameters", [])]:
        parameter = _resolve(contract, raw)
        inputs.append(
            Input(
                str(parameter.get("name")),
                str(parameter.get("in")),
                bool(parameter.get("required")),
                _shape(contract, parameter.get("schema")),
                _prose(parameter.get("description")),
            )
        )
    body = _resolve(contract, spec.get("requestBody"))
    for media_type, media in body.get("content", {}).items():
        schema = _resolve(contract, media.get("schema"))
        required = set(schema.get("required", []))
        for name, field_schema in schema.get("properties", {}).items():
            resolved = _resolve(contract, field_schema)
            inputs.append(
                Input(
                    name,
                    f"body ({media_type})",
                    name in required,
                    _shape(contract, resolved),
                    _prose(resolved.get("description")),
                )
            )
        if not schema.get("properties"):
            inputs.append(
                Input(
                    "(the body)",
                    f"body ({media_type})",
                    bool(body.get("required")),
                    _shape(contract, schema),
                    _prose(schema.get("description")),
                )
            )
    return inputs


def _shape(contract: Contract, schema: Any) -> str:
    """A schema in a few words: type, constant, pattern, bounds, choices."""
    schema = _resolve(contract, schema)
    if not schema:
        return ""
    if "oneOf" in schema or "anyOf" in schema:
        options = schema.get("oneOf") or schema.get("anyOf")
        return " or ".join(filter(None, (_shape(contract, option) for option in options))) or "one of several"
    words = [str(schema.get("type", ""))] if schema.get("type") else []
    if "const" in schema:
        words.append(f"= {schema['const']!r}")
    if "enum" in schema:
        words.append("one of " + ", ".join(repr(value) for value in schema["enum"]))
    if "pattern" in schema:
        words.append(f"matching {schema['pattern']}")
    if "minimum" in schema:
        words.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        words.append(f"≤ {schema['maximum']}")
    if "minLength" in schema:
        words.append(f"at least {schema['minLength']} characters")
    if "format" in schema:
        words.append(f"({schema['format']})")
    return " ".join(words) or str(schema.get("title", ""))
