"""Align two runs scenario by scenario and request by request; list where their answers differ."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from typing import Any

from conformance.protocol import load_contract
from conformance.traffic._har import SUITE_TO_TARGET
from conformance.traffic._normalise import Observation, observations, scenario_key
from conformance.traffic._shapes import shape_differences

# The kinds of difference, in the order the table shows them.
KINDS = ("status", "statuscode", "envelope", "error", "system-messages", "recording-server")
_RECORDING_LEG = "target-to-recording-server"
_ROOM_CREATION = re.compile(r"^POST /ocs/v2\.php/apps/spreed/api/v4/room$")
_CLEAN_UP = re.compile(
    r"^(?:DELETE /ocs/v2\.php/apps/spreed/api/v4/room/\{token\}"
    r"|DELETE /ocs/v2\.php/apps/talk_reference/api/v1/bruteforce"
    r"|(?:POST|DELETE) /ocs/v2\.php/apps/provisioning_api/api/v1/config/apps/spreed/\w+)$"
)


@dataclass(frozen=True)
class Difference:
    """One way two runs answered one request of one scenario differently."""

    scenario: str
    step: int  # position of the request in the scenario (1-based, after collapsing repeated polls)
    request: str
    kind: str
    left: str
    right: str
    accepted_by: str | None = None
    key: str | None = None  # the key path of an envelope difference ("data.lastMessage.reactions")

    @property
    def what(self) -> str:
        """The kind, with the key path where there is one."""
        return f"{self.kind} {self.key}" if self.key else self.kind

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return asdict(self)


@dataclass
class Comparison:
    """The outcome of comparing two runs."""

    left_name: str
    right_name: str
    compared: list[str] = field(default_factory=list)  # scenarios aligned request by request
    not_recorded: dict[str, str] = field(default_factory=dict)  # scenario -> why it was not compared
    gone: list[str] = field(default_factory=list)  # scenarios only the left run has (renamed or removed)
    ended_early: dict[str, str] = field(default_factory=dict)  # compared up to where one side stopped
    differences: list[Difference] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Difference]:
        """Differences no register entry accepts."""
        return [item for item in self.differences if item.accepted_by is None]

    @property
    def agreeing(self) -> list[str]:
        """Compared scenarios without any difference."""
        differing = {item.scenario for item in self.differences}
        return [name for name in self.compared if name not in differing]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        accepted: dict[str, int] = {}
        for item in self.differences:
            if item.accepted_by:
                accepted[item.accepted_by] = accepted.get(item.accepted_by, 0) + 1
        return {
            "left": self.left_name,
            "right": self.right_name,
            "counts": {
                "compared": len(self.compared),
                "agreeing": len(self.agreeing),
                "not_recorded": len(self.not_recorded),
                "only_in_left": len(self.gone),
                "differences": len(self.differences),
                "unexplained": len(self.unexplained),
                "accepted": accepted,
            },
            "compared": self.compared,
            "not_recorded": self.not_recorded,
            "only_in_left": self.gone,
            "ended_early": self.ended_early,
            "differences": [item.to_dict() for item in self.differences],
        }


@dataclass(frozen=True)
class SaneStatusRequirement:
    """A register entry that requires a sane 4xx where upstream answers otherwise (require-sane-4xx)."""

    id: str
    cells: frozenset[tuple[str, int, str | None]]

    def explains(
        self, operation: str, upstream: tuple[int, str | None], required: tuple[int, str | None]
    ) -> bool:
        """Whether the entry names both the answer upstream gave and the one the suite requires instead."""
        return (operation, *upstream) in self.cells and (operation, *required) in self.cells


def holds_for_release(entry: Mapping[str, Any], release: int | None) -> bool:
    """Whether a register entry holds for a Talk release (its `releases`; no release or no list: yes)."""
    releases = entry.get("releases")
    return release is None or releases is None or release in releases


def sane_status_requirements(
    register: Mapping[str, Any], release: int | None = None
) -> list[SaneStatusRequirement]:
    """The register's require-sane-4xx entries, with their cells (those holding for `release` when given)."""
    return [
        SaneStatusRequirement(
            str(entry["id"]),
            frozenset(
                (str(cell["operation"]), int(cell["status"]), cell.get("error")) for cell in entry["cells"]
            ),
        )
        for entry in register.get("deviations") or []
        if isinstance(entry, dict)
        and entry.get("decision") == "require-sane-4xx"
        and entry.get("cells")
        and holds_for_release(entry, release)
    ]


@dataclass(frozen=True)
class AcceptedDifference:
    """A register entry (`accepted_differences` in openapi/deviations.yaml) that accepts some differences."""

    id: str
    kinds: frozenset[str]
    scenarios: tuple[str, ...]  # fnmatch patterns of scenario keys
    requests: tuple[str, ...]  # fnmatch patterns of "METHOD /path"
    see: tuple[str, ...] = ()
    keys: tuple[str, ...] = ("*",)  # fnmatch patterns of an envelope difference's key path

    def accepts(self, difference: Difference) -> bool:
        """Whether this entry names this kind of difference for this scenario, request and key path."""
        return (
            difference.kind in self.kinds
            and any(fnmatch.fnmatchcase(difference.scenario, pattern) for pattern in self.scenarios)
            and any(fnmatch.fnmatchcase(difference.request, pattern) for pattern in self.requests)
            and (difference.key is None or any(fnmatch.fnmatchcase(difference.key, key) for key in self.keys))
        )

    @property
    def label(self) -> str:
        """How a report names it: the id, and the entries that explain it."""
        return self.id + (f" (see {', '.join(self.see)})" if self.see else "")


