"""The talk-conformance command."""

import sys


def main() -> int:
    """Entry point (replaced when the suite lands)."""
    print("talk-conformance: not implemented yet", file=sys.stderr)
    return 2
