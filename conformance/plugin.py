"""pytest plugin of the conformance suite (options, fixtures, tags, verdicts)."""
