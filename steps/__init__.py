"""Gherkin step library of the conformance suite."""
