"""`talk-conformance docs`: write the living documentation site to a directory."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from conformance import resources
from conformance.command_line import command_parser, parse_command_line, refuse
from conformance.protocol import load_contract
from conformance.reports._coverage_model import CoverageInputError, CoverageMatrix, NoRecordsError
from conformance.reports._summary import SUMMARY_FILE
from conformance.reports.coverage_matrix import add_features_option, load_matrix, load_run_matrix
from conformance.reports.living_docs._documents import load_features
from conformance.reports.living_docs._expected_failures import load_expectations
from conformance.reports.living_docs._html_page import render_page
from conformance.reports.living_docs._pages import build_pages
from conformance.reports.living_docs._real_recordings import shipped_recordings
from conformance.reports.living_docs._rendering import SCRIPT, STYLESHEET
from conformance.reports.living_docs._results import ResultsError, RunResults, load_results
from conformance.traffic import HarError

EXIT_OK, EXIT_USAGE = 0, 2
PROG = "talk-conformance docs"
INDEX_FILE = "index.html"
COMPARISON_FILE = "traffic.html"
_ASSETS = (STYLESHEET, SCRIPT)


class DocsError(Exception):
    """The site cannot be built from these inputs."""


def build_parser() -> argparse.ArgumentParser:
    """Options of `talk-conformance docs`."""
    parser = command_parser(
        PROG,
        "Render the scenarios, the coverage matrix, the deviation register and the recording "
        "status diagram as a static HTML site (with the results of a run when --results is given).",
    )
    parser.add_argument("--out", required=True, type=Path, help="directory to write the site to")
    parser.add_argument(
        "--results",
        type=Path,
        action="append",
        help="a report directory of a run (holding summary.json and/or cucumber.json); repeatable, e.g. "
        "once more for a `talk-conformance recording-server` run",
    )
    add_features_option(parser)
    parser.add_argument(
        "--reference",
        type=Path,
        help="a report directory of a run against the reference server, shown in a column of its own",
    )
    parser.add_argument(
        "--recordings",
        type=Path,
        help="a directory of real recordings (<name>/traffic.har, summary.json); default: the shipped ones",
    )
    parser.add_argument(
        "--comparison",
        type=Path,
        help="a comparison.json of `talk-conformance compare --report`, shown as the page traffic.html",
    )
    return parser


def docs_command(argv: Iterable[str]) -> int:
    """Build the site; 0 on success, 2 with a one-line explanation when an input or the output is unusable."""
    options = parse_command_line(build_parser(), argv)
    if isinstance(options, int):
        return options
    try:
        index = build_site(
            options.out,
            options.results,
            options.features,
            options.comparison,
            reference=options.reference,
            recordings_dir=options.recordings,
        )
    except DocsError as exc:
        return refuse(PROG, exc)
    print(f"{PROG}: wrote {index}")
    return EXIT_OK


def build_site(
    out: Path,
    results_dir: Path | list[Path] | None = None,
    features_dir: Path | None = None,
    comparison: Path | None = None,
    reference: Path | None = None,
    recordings_dir: Path | None = None,
) -> Path:
    """Write the site (index, compatibility, operations, changes per release pair); return index.html."""
    features_dir = features_dir or resources.features_dir()
    results_dirs = [results_dir] if isinstance(results_dir, Path) else list(results_dir or [])
    # The first run is the main one (matrix, verdict, totals); later ones add their scenarios' outcomes.
    results_dir = results_dirs[0] if results_dirs else None
    try:
        if not features_dir.is_dir():
            raise DocsError(f"feature directory {features_dir} does not exist")
        features = load_features(features_dir)
        matrix = _matrix(features_dir, results_dir)
        results = _results(results_dirs)
        reference_results = load_results(reference) if reference is not None else None
        if recordings_dir is not None and not recordings_dir.is_dir():
            raise DocsError(f"recordings directory {recordings_dir} does not exist")
        recordings = shipped_recordings(recordings_dir)
        pages = build_pages(
            features,
            matrix,
            load_contract(),
            recordings,
            load_expectations(),
            _register_document(),
            (results, results_dir) if results is not None and results_dir is not None else None,
            (reference_results, reference) if reference_results is not None and reference else None,
        )
    except (CoverageInputError, ResultsError) as exc:
        raise DocsError(str(exc)) from None
    except HarError as exc:
        raise DocsError(f"cannot read a recording: {exc}") from None
    comparison_page = _comparison_page(comparison) if comparison is not None else None
    register = _register_document()
    if comparison_page is not None:
        pages.nav.append((COMPARISON_FILE, "Traffic comparison"))
    index_page = render_page(
        features,
        matrix,
        _entries(register, "deviations") + _entries(register, "recording_server_deviations"),
        results,
        _entries(register, "accepted_differences"),
        pages.nav,
        pages.operations,
        pages.labels,
        [(name, title) for name, title, _ in pages.changes],
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        for asset in _ASSETS:
            _write(out / asset, (Path(__file__).resolve().parent / asset).read_text(encoding="utf-8"))
        _write(out / INDEX_FILE, index_page)
        for name, text in pages.files().items():
            _write(out / name, text)
        if comparison_page is not None:
            _write(out / COMPARISON_FILE, comparison_page)
    except OSError as exc:
        raise DocsError(f"cannot write the site to {out}: {exc}") from None
    return out / INDEX_FILE


def _matrix(features_dir: Path, results_dir: Path | None) -> CoverageMatrix:
    # A run's records say per cell which scenarios asserted it; without them, the tags say what is claimed.
    if results_dir is not None and (results_dir / SUMMARY_FILE).is_file():
        with contextlib.suppress(NoRecordsError):
            return load_run_matrix(results_dir, None, None)
    return load_matrix(features_dir, None, None)


def _results(directories: list[Path]) -> RunResults | None:
    if not directories:
        return None
    results = load_results(directories[0])
    for directory in directories[1:]:
        results.outcomes.update(load_results(directory).outcomes)
    return results


def _register_document() -> dict[str, Any]:
    # Already validated by load_matrix (which reads the same file); here every field is shown as written.
    data = yaml.safe_load(resources.deviations_path().read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _entries(register: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [entry for entry in register.get(key) or [] if isinstance(entry, dict)]


def _comparison_page(path: Path) -> str:
    from conformance.reports.living_docs._traffic_page import render_comparison_page

    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DocsError(f"cannot read the comparison report {path}: {exc}") from None
    if not isinstance(report, dict) or "counts" not in report:
        raise DocsError(f"{path} is not a comparison.json of talk-conformance compare --report")
    return render_comparison_page(report)


def _write(path: Path, text: str) -> None:
    # Write then rename, so a browser never shows half a page.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
