"""Suite overhead: wall time of the full conformance run against the bundled server vs the requests it sends.

Counts the requests at the server (its per-request log lines), measures the median loopback round trip of a
trivial OCS request (GET /ocs/v2.php/cloud/capabilities) on a reference server started the same way, and
prints wall / (requests × round trip) with a breakdown of where the rest of the time goes.

    python -m bench.suite_overhead [--workers 0 2] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

from bench.reference_process import REQUEST_LOG, ReferenceProcess, default_config

CAPABILITIES = "/ocs/v2.php/cloud/capabilities"
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
DURATION = re.compile(r" ([\d.]+)ms$")


def round_trips(work_dir: Path, count: int = 300) -> dict[str, float]:
    """Median ms of a trivial OCS request, on a kept-alive connection and on a fresh connection each time."""
    with ReferenceProcess(work_dir, config=default_config()) as server:
        url = f"{server.url}{CAPABILITIES}"
        with requests.Session() as session:
            session.get(url, timeout=10)  # connect and warm up
            kept = []
            for _ in range(count):
                began = time.perf_counter()
                session.get(url, timeout=10)
                kept.append(time.perf_counter() - began)
        fresh = []
        for _ in range(count // 3):
            began = time.perf_counter()
            requests.get(url, timeout=10)
            fresh.append(time.perf_counter() - began)
    return {
        "rtt_keepalive_ms": round(statistics.median(kept) * 1000, 3),
        "rtt_fresh_connection_ms": round(statistics.median(fresh) * 1000, 3),
    }


def _log_time(line: str) -> float | None:
    match = LOG_TIME.match(line)
    if match is None:
        return None
    return datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()


def conformance_run(report_dir: Path, workers: int) -> dict[str, float]:
    """Run `talk-conformance` (with `-n workers` when > 0); wall time, requests and the time split."""
    command = [sys.executable, "-c", "from conformance.cli import main; raise SystemExit(main())"]
    command += ["--report-dir", str(report_dir)]
    if workers:
        command += ["--", "-n", str(workers)]
    launched = time.time()
    began = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - began
    finished = launched + wall
    log = (report_dir / "reference-server.log").read_text(encoding="utf-8", errors="replace").splitlines()
    request_lines = [line for line in log if REQUEST_LOG in line]
    stamps = [stamp for stamp in map(_log_time, request_lines) if stamp is not None]
    server_busy = sum(float(match[1]) for match in map(DURATION.search, request_lines) if match) / 1000
    # The run's own summary, not its terminal text: the counts and the session time as the run wrote them.
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    return {
        "exit_status": completed.returncode,
        "scenarios_passed": summary.get("totals", {}).get("passed", 0),
        "wall_s": round(wall, 2),
        "pytest_session_s": summary.get("duration", 0.0),
        "requests": len(request_lines),
        "until_first_request_s": round(stamps[0] - launched, 2) if stamps else 0.0,
        "first_to_last_request_s": round(stamps[-1] - stamps[0], 2) if stamps else 0.0,
        "after_last_request_s": round(finished - stamps[-1], 2) if stamps else 0.0,
        "server_busy_s": round(server_busy, 2),
    }


def profile_run(report_dir: Path) -> dict[str, float]:
    """cProfile of a serial run in this process (main thread): seconds spent per kind of work."""
    from conformance.cli import main

    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            main(["--report-dir", str(report_dir)])
    except SystemExit:
        pass
    finally:
        profiler.disable()
    total = time.perf_counter() - began
    stats = pstats.Stats(
        profiler
    ).stats  # {(file, line, name): (calls, primitive, tottime, cumtime, callers)}

    def own(predicate) -> float:
        return sum(entry[2] for key, entry in stats.items() if predicate(*key))

    def cumulative(predicate) -> float:
        return max((entry[3] for key, entry in stats.items() if predicate(*key)), default=0.0)

    return {
        "profiled_s": round(total, 2),
        "imports_s": round(cumulative(lambda f, _l, n: n == "_find_and_load" and "importlib" in f), 2),
        "assertion_rewriting_s": round(cumulative(lambda f, _l, n: n == "exec_module" and "rewrite" in f), 2),
        "compile_s": round(own(lambda _f, _l, n: n == "<built-in method builtins.compile>"), 2),
        "sleep_s": round(own(lambda _f, _l, n: n == "<built-in method time.sleep>"), 2),
        "socket_wait_s": round(own(lambda _f, _l, n: "recv" in n and "socket" in n), 2),
        "lock_wait_s": round(own(lambda _f, _l, n: "acquire" in n and "lock" in n), 2),
        "select_wait_s": round(own(lambda _f, _l, n: "poll" in n or "select" in n), 2),
    }


def run(work_dir: Path, workers: tuple[int, ...] = (0, 2)) -> dict[str, object]:
    """Round trips, then one conformance run per worker count; the overhead ratio of each."""
    figures: dict[str, object] = dict(round_trips(work_dir / "rtt"))
    for count in workers:
        result = conformance_run(work_dir / f"report-n{count}", count)
        denominator = result["requests"] * figures["rtt_keepalive_ms"] / 1000
        result["ratio_wall_to_requests_x_rtt"] = (
            round(result["wall_s"] / denominator, 1) if denominator else 0.0
        )
        figures[f"n{count}"] = result
    return figures


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[0, 2], help="xdist worker counts (0 = serial)"
    )
    parser.add_argument("--profile", action="store_true", help="also profile a serial run with cProfile")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as work_dir:
        figures = run(Path(work_dir), tuple(args.workers))
        for key, value in figures.items():
            if isinstance(value, dict):
                print(f"{key}: " + ", ".join(f"{name}={number}" for name, number in value.items()))
            else:
                print(f"{key}: {value}")
        if args.profile:
            profile = profile_run(Path(work_dir) / "report-profile")
            print("profile: " + ", ".join(f"{name}={number}" for name, number in profile.items()))
    failed = [key for key, value in figures.items() if isinstance(value, dict) and value["exit_status"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
