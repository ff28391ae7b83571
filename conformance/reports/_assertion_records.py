"""What the Then steps of a scenario actually asserted, kept in the run's results for the coverage matrix."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance import _bdd_compat, resources
from conformance.protocol import Answer

# Key of the records in a summary.json scenario entry (and in the plugin's per-report data).
RECORDS_KEY = "assertions"
# Key of the scenario's place in the feature files: {"path": <relative to features/>, "line": n, "name": ...}.
SOURCE_KEY = "source"
# Key of the answer the scenario's failing step judged ({"status", "statuscode", "error"}; None: none).
JUDGED_KEY = "judged_answer"


@dataclass(frozen=True)
class ResponseAssertion:
    """A step checked the answer to one request: its status, and where stated its OCS code and error."""

    operation: str  # operationId of the request the assertion is about
    status: int
    statuscode: int | None = None
    error: str | None = None  # the error string (data.error) or error code (data.error.code)

    kind = "response"


@dataclass(frozen=True)
class TransitionAssertion:
    """A step observed the room's recording status change from one value to another because of a request."""

    operation: str  # operationId of the request that caused the change
    source: int
    target: int
    trigger: str | None = None  # the machine's trigger: start, started, stopped, failed, stop, ...

    kind = "transition"


Record = ResponseAssertion | TransitionAssertion
_KINDS: dict[str, type[ResponseAssertion] | type[TransitionAssertion]] = {
    "response": ResponseAssertion,
    "transition": TransitionAssertion,
}


class AssertionLog:
    """The assertions one scenario made, in order; a step records a check when it makes it."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        # The answer the running step is judging, as the target gave it (expectations pin it); every step
        # starts with none, so after a failure it is the failing step's (conformance.suite.plugin resets it).
        self.judged: Answer | None = None

    def judging(self, answer: Answer) -> None:
        """A step is about to judge this answer (recorded before its checks, so a failing one leaves it)."""
        self.judged = answer

    def step_started(self) -> None:
        """A new step: the previous step's judged answer is not this one's."""
        self.judged = None

    def response(
        self, operation: str | None, status: int, statuscode: int | None = None, error: str | None = None
    ) -> None:
        """Record a checked answer (nothing when the request is not one of the contract's operations)."""
        if operation is not None:
            self._add(ResponseAssertion(operation, status, statuscode, error))

    def transition(self, operation: str | None, source: int, target: int, trigger: str | None = None) -> None:
        """Record an observed change of the recording status caused by a request to `operation`."""
        if operation is not None:
            self._add(TransitionAssertion(operation, source, target, trigger))

    def _add(self, record: Record) -> None:
        if record not in self.records:
            self.records.append(record)

    def to_json(self) -> list[dict[str, Any]]:
        """Plain data for summary.json."""
        return [{"kind": record.kind, **asdict(record)} for record in self.records]


def records_from_json(data: Any) -> list[Record]:
    """The records of a summary.json scenario entry (ValueError when they are malformed)."""
    if not isinstance(data, list):
        raise ValueError(f"`{RECORDS_KEY}` is not a list")
    records: list[Record] = []
    for entry in data:
        if not isinstance(entry, dict) or entry.get("kind") not in _KINDS:
            raise ValueError(f"not an assertion record: {entry!r}")
        fields = {key: value for key, value in entry.items() if key != "kind"}
        try:
            records.append(_KINDS[entry["kind"]](**fields))
        except TypeError as exc:
            raise ValueError(f"malformed {entry['kind']} record {entry!r}: {exc}") from None
    return records


def scenario_source(item: pytest.Item) -> dict[str, Any] | None:
    """Where the item's scenario is written: path below the feature directory, line and title."""
    template = _bdd_compat.scenario_template(item)
    if template is None:
        return None
    path = Path(template.feature.filename).resolve()
    try:
        relative = path.relative_to(resources.features_dir().resolve()).as_posix()
    except ValueError:
        relative = path.name  # a feature file outside the bundled ones (the project's own tests)
    return {"path": relative, "line": template.line_number, "name": template.name}
