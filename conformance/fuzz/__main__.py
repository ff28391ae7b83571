"""`python -m conformance.fuzz`."""

import sys

from conformance.fuzz._runner import run_fuzz

sys.exit(run_fuzz())
