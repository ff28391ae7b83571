"""Find a scenario's anchor from the name a recording or a comparison gives it."""

from __future__ import annotations

import re

from conformance.reports.living_docs._documents import DocFeature, scenario_anchor
from conformance.traffic import scenario_key

_REPEAT = re.compile(r" \(\d+\)$")  # the comparison's "(2)" for a second scenario of the same name


class ScenarioLinks:
    """Scenario and outline-row names, in every spelling the traffic uses, to their anchors."""

    def __init__(self, features: list[DocFeature]) -> None:
        self._anchors: dict[str, str] = {}
        for feature in features:
            for scenario in feature.scenarios:
                anchor = scenario_anchor(feature.path, scenario.line)
                for name in (scenario.name, *scenario.result_names):
                    self._anchors.setdefault(name, anchor)
                    self._anchors.setdefault(scenario_key(name) or name, anchor)

    def anchor(self, name: str) -> str:
        """The anchor of the scenario, "features" when none is known (the list of features)."""
        name = _REPEAT.sub("", name)
        for candidate in (name, scenario_key(name) or name, name.split(" [")[0]):
            if candidate in self._anchors:
                return self._anchors[candidate]
        return "features"
