"""Reduce HAR entries to what two runs can share: tokens, ids, times, randoms and run prefixes replaced."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.traffic._har import SUITE_TO_TARGET
from conformance.traffic._merge import room_scenarios

RECORDING_API = "/ocs/v2.php/apps/spreed/api/v1/recording"
_RUN_PREFIX = re.compile(r"\btc[a-z0-9]{6}")
# Fields whose values are times of this run (the signaling messages carry some).
_TIME_FIELDS = {"timestamp", "active-since", "lastActivity", "lastPing", "expirationTimestamp", "lobby-timer"}
_CHAT = re.compile(r"/apps/spreed/api/v1/chat/")
# The answers Then steps read besides the recording API's (steps/world.py, steps/assertions.py,
# steps/recording_server.py): the room, its chat and the notifications. Their shape is compared too, so
# that no key a step reads can be one only the reference server sends.
THEN_READS = re.compile(
    r"^GET /ocs/v2\.php/apps/(?:spreed/api/v4/room/\{token\}|spreed/api/v1/chat/\{token\}"
    r"|notifications/api/v2/notifications)(?:\?|$)"
)
# Outline rows are named `[key=value, ...]` by the suite's rooms and `[value-value]` by pytest ids.
_EXAMPLE = re.compile(r"^(?P<title>.*?) \[(?P<row>.*)\]$")


def scenario_key(name: str | None) -> str | None:
    """One spelling for a scenario name: the title and the example's values joined by "-"."""
    if name is None:
        return None
    match = _EXAMPLE.match(name)
    if not match:
        return name
    parts = match["row"].split(", ")
    if all("=" in part for part in parts):
        return f"{match['title']} [{'-'.join(part.split('=', 1)[1] for part in parts)}]"
    return name


@dataclass(frozen=True)
class Observation:
    """One exchange as the comparison sees it."""

    leg: str
    scenario: str | None
    request: str  # "METHOD /normalised/path" (query names only)
    actor: str | None
    status: int
    statuscode: int | None = None
    answer: dict[str, Any] | None = field(default=None, compare=False)  # OCS meta and data, where shaped
    error: str | None = None  # data.error, or data.error.code
    system_messages: frozenset[str] | None = None  # of a chat listing
    message: str | None = None  # type and normalised fields of what the target sent a stand-in
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def alignment(self) -> tuple[str, str | None]:
        """What must be equal for two observations to be the same step of a scenario."""
        return self.request, self.actor


def observations(entries: Iterable[Mapping[str, Any]]) -> list[Observation]:
    """Observations of a HAR's entries, in order, with this run's tokens and prefixes normalised."""
    entries = list(entries)
    tokens = set(room_scenarios(entries))
    return [_observe(item, tokens) for item in entries]


def _observe(item: Mapping[str, Any], tokens: set[str]) -> Observation:
    request, response = item.get("request", {}), item.get("response", {})
    url = urlsplit(str(request.get("url", "")))
    path = _normalise_text(url.path, tokens)
    query = sorted({name for name, _ in parse_qsl(url.query, keep_blank_values=True)})
    signature = f"{request.get('method', '?')} {path}" + (f"?{'&'.join(query)}" if query else "")
    leg = str(item.get("_leg", SUITE_TO_TARGET))
    base = {
        "leg": leg,
        "scenario": scenario_key(item.get("_scenario")),
        "request": signature,
        "actor": item.get("_actor"),
        "status": int(response.get("status", 0)),
    }
    if leg != SUITE_TO_TARGET:
        body = request.get("postData", {}).get("text")
        return Observation(**base, message=_message(body, tokens))
    document = _json(response.get("content", {}).get("text"))
    ocs = document.get("ocs") if isinstance(document, dict) else None
    if not isinstance(ocs, dict):
        return Observation(**base)
    meta = ocs.get("meta") if isinstance(ocs.get("meta"), dict) else {}
    data = ocs.get("data")
    statuscode = meta.get("statuscode") if isinstance(meta.get("statuscode"), int) else None
    in_contract = url.path.startswith(RECORDING_API)
    shaped = in_contract or bool(THEN_READS.match(signature))
    return Observation(
        **base,
        statuscode=statuscode,
        answer={"meta": meta, "data": data} if shaped else None,
        error=_error(data) if in_contract else None,
        system_messages=_system_messages(data) if _CHAT.search(url.path) else None,
    )


def _json(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _normalise_text(text: str, tokens: set[str]) -> str:
    for token in sorted(tokens, key=len, reverse=True):
        text = text.replace(token, "{token}")
    return _RUN_PREFIX.sub("{run}", text)


def _error(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        return str(code) if code is not None else None
    return str(error) if isinstance(error, str) else None


def _system_messages(data: Any) -> frozenset[str] | None:
    if not isinstance(data, list):
        return None
    return frozenset(
        str(message.get("systemMessage"))
        for message in data
        if isinstance(message, dict) and message.get("systemMessage")
    )


def _message(body: Any, tokens: set[str]) -> str | None:
    document = _json(body)
    if not isinstance(document, dict):
        return None
    return json.dumps(_normalise_value(document, tokens), sort_keys=True)


def _normalise_value(value: Any, tokens: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: "{time}" if key in _TIME_FIELDS and item is not None else _normalise_value(item, tokens)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalise_value(item, tokens) for item in value]
    if isinstance(value, str):
        return _normalise_text(value, tokens)
    return value
