"""Build a shipped recording directory (conformance/recordings/<name>/) from a recorded run of a real server.

    python -m conformance.traffic.shipped_recording ../shared/reference/real-talk-23/run-2026-12-06.har \\
        conformance/recordings/nextcloud-33 --summary ../shared/reference/real-talk-23/summary.json \\
        --fuzz-findings ../shared/reference/real-talk-23/fuzz-findings.jsonl --commit fd44b23 \\
        --implementation "Nextcloud 33.0.1 / Talk 23.0.6" --talk-release 23 --recorded 2026-12-06 \\
        --note "the suite at fd44b23 without the mimetype assertion"

The directory then holds:
  traffic.har               the run's HAR (every leg), refused unless every credential in it is redacted
  summary.json              the run's summary, byte for byte
  fuzz-findings.jsonl       the fuzz run's findings against the same server, byte for byte (optional)
  scenarios.json            the fingerprints of the feature files at the suite commit the run used
  capture_artefacts.json    recorded failures that came from the capture set-up, not from the server (kept
                            when the directory already has one, else empty)
  recording.json            what was recorded: the implementation, its Talk release, the suite commit, the
                            date
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from conformance.redaction import MASK
from conformance.traffic import _har as har
from conformance.traffic._recordings import METADATA_FILE, TRAFFIC_FILE
from conformance.traffic.scenario_fingerprints import fingerprints_at_commit

SUMMARY_FILE = "summary.json"
FUZZ_FILE = "fuzz-findings.jsonl"
FINGERPRINTS_FILE = "scenarios.json"
ARTEFACTS_FILE = "capture_artefacts.json"
_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}


class RecordingBuildError(Exception):
    """The run cannot be shipped as it is (unredacted credentials, unreadable input)."""


def unredacted_credentials(document: Mapping[str, Any]) -> Iterator[str]:
    """Where a HAR still carries a credential: a header or cookie value that is not the mask."""
    for number, item in enumerate(document["log"]["entries"], start=1):
        for side in ("request", "response"):
            message = item.get(side) or {}
            for header in message.get("headers") or []:
                name, value = str(header.get("name", "")).lower(), str(header.get("value", ""))
                if name in _CREDENTIAL_HEADERS and MASK not in value:
                    yield f"entry {number} {side} header {header.get('name')}"
            for cookie in message.get("cookies") or []:
                if cookie.get("value") != MASK:
                    yield f"entry {number} {side} cookie {cookie.get('name')}"


def build(
    source: Path,
    directory: Path,
    summary: Path,
    commit: str,
    metadata: Mapping[str, Any],
    fuzz_findings: Path | None = None,
    repository: Path | None = None,
) -> dict[str, int]:
    """Write the recording directory; the counts of what it holds."""
    document = har.read_har(source)
    leaks = list(unredacted_credentials(document))
    if leaks:
        raise RecordingBuildError(f"{source}: credentials not redacted ({len(leaks)}), first: {leaks[0]}")
    try:
        scenarios = json.loads(summary.read_text(encoding="utf-8"))["scenarios"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RecordingBuildError(f"{summary}: not a talk-conformance summary ({error})") from None
    fingerprints = fingerprints_at_commit(commit, repository or Path.cwd())
    comment = f"{metadata['implementation']}, recorded {metadata['recorded']} by the suite at {commit}"
    document["log"]["comment"] = comment
    directory.mkdir(parents=True, exist_ok=True)
    har.write(directory / TRAFFIC_FILE, document)
    shutil.copyfile(summary, directory / SUMMARY_FILE)
    if fuzz_findings is not None:
        shutil.copyfile(fuzz_findings, directory / FUZZ_FILE)
    fingerprint_document = {
        "commit": commit,
        "fingerprint": "sha256 of the Background and scenario steps, outline placeholders filled in; "
        "sent_sha256 of the Given and When steps only",
        "scenarios": {key: item.to_dict() for key, item in sorted(fingerprints.items())},
    }
    _write_json(directory / FINGERPRINTS_FILE, fingerprint_document)
    if not (directory / ARTEFACTS_FILE).is_file():
        _write_json(
            directory / ARTEFACTS_FILE,
            {
                "comment": "Recorded failures that came from the capture set-up, not the server.",
                "scenarios": {},
            },
        )
    _write_json(directory / METADATA_FILE, {**metadata, "suite_commit": commit})
    return {
        "exchanges": len(document["log"]["entries"]),
        "scenarios": len(scenarios),
        "fingerprints": len(fingerprints),
    }


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Build the directory; one line on stderr and exit 2 when the input cannot be shipped."""
    prog = "python -m conformance.traffic.shipped_recording"
    layout = argparse.RawTextHelpFormatter
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=layout)
    parser.add_argument("har", type=Path, help="the run's HAR (talk-conformance --record-traffic)")
    parser.add_argument("directory", type=Path, help="the recording directory to write")
    parser.add_argument("--summary", type=Path, required=True, help="the run's summary.json")
    parser.add_argument("--fuzz-findings", type=Path, help="the fuzz run's findings against the same server")
    parser.add_argument("--commit", required=True, help="the suite commit of the run (fingerprints)")
    parser.add_argument("--implementation", required=True, help='e.g. "Nextcloud 33.0.1 / Talk 23.0.6"')
    parser.add_argument("--talk-release", type=int, required=True, help="the Talk major release, e.g. 23")
    parser.add_argument("--recorded", required=True, help="the date of the run, e.g. 2026-12-06")
    parser.add_argument("--note", default="", help="how the run differed from the suite at --commit")
    parser.add_argument("--repository", type=Path, default=Path.cwd(), help="the git checkout (default: .)")
    args = parser.parse_args(argv)
    metadata = {
        "implementation": args.implementation,
        "talk_release": args.talk_release,
        "recorded": args.recorded,
        "note": args.note,
    }
    try:
        counts = build(
            args.har, args.directory, args.summary, args.commit, metadata, args.fuzz_findings, args.repository
        )
    except (RecordingBuildError, har.HarError, subprocess.CalledProcessError, OSError, ValueError) as error:
        # An unknown commit is git's error text: one line too.
        print(f"shipped recording: {str(getattr(error, 'stderr', '') or error).strip()}", file=sys.stderr)
        return 2
    print(
        f"{args.directory}: {counts['exchanges']} exchanges, {counts['scenarios']} scenarios in the summary, "
        f"{counts['fingerprints']} fingerprints at {args.commit}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
