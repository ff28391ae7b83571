"""The feature files as documentation: features, scenarios, steps and example rows with their test names."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.reports._feature_tags import feature_files, parse_feature

_PARAMETER = re.compile(r"<(.+?)>")


@dataclass(frozen=True)
class Step:
    """One step line, with its data table or doc string when it has one."""

    keyword: str
    text: str
    line: int
    table: tuple[tuple[str, ...], ...] = ()
    doc_string: str | None = None


@dataclass(frozen=True)
class ExampleRow:
    """One row of an Examples table and the name the run reports it under."""

    values: tuple[str, ...]
    line: int
    result_name: str


@dataclass(frozen=True)
class ExamplesBlock:
    """One Examples block of an outline: its own tags, header and rows."""

    name: str
    line: int
    tags: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[ExampleRow, ...]


@dataclass(frozen=True)
class DocScenario:
    """A scenario or an outline, with its own tags (the feature's are on the feature)."""

    keyword: str
    name: str
    line: int
    description: str
    tags: tuple[str, ...]
    steps: tuple[Step, ...]
    examples: tuple[ExamplesBlock, ...] = ()

    @property
    def result_names(self) -> list[str]:
        """The names a run reports this scenario under: one, or one per example row."""
        if not self.examples:
            return [self.name]
        return [row.result_name for block in self.examples for row in block.rows]


@dataclass(frozen=True)
class DocFeature:
    """A feature file as the documentation shows it."""

    path: str
    name: str
    description: str
    tags: tuple[str, ...]
    background: tuple[Step, ...]
    scenarios: tuple[DocScenario, ...] = field(default_factory=tuple)

    @property
    def anchor(self) -> str:
        """A stable HTML id for the feature."""
        return feature_anchor(self.path)


def feature_anchor(path: str) -> str:
    """The HTML id of a feature file's section."""
    return "feature-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def scenario_anchor(path: str, line: int) -> str:
    """The HTML id of the scenario written at this line, so the coverage matrix can link to it."""
    return f"{feature_anchor(path)}-line-{line}"


def load_features(features_dir: Path) -> list[DocFeature]:
    """Every feature file below `features_dir`, in file name order."""
    return [
        document_feature(parse_feature(path), path.relative_to(features_dir).as_posix())
        for path in feature_files(features_dir)
    ]


def document_feature(document: dict[str, Any], path: str) -> DocFeature:
    """Turn a gherkin-official AST into the documentation model."""
    feature = document.get("feature") or {}
    background: tuple[Step, ...] = ()
    scenarios: list[DocScenario] = []
    for child in feature.get("children", []):
        if "background" in child:
            background = _steps(child["background"])
        elif "scenario" in child:
            scenarios.append(_scenario(child["scenario"], ()))
        elif "rule" in child:
            rule_tags = _tags(child["rule"])
            for rule_child in child["rule"].get("children", []):
                if "scenario" in rule_child:
                    scenarios.append(_scenario(rule_child["scenario"], rule_tags))
    return DocFeature(
        path=path,
        name=feature.get("name") or path,
        description=_dedent(feature.get("description", "")),
        tags=_tags(feature),
        background=background,
        scenarios=tuple(scenarios),
    )


def _scenario(node: dict[str, Any], inherited_tags: tuple[str, ...]) -> DocScenario:
    name = node["name"]
    blocks = [block for block in node.get("examples", []) if block.get("tableHeader")]
    header_rows = [
        (block, _cells(block["tableHeader"]), [_cells(row) for row in block.get("tableBody", [])])
        for block in blocks
    ]
    all_rows = [(header, values) for _, header, rows in header_rows for values in rows]
    names = iter(_result_names(name, all_rows))
    examples = tuple(
        ExamplesBlock(
            name=block.get("name", ""),
            line=block["location"]["line"],
            tags=_tags(block),
            header=header,
            rows=tuple(
                ExampleRow(values, row["location"]["line"], next(names))
                for values, row in zip(rows, block.get("tableBody", []), strict=True)
            ),
        )
        for block, header, rows in header_rows
    )
    return DocScenario(
        keyword=node["keyword"],
        name=name,
        line=node["location"]["line"],
        description=_dedent(node.get("description", "")),
        tags=inherited_tags + _tags(node),
        steps=_steps(node),
        examples=examples,
    )


def _result_names(template: str, rows: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> list[str]:
    # Mirrors how the run names an example row: pytest-bdd renders <parameters> into the title; when the
    # title has none, the plugin appends the pytest parameter id ("-".join(values), made unique by pytest).
    param_ids = _unique_ids(["-".join(values) for _, values in rows])
    names = []
    for (header, values), param_id in zip(rows, param_ids, strict=True):
        rendered = _render(template, dict(zip(header, values, strict=False)))
        names.append(rendered if rendered != template else f"{template} [{param_id}]")
    return names


def _render(template: str, context: dict[str, str]) -> str:
    return _PARAMETER.sub(lambda match: context.get(match.group(1), match.group(0)), template)


def _unique_ids(ids: list[str]) -> list[str]:
    # pytest's rule for duplicate parametrization ids: a counter suffix, after "_" when the id ends in a
    # digit.
    counts = Counter(ids)
    next_suffix: dict[str, int] = defaultdict(int)
    unique = list(ids)
    for index, param_id in enumerate(ids):
        if counts[param_id] > 1:
            separator = "_" if param_id and param_id[-1].isdigit() else ""
            candidate = f"{param_id}{separator}{next_suffix[param_id]}"
            while candidate in set(unique):
                next_suffix[param_id] += 1
                candidate = f"{param_id}{separator}{next_suffix[param_id]}"
            unique[index] = candidate
            next_suffix[param_id] += 1
    return unique


def _steps(node: dict[str, Any]) -> tuple[Step, ...]:
    steps = []
    for step in node.get("steps", []):
        table = tuple(_cells(row) for row in step.get("dataTable", {}).get("rows", []))
        doc_string = step.get("docString", {}).get("content")
        steps.append(Step(step["keyword"].strip(), step["text"], step["location"]["line"], table, doc_string))
    return tuple(steps)


def _cells(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(cell["value"] for cell in row.get("cells", []))


def _tags(node: dict[str, Any]) -> tuple[str, ...]:
    return tuple(tag["name"].lstrip("@") for tag in node.get("tags", []))


def _dedent(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines())