def accepted_differences(register: Mapping[str, Any], release: int | None = None) -> list[AcceptedDifference]:
    """The accepted differences of a loaded register document (those holding for `release` when given);
    ValueError naming a malformed entry."""
    result = []
    for index, entry in enumerate(register.get("accepted_differences") or []):
        if isinstance(entry, dict) and not holds_for_release(entry, release):
            continue
        try:
            kinds = frozenset(entry["kinds"])
            unknown = kinds - set(KINDS)
            if unknown:
                raise ValueError(f"unknown kind(s) {sorted(unknown)}")
            result.append(
                AcceptedDifference(
                    id=str(entry["id"]),
                    kinds=kinds,
                    scenarios=tuple(str(item) for item in entry.get("scenarios", ["*"])),
                    requests=tuple(str(item) for item in entry.get("requests", ["*"])),
                    see=tuple(str(item) for item in entry.get("see", [])),
                    keys=tuple(str(item) for item in entry.get("keys", ["*"])),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"accepted_differences entry #{index + 1} is malformed: {exc}") from None
    return result


def compare(
    left: Iterable[Mapping[str, Any]],
    right: Iterable[Mapping[str, Any]],
    left_name: str = "A",
    right_name: str = "B",
    accepted: Sequence[AcceptedDifference] = (),
    requirements: Sequence[SaneStatusRequirement] = (),
    recorded_as: Mapping[str, str] | None = None,
) -> Comparison:
    """Compare the entries of two HAR logs; `right` is usually the new run, `left` the recording.
    `recorded_as` names, for a right scenario under a new name, the left one that sent the same requests."""
    result = Comparison(left_name, right_name)
    left_runs, right_runs = _by_scenario(observations(left)), _by_scenario(observations(right))
    spelt = {scenario_key(new): scenario_key(old) for new, old in (recorded_as or {}).items()}
    stand_ins = {
        scenario: original
        for scenario, original in spelt.items()
        if scenario not in left_runs and original in left_runs
    }
    for scenario in right_runs:
        recorded = stand_ins.get(scenario, scenario)
        if recorded not in left_runs:
            result.not_recorded[scenario] = f"not in {left_name}"
            continue
        left_steps, right_steps = _steps(left_runs[recorded]), _steps(right_runs[scenario])
        pairs, ended = _align(left_steps, right_steps)
        if pairs is None:
            result.not_recorded[scenario] = _sequence_change(left_steps, right_steps)
            continue
        if ended is not None:
            # One side stopped early (a failed step ends a scenario) and went straight to its clean-up.
            shorter = left_name if ended == "left" else right_name
            result.ended_early[scenario] = f"{shorter} ended after its request {len(pairs)} of the other's"
        result.compared.append(scenario)
        for number, old, new in pairs:
            differences = _differ(scenario, number, old, new)
            explained_by = _required_instead(old, new, requirements) if differences else None
            if explained_by:
                differences = [_accepted_by(item, explained_by) for item in differences]
            result.differences += differences
        old_run, new_run = left_runs[recorded], right_runs[scenario]
        result.differences += _recording_server_differences(scenario, old_run, new_run)
    compared_originals = {stand_ins[name] for name in result.compared if name in stand_ins}
    result.gone = [
        scenario
        for scenario in left_runs
        if scenario not in right_runs and scenario not in compared_originals
    ]
    result.differences = [_accept(item, accepted) for item in result.differences]
    return result


def _accept(difference: Difference, accepted: Sequence[AcceptedDifference]) -> Difference:
    if difference.accepted_by:
        return difference
    for entry in accepted:
        if entry.accepts(difference):
            return _accepted_by(difference, entry.label)
    return difference


def _accepted_by(difference: Difference, label: str) -> Difference:
    return Difference(**{**asdict(difference), "accepted_by": label})


def _required_instead(
    old: Observation, new: Observation, requirements: Sequence[SaneStatusRequirement]
) -> str | None:
    """The require-sane-4xx entry naming old's answer as upstream's and new's 4xx as the requirement."""
    # the same status may still be another answer: Talk 23's empty 400 where the suite requires 400 "status"
    if (old.status, old.error) == (new.status, new.error) or not 400 <= new.status < 500:
        return None
    method, _, path = new.request.partition(" ")
    operation = load_contract().operation_for(method, path.split("?")[0])
    if operation is None:
        return None
    for entry in requirements:
        if entry.explains(operation.operation_id, (old.status, old.error), (new.status, new.error)):
            return entry.id
    return None


def _by_scenario(items: list[Observation]) -> dict[str, list[Observation]]:
    """Observations per scenario; a second room under the same name (two features reuse a title) is
    the next scenario of that name, "(2)"."""
    runs: dict[str, list[Observation]] = {}
    rooms: dict[str, int] = {}
    for item in items:
        if item.scenario is None:
            continue
        if item.leg == SUITE_TO_TARGET and _ROOM_CREATION.match(item.request):
            rooms[item.scenario] = rooms.get(item.scenario, 0) + 1
        count = rooms.get(item.scenario, 1)
        key = item.scenario if count <= 1 else f"{item.scenario} ({count})"
        runs.setdefault(key, []).append(item)
    return runs


Pairs = list[tuple[int, Observation, Observation]]


def _align(left: list[Observation], right: list[Observation]) -> tuple[Pairs | None, str | None]:
    """Pair the two scenarios' requests: (number in `right`, left step, right step), or None if they differ.

    A read (GET) that only one side sent is left out: it checks state without changing it, and a step that
    reads the room once more or once less does not make the scenario another one. So is a brute-force reset,
    which clears the suite's own traces. Everything else must line up, except that one side may stop early
    and go straight to its clean-up.
    """
    matcher = SequenceMatcher(
        None, [step.alignment for step in left], [step.alignment for step in right], autojunk=False
    )
    pairs: Pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += [(j1 + k + 1, left[i1 + k], right[j1 + k]) for k in range(i2 - i1)]
        elif not all(_is_read(step) or _is_harness(step) for step in (*left[i1:i2], *right[j1:j2])):
            if _winding_up(left[i1:]):
                return pairs, "left"
            if _winding_up(right[j1:]):
                return pairs, "right"
            return None, None
    return pairs, None


def _is_read(step: Observation) -> bool:
    return step.request.startswith("GET ")


def _is_harness(step: Observation) -> bool:
    return step.request == "DELETE /ocs/v2.php/apps/talk_reference/api/v1/bruteforce"


def _winding_up(steps: list[Observation]) -> bool:
    """Nothing but reads and clean-up: what a scenario does after its failed step."""
    return all(_is_read(step) or _CLEAN_UP.match(step.request) for step in steps)


def _only_clean_up(steps: list[Observation]) -> bool:
    """Whether these requests are nothing but a scenario's clean-up (room deleted, config restored)."""
    return all(_CLEAN_UP.match(step.request) for step in steps)


def _steps(items: list[Observation]) -> list[Observation]:
    """The suite's requests of a scenario, repeated polls collapsed into the last one."""
    steps: list[Observation] = []
    for item in items:
        if item.leg != SUITE_TO_TARGET:
            continue
        if steps and steps[-1].alignment == item.alignment and item.request.startswith("GET "):
            steps[-1] = item  # a poll repeated until the effect showed: its last answer counts
        else:
            steps.append(item)
    return steps


def _sequence_change(old: list[Observation], new: list[Observation]) -> str:
    for number, (before, after) in enumerate(zip(old, new, strict=False), 1):
        if before.alignment != after.alignment:
            return (
                f"request sequence changed at request {number}: "
                f"{_describe(before)} was recorded, {_describe(after)} was sent"
            )
    return f"request sequence changed: {len(old)} requests recorded, {len(new)} sent"


def _describe(step: Observation) -> str:
    return f"{step.request} as {step.actor or 'nobody'}"


def _differ(scenario: str, number: int, old: Observation, new: Observation) -> list[Difference]:
    pairs = {
        "status": (old.status, new.status),
        "statuscode": (old.statuscode, new.statuscode),
        "error": (old.error, new.error),
        "system-messages": (_set_text(old.system_messages), _set_text(new.system_messages)),
    }
    found = [
        Difference(scenario, number, new.request, kind, _text(before), _text(after))
        for kind, (before, after) in pairs.items()
        if before != after
    ]
    return found + _envelope_differences(scenario, number, old, new)


def _envelope_differences(scenario: str, number: int, old: Observation, new: Observation) -> list[Difference]:
    """Key by key, where the shapes of two answers differ (only where both are answers the gate shapes)."""
    if old.answer is None or new.answer is None:
        return []
    # meta.message is a text either way; its words are never compared.
    return [
        Difference(scenario, number, new.request, "envelope", before, after, key=key)
        for key, before, after in shape_differences(old.answer, new.answer)
    ]


def _recording_server_differences(
    scenario: str, old: list[Observation], new: list[Observation]
) -> list[Difference]:
    """What the target told the recording server during the scenario, message by message."""
    before = [item.message or f"(no JSON body, {item.request})" for item in old if item.leg == _RECORDING_LEG]
    after = [item.message or f"(no JSON body, {item.request})" for item in new if item.leg == _RECORDING_LEG]
    differences = []
    for index in range(max(len(before), len(after))):
        left = before[index] if index < len(before) else "(nothing)"
        right = after[index] if index < len(after) else "(nothing)"
        if left != right:
            differences.append(
                Difference(scenario, index + 1, "target -> recording server", "recording-server", left, right)
            )
    return differences


def _set_text(values: frozenset[str] | None) -> str | None:
    return None if values is None else ", ".join(sorted(values)) or "(none)"


def _text(value: Any) -> str:
    return "-" if value is None else str(value)
