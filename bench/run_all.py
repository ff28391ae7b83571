"""Run every measurement with modest defaults and write the figures into docs/performance.md.

The figures go between the `<!-- bench:begin -->` and `<!-- bench:end -->` markers; the prose around them
is kept. Exit status 1 when a resilience check failed (the figures are written anyway).

    python -m bench.run_all [--output docs/performance.md] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import faults, hostile_input, races, scale, server_throughput, suite_overhead
from bench.check_result import CheckResult

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
MIB = 1024 * 1024


def machine() -> str:
    """CPU model, cores, Python and the load average: the figures mean little without them."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load}"


def _table(rows: list[tuple[str, object]]) -> list[str]:
    lines = ["| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return lines


def _checks(results: list[CheckResult]) -> list[str]:
    lines = ["| check | verdict | what happened |", "|---|---|---|"]
    for result in results:
        detail = result.detail.replace("|", "\\|").replace("\n", " ")
        verdict = {"ok": "ok", "FAIL": "**FAIL**", "skipped": "skipped"}[result.verdict]
        lines.append(f"| {result.name} | {verdict} | {detail} |")
    return lines


def measure(work_dir: Path, quick: bool) -> tuple[list[str], bool]:
    """Every script in turn; the markdown section and whether all checks passed."""
    started = time.perf_counter()
    before = machine()
    lines = [f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {before}.", ""]

    overhead = suite_overhead.run(work_dir / "overhead", (0,) if quick else (0, 2))
    lines += ["### Suite overhead (`python -m bench.suite_overhead`)", ""]
    rows = [(name, value) for name, value in overhead.items() if not isinstance(value, dict)]
    for workers in (0, 2):
        run = overhead.get(f"n{workers}")
        if isinstance(run, dict):
            label = "serial" if workers == 0 else f"-n {workers}"
            rows += [(f"{label}: {name}", value) for name, value in run.items()]
    lines += [*_table(rows), ""]

    throughput = server_throughput.run(work_dir / "throughput", clients=8, rounds=1 if quick else 3)
    lines += ["### Server throughput (`python -m bench.server_throughput`)", ""]
    lines += [*_table(list(throughput.items())), ""]

    rooms = (10, 1000) if quick else (10, 10_000)
    scaled = scale.run(
        work_dir / "scale", rooms, scenarios=10 if quick else 20, upload_mib=64 if quick else 256
    )
    plans = scaled.pop("query_plans")
    endpoints = scaled.pop("server_ms_by_endpoint")
    lines += ["### Scale (`python -m bench.scale`)", ""]
    lines += [*_table(list(scaled.items())), ""]
    low, high = min(endpoints), max(endpoints)
    lines += [f"| server median ms per request | {low} rooms | {high} rooms |", "|---|---|---|"]
    lines += [
        f"| `{name}` | {value} | {endpoints[high].get(name)} |" for name, value in endpoints[low].items()
    ]
    lines += ["", "| hot query | SQLite plan |", "|---|---|"]
    lines += [f"| {name} | `{plan}` |" for name, plan in plans.items()]
    lines.append("")

    checks: list[CheckResult] = []
    for title, results in (
        ("Races (`python -m bench.races`)", races.run(work_dir / "races", starts=100, rounds=10)),
        (
            "Faults (`python -m bench.faults`)",
            faults.run(work_dir / "faults", upload_bytes=(16 if quick else 64) * MIB),
        ),
        ("Hostile input (`python -m bench.hostile_input`)", hostile_input.run(work_dir / "hostile")),
    ):
        lines += [f"### {title}", "", *_checks(results), ""]
        checks += results
    lines.append(
        f"All measurements took {time.perf_counter() - started:.0f} s; load average afterwards: "
        f"{', '.join(f'{value:.2f}' for value in os.getloadavg())}."
    )
    skipped = [result.name for result in checks if result.skipped]
    if skipped:
        lines.append(f"Not run on this machine (skipped, not passed): {', '.join(skipped)}.")
    return lines, not any(result.failed for result in checks)


def write_section(output: Path, section: list[str]) -> None:
    """Replace the generated section of the document (or create a document holding only it)."""
    generated = "\n".join([BEGIN, *section, END])
    if output.exists() and BEGIN in (text := output.read_text(encoding="utf-8")) and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        output.write_text(head + generated + tail, encoding="utf-8")
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(f"# Performance, scale and resilience\n\n{generated}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="document to update")
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes and shorter loads (about a minute)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-all-") as work_dir:
        section, passed = measure(Path(work_dir), args.quick)
    write_section(args.output, section)
    print("\n".join(section))
    print(f"\nwritten to {args.output}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
