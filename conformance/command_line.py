"""What every talk-conformance command does alike with its command line: build it, parse it, refuse it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

EXIT_USAGE = 2  # argparse's own status for words it refuses; every command keeps it for any unusable input


def command_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A talk-conformance command's parser: `prog` leads its usage and error lines, `description` its help."""
    return argparse.ArgumentParser(prog=prog, description=description)


def parse_command_line(
    parser: argparse.ArgumentParser, argv: Iterable[str] | None
) -> argparse.Namespace | int:
    """The options, or the exit status once argparse has said all there is to say: 0 after --help, else 2."""
    try:
        return parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else EXIT_USAGE


def refuse(prog: str, problem: object, status: int = EXIT_USAGE) -> int:
    """Say on stderr, in one line, why the command ends as it does; its exit status (by default: usage)."""
    print(f"{prog}: {problem}", file=sys.stderr)
    return status
