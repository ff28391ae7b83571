"""Living documentation: a static HTML site of the scenarios, their results and the coverage matrix."""

from conformance.living_docs.command import docs_command

__all__ = ["docs_command"]
