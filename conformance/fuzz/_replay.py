"""Replayable records of failures: the request as a curl command, the seed, the check that failed."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

_DROPPED_HEADERS = {"content-length", "connection", "accept-encoding", "user-agent", "host"}


@dataclass(frozen=True)
class FailureRecord:
    """One failed check on one request, with what it takes to send the request again."""

    source: str  # "schemathesis" or "state-model"
    operation: str
    phase: str
    check: str
    message: str
    seed: int
    curl: str
    status: int | None = None  # the answer's HTTP status, when the record came with one
    error: str | None = None  # its E1/E2 error string
    expected_by: str | None = None  # the register entry that makes it expected here (--expectations)
    # --expectations: a cited register entry explains the finding, but the file pins another answer
    failed_differently: str | None = None


def curl_command(method: str, url: str, headers: Mapping[str, str | list[str]], body: bytes | None) -> str:
    """A curl command line sending exactly this request; credentials come from $TALK_USER/$TALK_PASSWORD."""
    parts = ["curl", "-sS", "-X", method]
    for name, values in headers.items():
        lowered = name.lower()
        if lowered in _DROPPED_HEADERS:
            continue
        if lowered == "authorization":
            # Never write a password down: the replayer supplies it.
            parts.append('-u "$TALK_USER:$TALK_PASSWORD"')
            continue
        for value in values if isinstance(values, list) else [values]:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            parts += ["--data-binary", shlex.quote(text)]
        else:
            # Binary bodies through bash's printf, which understands \xHH (no xxd needed).
            escaped = "".join(f"\\x{byte:02x}" for byte in body)
            parts += ["--data-binary", f"@<(printf '%b' {shlex.quote(escaped)})"]
    parts.append(shlex.quote(url))
    return " ".join(parts)


def write_records(records: Iterable[FailureRecord], report_dir: Path) -> Path:
    """failures.jsonl (one record per line) and replay.sh (the curl commands) in the report directory."""
    report_dir.mkdir(parents=True, exist_ok=True)
    records = list(records)
    jsonl = report_dir / "failures.jsonl"
    with open(jsonl, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(asdict(record)) + "\n")
    script = ["#!/usr/bin/env bash", "# Replays every failing request of the fuzz run.", ""]
    for record in records:
        script.append(f"# {record.operation} [{record.phase}] {record.check} (seed {record.seed})")
        script.append(f"# {record.message.splitlines()[0] if record.message else ''}")
        script.append(record.curl)
        script.append("")
    (report_dir / "replay.sh").write_text("\n".join(script), encoding="utf-8")
    return jsonl
