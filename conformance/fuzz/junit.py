"""A JUnit XML report of a fuzz run: one test case per operation and phase, plus the state model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class JUnitCase:
    """One <testcase>: a name, how long it took, and the failure texts (empty = passed)."""

    name: str
    classname: str
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None


def write_junit(results: list[JUnitCase], path: Path, suite_name: str = "talk-conformance-fuzz") -> None:
    """Write the results as one <testsuite> in a <testsuites> root."""
    suite = ET.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(results)),
        failures=str(sum(1 for r in results if r.failures)),
        errors=str(sum(1 for r in results if r.errors and not r.failures)),
        skipped=str(sum(1 for r in results if r.skipped is not None)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite, "testcase", name=result.name, classname=result.classname, time=f"{result.seconds:.3f}"
        )
        if result.failures:
            failure = ET.SubElement(case, "failure", message=result.failures[0].splitlines()[0][:500])
            failure.text = "\n\n".join(result.failures)
        elif result.errors:
            error = ET.SubElement(case, "error", message=result.errors[0].splitlines()[0][:500])
            error.text = "\n\n".join(result.errors)
        elif result.skipped is not None:
            ET.SubElement(case, "skipped", message=result.skipped)
    root = ET.Element("testsuites")
    root.append(suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
