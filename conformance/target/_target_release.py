"""The target's Talk release (capabilities `spreed.version`) and the tags scoping a scenario to releases."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from conformance.protocol import holds_for, release_range

# The newest Talk release the suite knows; a target that reports no spreed.version is judged as this one.
NEWEST_KNOWN_RELEASE = 23
_MAJOR = re.compile(r"^\s*(\d+)(?:\.|$)")


@dataclass(frozen=True)
class TargetRelease:
    """What the target says it is: the Talk major the run judges by, and the version string behind it."""

    major: int
    version: str | None = None  # capabilities spreed.version as reported; None when it reports none
    # The Talk version the suite's reference server models (its `talk_reference` capability); None: not it.
    reference_models: str | None = None

    @property
    def is_reference(self) -> bool:
        """Whether the target is the suite's own reference server (it advertises `talk_reference`)."""
        return self.reference_models is not None

    def describe(self) -> str:
        """E.g. "Talk 22.0.10", or "an unversioned Talk, judged as Talk 23" (no spreed.version)."""
        if self.version is None:
            return f"an unversioned Talk, judged as Talk {self.major}"
        return f"Talk {self.version}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the xdist hand-over."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetRelease:
        """Inverse of `to_dict`."""
        return cls(int(data["major"]), data.get("version"), data.get("reference_models"))


def release_from_capabilities(data: Any) -> TargetRelease:
    """The release named by an OCS capabilities answer's `data` (the newest known when it names none)."""
    capabilities = data.get("capabilities") if isinstance(data, Mapping) else None
    capabilities = capabilities if isinstance(capabilities, Mapping) else {}
    spreed = capabilities.get("spreed")
    version = spreed.get("version") if isinstance(spreed, Mapping) else None
    version = version.strip() if isinstance(version, str) and version.strip() else None
    major = major_of(version) if version is not None else None
    reference = capabilities.get("talk_reference")
    models = reference.get("models_talk") if isinstance(reference, Mapping) else None
    if major is None:
        return TargetRelease(NEWEST_KNOWN_RELEASE, None, str(models) if models else None)
    return TargetRelease(major, version, str(models) if models else None)


def major_of(version: str) -> int | None:
    """The major of a version string ("22.0.10" -> 22); None when it does not start with a number."""
    match = _MAJOR.match(version)
    return int(match[1]) if match else None


def skip_reason(tags: Iterable[str], release: TargetRelease) -> str | None:
    """Why a scenario does not apply to the target's release; None when it does (ReleaseTagError: bad tag)."""
    first, last = release_range(tags)
    if holds_for((first, last), release.major):
        return None
    if first is not None and last is not None:
        holds = f"Talk {first}" if first == last else f"Talk {first} to {last}"
    elif first is not None:
        holds = f"Talk {first} and later"
    else:
        holds = f"Talk {last} and earlier"
    return f"holds for {holds}; the target is {release.describe()}"
