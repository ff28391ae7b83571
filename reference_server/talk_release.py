"""The Talk release the server models (config ``talk_version``) and how it presents itself."""

from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Release:
    """One Talk release and the Nextcloud server it was recorded with."""

    talk: str  # capabilities spreed.version
    nextcloud: tuple[int, int, int]  # capabilities version.major/minor/micro


# The releases the real recordings under ../shared/reference come from.
RELEASES = {22: Release("22.0.10", (32, 0, 1)), 23: Release("23.0.6", (33, 0, 1))}
NEWEST = max(RELEASES)


def of(talk_version: int) -> Release:
    """The release a ``talk_version`` names."""
    return RELEASES[talk_version]


def package_version() -> str:
    """This reference implementation's own version (what ``talk_reference.version`` reports)."""
    try:
        return metadata.version("talk-recording-conformance")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def reference_capability(talk_version: int) -> dict:
    """``capabilities.talk_reference``: this is the reference implementation, and the release it models."""
    return {"version": package_version(), "models_talk": of(talk_version).talk}
