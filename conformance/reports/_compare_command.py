"""`talk-conformance compare`: where two runs, or a run and a shipped real recording, answered differently."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

import yaml

from conformance import resources
from conformance.command_line import command_parser, parse_command_line, refuse
from conformance.traffic import (
    AcceptedDifference,
    Comparison,
    HarError,
    SaneStatusRequirement,
    accepted_differences,
    compare,
    read_har,
    renamed_scenarios,
    sane_status_requirements,
    shipped_recording_metadata,
    shipped_recording_names,
    shipped_traffic_path,
)

PROG = "talk-conformance compare"
EXIT_SAME, EXIT_DIFFERENT, EXIT_USAGE = 0, 1, 2
REPORT_JSON = "comparison.json"
REPORT_PAGE = "traffic.html"
_CELL = 40


class CompareError(Exception):
    """An input of the comparison is unusable."""


def build_parser() -> argparse.ArgumentParser:
    """Options of `talk-conformance compare`."""
    parser = command_parser(
        PROG,
        "Align two traffic recordings (HAR, e.g. from --record-traffic) scenario by scenario and "
        "request by request, and list where the answers differ. Exit 1 on an unexplained difference.",
    )
    parser.add_argument(
        "hars", nargs="+", type=Path, metavar="HAR", help="A.har B.har, or one run with --against"
    )
    parser.add_argument(
        "--against",
        metavar="NAME",
        help=f"compare with a real recording shipped in the package ({', '.join(shipped_recording_names())})",
    )
    parser.add_argument(
        "--register",
        action="store_true",
        help="accept the differences the deviation register explains: its accepted_differences, and a 4xx "
        "where a require-sane-4xx entry names upstream's answer",
    )
    parser.add_argument(
        "--register-file",
        type=Path,
        metavar="FILE",
        help="a register other than the bundled one (implies --register)",
    )
    parser.add_argument(
        "--report", type=Path, metavar="DIR", help=f"write {REPORT_JSON} and {REPORT_PAGE} here"
    )
    return parser


def compare_command(argv: Iterable[str]) -> int:
    """Run the comparison; 0 when nothing unexplained differs, 1 when something does, 2 for bad input."""
    options = parse_command_line(build_parser(), argv)
    if isinstance(options, int):
        return options
    try:
        left_path, right_path, left_name = _inputs(options)
        register = options.register_file or (resources.deviations_path() if options.register else None)
        # against a shipped recording, only the register entries that hold for its Talk release apply
        release = shipped_recording_metadata(options.against).get("talk_release") if options.against else None
        accepted, requirements = _register(register, release)
        left, right = read_har(left_path), read_har(right_path)
    except (CompareError, HarError) as exc:
        return refuse(PROG, exc)
    aliases = renamed_scenarios(options.against) if options.against else {}
    result = compare(
        left["log"]["entries"],
        right["log"]["entries"],
        left_name,
        str(right_path),
        accepted,
        requirements,
        recorded_as=aliases,
    )
    for line in table_lines(result):
        print(line)
    if options.report is not None:
        try:
            write_report(options.report, result, left["log"].get("creator", {}))
        except OSError as exc:
            return refuse(PROG, f"cannot write the report to {options.report}: {exc}")
        print(f"report: {options.report / REPORT_JSON}, {options.report / REPORT_PAGE}")
    return EXIT_DIFFERENT if result.unexplained else EXIT_SAME


def _inputs(options: argparse.Namespace) -> tuple[Path, Path, str]:
    if options.against:
        if len(options.hars) != 1:
            raise CompareError("with --against give exactly one HAR (the run to compare)")
        try:
            return shipped_traffic_path(options.against), options.hars[0], options.against
        except LookupError as exc:
            raise CompareError(str(exc)) from None
    if len(options.hars) != 2:
        raise CompareError("give two HAR files (A.har B.har), or one with --against NAME")
    return options.hars[0], options.hars[1], str(options.hars[0])


def _register(
    path: Path | None, release: int | None = None
) -> tuple[list[AcceptedDifference], list[SaneStatusRequirement]]:
    if path is None:
        return [], []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CompareError(f"cannot read the register {path}: {exc}") from None
    document = document if isinstance(document, dict) else {}
    try:
        return accepted_differences(document, release), sane_status_requirements(document, release)
    except (ValueError, KeyError, TypeError) as exc:
        raise CompareError(f"{path}: {exc}") from None


def table_lines(result: Comparison) -> list[str]:
    """The differences as a plain-text table under a heading per scenario, then the counts."""
    lines = []
    header = ("#", "request", "kind", result.left_name, "this run", "accepted by")
    rows = [
        (
            item.scenario,
            (str(item.step), item.request, item.what, item.left, item.right, item.accepted_by or "-"),
        )
        for item in result.differences
    ]
    widths = [
        min(_CELL, max(len(row[index]) for row in (header, *(cells for _, cells in rows))))
        for index in range(len(header))
    ]
    scenario = None
    for name, cells in rows:
        if name != scenario:
            scenario = name
            lines += ["", f"scenario: {name}", "  " + _row(header, widths)]
        lines.append("  " + _row(cells, widths))
    if rows:
        lines.append("")
    for name, why in result.not_recorded.items():
        lines.append(f"not recorded: {name} ({why})")
    for name in result.gone:
        lines.append(f"only in {result.left_name}: {name}")
    counts = result.to_dict()["counts"]
    accepted = ", ".join(f"{key} x{value}" for key, value in sorted(counts["accepted"].items())) or "none"
    lines.append(
        f"compared {counts['compared']} scenarios ({counts['agreeing']} agree), "
        f"{counts['not_recorded']} not recorded, {counts['only_in_left']} only in {result.left_name}; "
        f"{counts['differences']} differences: "
        f"{counts['unexplained']} unexplained, accepted: {accepted}"
    )
    return lines


def _short(request: str) -> str:
    return request.replace("/ocs/v2.php/apps/spreed/api/", "…/")


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(
        _clip(cell, width).ljust(width) for cell, width in zip(cells, widths, strict=True)
    ).rstrip()


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def write_report(directory: Path, result: Comparison, origin: dict[str, object]) -> None:
    """The comparison as JSON and as a page of the living documentation."""
    from conformance.reports.living_docs import STYLESHEET, render_comparison_page

    directory.mkdir(parents=True, exist_ok=True)
    data = {**result.to_dict(), "left_origin": origin}
    (directory / REPORT_JSON).write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (directory / REPORT_PAGE).write_text(render_comparison_page(data), encoding="utf-8")
    stylesheet = Path(__file__).resolve().parent / "living_docs" / STYLESHEET
    (directory / STYLESHEET).write_text(stylesheet.read_text(encoding="utf-8"), encoding="utf-8")
