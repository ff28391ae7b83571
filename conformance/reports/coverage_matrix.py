"""`talk-conformance matrix`: which documented cell and status transition each scenario asserted (or claims).

The matrix is built by tagged_coverage (from the tags) or asserted_coverage (from a run's records) and
rendered by coverage_rendering; this module reads the command's files and sets its exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from conformance import resources
from conformance.command_line import command_parser, parse_command_line, refuse
from conformance.protocol import Contract, load_contract
from conformance.reports._asserted_coverage import build_matrix_from_run, load_run
from conformance.reports._coverage_model import CoverageInputError, CoverageMatrix
from conformance.reports._coverage_rendering import RENDERERS, cell_label
from conformance.reports._feature_tags import load_scenarios
from conformance.reports._register_cells import load_register
from conformance.reports._tagged_coverage import build_matrix

EXIT_COVERED, EXIT_UNCOVERED, EXIT_USAGE = 0, 1, 2
PROG = "talk-conformance matrix"


def add_features_option(parser: argparse.ArgumentParser) -> None:
    """--features: the feature files the matrix (or the site) is read from, the bundled ones by default."""
    parser.add_argument(
        "--features", type=Path, help="directory of feature files (default: the bundled ones)"
    )


def build_parser() -> argparse.ArgumentParser:
    """Options of `talk-conformance matrix`."""
    parser = command_parser(
        PROG,
        "Show which scenario covers each documented (operation, status, error) cell and each "
        "recording-status transition: with --results, only what the run's steps asserted counts, and a tag "
        "no step backs is an error; without it, the scenarios' tags. Exit status 1 when something is "
        "neither covered nor explained, or a tag is not backed.",
    )
    parser.add_argument(
        "--format", choices=sorted(RENDERERS), default="text", help="output format (default text)"
    )
    add_features_option(parser)
    parser.add_argument(
        "--contract", type=Path, help="OpenAPI contract (default: the bundled recording.yaml)"
    )
    parser.add_argument(
        "--register", type=Path, help="deviation register (default: the bundled deviations.yaml)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="a run's report directory: count only what its scenarios asserted (summary.json records)",
    )
    parser.add_argument("--output", type=Path, help="write to this file instead of standard output")
    return parser


def _load_contract_file(contract: Path | None) -> Contract:
    try:
        return load_contract(contract)
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise CoverageInputError(
            f"cannot load the contract {contract or resources.contract_path()}: {exc}"
        ) from None


def load_run_matrix(results: Path, contract: Path | None, register: Path | None) -> CoverageMatrix:
    """The matrix of what a run asserted, from its report directory; CoverageInputError if unusable."""
    if not results.is_dir():
        raise CoverageInputError(f"results directory {results} does not exist")
    return build_matrix_from_run(
        load_run(results),
        _load_contract_file(contract),
        load_register(register or resources.deviations_path()),
    )


def load_matrix(features: Path | None, contract: Path | None, register: Path | None) -> CoverageMatrix:
    """Build the matrix from these files (bundled ones where None); CoverageInputError if one is unusable."""
    features = features or resources.features_dir()
    if not features.is_dir():
        raise CoverageInputError(f"feature directory {features} does not exist")
    loaded_contract = _load_contract_file(contract)
    return build_matrix(
        loaded_contract,
        load_scenarios(features),
        load_register(register or resources.deviations_path()),
    )


def matrix_command(argv: Iterable[str]) -> int:
    """`talk-conformance matrix`: print the coverage matrix; 1 when a cell or transition is uncovered."""
    options = parse_command_line(build_parser(), argv)
    if isinstance(options, int):
        return options
    try:
        if options.results is not None:
            matrix = load_run_matrix(options.results, options.contract, options.register)
        else:
            matrix = load_matrix(options.features, options.contract, options.register)
    except CoverageInputError as exc:
        return refuse(PROG, exc)
    text = RENDERERS[options.format](matrix)
    if options.output is not None:
        try:
            options.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            return refuse(PROG, f"cannot write {options.output}: {exc}")
    else:
        sys.stdout.write(text)
    if not matrix.complete:
        missing = [cell_label(row.cell) for row in matrix.uncovered_cells]
        missing += [
            f"{row.transition.trigger} {row.transition.label}" for row in matrix.uncovered_transitions
        ]
        if missing:
            print(f"{PROG}: uncovered: {', '.join(missing)}", file=sys.stderr)
        if matrix.unasserted_tags:
            print(f"{PROG}: {len(matrix.unasserted_tags)} tag(s) tagged but not asserted", file=sys.stderr)
        return EXIT_UNCOVERED
    return EXIT_COVERED


if __name__ == "__main__":
    sys.exit(matrix_command(sys.argv[1:]))
