"""The registered detectors: importing this module registers every typology.

Callers list detectors from here rather than from :mod:`.registry`, which the typologies
import to register themselves; the one-way imports registry ← typologies ← catalogue keep
the two from importing each other.
"""

from __future__ import annotations

from integrita.detection import typologies as _typologies  # noqa: F401 - registers them
from integrita.detection.registry import REGISTRY, Detector
from integrita.errors import ConfigurationError


def detectors(names: list[str] | None = None) -> list[Detector]:
    """Registered detectors, all or the named ones (unknown names are a configuration error)."""
    if names is None:
        return list(REGISTRY.values())
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ConfigurationError(
            f"unknown detector(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}"
        )
    return [REGISTRY[n] for n in names]


def merges_shared_evidence(typology: str) -> bool:
    """Whether matches of ``typology`` sharing (account, transaction) evidence are one match."""
    registered = REGISTRY.get(typology)
    return registered is None or registered.merge_shared_evidence
