"""openapi/recording-server.yaml as a validator of what the recording server answers and reports."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
import yaml

from conformance import resources

SPEC_FILE = "recording-server.yaml"
# What a report's `type` says it is, and the schema its body must satisfy.
REPORT_SCHEMAS = {"started": "StartedReport", "stopped": "StoppedReport", "failed": "FailedReport"}


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed description of the recording server's API."""
    return yaml.safe_load((resources.openapi_dir() / SPEC_FILE).read_text(encoding="utf-8"))


def schema_problem(name: str, document: Any) -> str | None:
    """Why `document` does not satisfy components/schemas/`name`, in one line; None when it does."""
    spec = load_spec()
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(the document)"
    return f"{where}: {error.message} (openapi/{SPEC_FILE}, {name})"


def report_problem(report_type: str, document: Any) -> str | None:
    """Why a report body does not satisfy its schema; None when it does."""
    return schema_problem(REPORT_SCHEMAS[report_type], document)
