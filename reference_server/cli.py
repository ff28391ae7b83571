"""The talk-reference-server command."""

import sys


def main() -> int:
    """Entry point (replaced when the reference server lands)."""
    print("talk-reference-server: not implemented yet", file=sys.stderr)
    return 2
