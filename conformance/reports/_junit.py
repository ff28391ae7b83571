"""The one JUnit XML writer: the conformance run's junit.xml and the fuzz run's junit.xml."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MESSAGE_LIMIT = 500


@dataclass
class JUnitCase:
    """One <testcase>: failures outrank errors outrank a skip; none of them means it passed."""

    name: str
    classname: str
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None
    properties: list[tuple[str, str]] = field(default_factory=list)

    @property
    def element(self) -> tuple[str, str] | None:
        """The child element that says how the case ended, with its text; None when it passed."""
        if self.failures:
            return "failure", "\n\n".join(self.failures)
        if self.errors:
            return "error", "\n\n".join(self.errors)
        if self.skipped is not None:
            return "skipped", self.skipped
        return None


def write_junit(
    cases: Sequence[JUnitCase],
    path: Path,
    suite_name: str,
    properties: Iterable[tuple[str, str]] = (),
    seconds: float | None = None,
) -> None:
    """Write the cases as one <testsuite> in a <testsuites> root (written then renamed, never half a file)."""
    kinds = [case.element[0] if case.element else None for case in cases]
    suite = ET.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(cases)),
        failures=str(kinds.count("failure")),
        errors=str(kinds.count("error")),
        skipped=str(kinds.count("skipped")),
        time=f"{sum(case.seconds for case in cases) if seconds is None else seconds:.3f}",
    )
    suite_properties = list(properties)
    if suite_properties:
        holder = ET.SubElement(suite, "properties")
        for name, value in suite_properties:
            ET.SubElement(holder, "property", name=name, value=value)
    for case in cases:
        element = ET.SubElement(
            suite, "testcase", classname=case.classname, name=case.name, time=f"{case.seconds:.3f}"
        )
        if case.properties:
            holder = ET.SubElement(element, "properties")
            for name, value in case.properties:
                ET.SubElement(holder, "property", name=name, value=value)
        if case.element is not None:
            kind, text = case.element
            first_line = text.splitlines()[0][:MESSAGE_LIMIT] if text else ""
            ET.SubElement(element, kind, message=first_line).text = text
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8")
    partial.replace(path)
