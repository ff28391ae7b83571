"""The suite against a slow target: the reference server with `latency_ms`, serial and with `-n 4`.

Prints the wall time of both runs, their ratio, and the requests the suite sent per scenario (from the run's
HAR recording). With --baseline FILE (JSON an earlier run printed) it also prints serial / baseline serial.

    python -m bench.latency [--latency-ms 150] [--workers 4] [--baseline earlier.json] [--json out.json]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.reference_process import ReferenceProcess, default_config

SUMMARY_LINE = re.compile(r"(\d+) passed(?:, (\d+) \w+)*.* in ([\d.]+)s")
ROOM_READ = re.compile(r"^GET .*/apps/spreed/api/v4/room/[a-z0-9]+$")


def suite_run(url: str, report_dir: Path, workers: int) -> dict[str, object]:
    """One `talk-conformance --target-url` run with its traffic recorded; wall time and requests."""
    har_path = report_dir / "run.har"
    command = [sys.executable, "-m", "conformance.cli", "--target-url", url]
    command += ["--report-dir", str(report_dir), "--record-traffic", str(har_path)]
    if workers:
        command += ["--", "-n", str(workers)]
    env = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    began = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - began
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    entries = json.loads(har_path.read_text(encoding="utf-8"))["log"]["entries"]
    suite = [item for item in entries if item.get("_leg") == "suite-to-target"]
    per_scenario = collections.Counter(item.get("_scenario") or "(outside scenarios)" for item in suite)
    room_reads = sum(
        1
        for item in suite
        if ROOM_READ.match(f"{item['request']['method']} {item['request']['url'].split('?')[0]}")
    )
    scenario_counts = [count for name, count in per_scenario.items() if name != "(outside scenarios)"]
    return {
        "exit_status": completed.returncode,
        "wall_s": round(wall, 1),
        "totals": summary.get("totals", {}),
        "requests": len(suite),
        "room_reads": room_reads,
        "outside_scenarios": per_scenario.get("(outside scenarios)", 0),
        "requests_per_scenario_median": statistics.median(scenario_counts) if scenario_counts else 0,
        "requests_per_scenario_max": max(scenario_counts, default=0),
        "busiest_scenarios": per_scenario.most_common(5),
    }


def run(latency_ms: int, workers: int, work_dir: Path) -> dict[str, object]:
    """Serial and parallel runs against one reference server with the given latency."""
    config = {**default_config(), "latency_ms": latency_ms}
    with ReferenceProcess(work_dir / "server", config=config) as server:
        serial = suite_run(server.url, work_dir / "serial", 0)
        parallel = suite_run(server.url, work_dir / f"n{workers}", workers)
    return {
        "latency_ms": latency_ms,
        "workers": workers,
        "serial": serial,
        "parallel": parallel,
        "parallel_to_serial": round(parallel["wall_s"] / serial["wall_s"], 2) if serial["wall_s"] else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--baseline", type=Path, help="JSON of an earlier run, to compare serial times")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        figures = run(args.latency_ms, args.workers, Path(tmp))
    if args.baseline:
        baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
        figures["baseline_serial_s"] = baseline["serial"]["wall_s"]
        figures["serial_to_baseline"] = round(figures["serial"]["wall_s"] / baseline["serial"]["wall_s"], 2)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    ok = all(figures[run]["exit_status"] == 0 for run in ("serial", "parallel"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
