"""Readers of the published list formats. Each returns the file's entities or refuses the file
with its name, the line and the reason; none writes anything."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from integrita.domain.screening import ListEntity
from integrita.errors import InputError
from integrita.services.screening.formats import bank, eu, ftm, ofac, un

Reader = Callable[[Path], list[ListEntity]]

READERS: dict[str, Callable[[Path], list[ListEntity]]] = {
    "un": un.read,
    "ofac_sdn": ofac.read,
    "ofac_cons": ofac.read,
    "eu": eu.read,
    "ftm": ftm.read,
}


def read_list(
    source: str, path: Path, mapping: Mapping[str, str] | None = None
) -> list[ListEntity]:
    """The entities of ``path`` read as ``source`` (``bank`` needs a column mapping)."""
    if not path.exists():
        raise InputError(f"{path}: no such file", field="file")
    if source == "bank":
        return bank.read(path, mapping or {})
    reader = READERS.get(source)
    if reader is None:
        raise InputError(
            f"unknown list source {source!r} (known: {', '.join([*READERS, 'bank'])})",
            field="source",
        )
    entities = reader(path)
    seen: set[str] = set()
    for entity in entities:
        if entity.entity_id in seen:
            raise InputError(f"{path.name}: entity {entity.entity_id} appears twice", field="file")
        seen.add(entity.entity_id)
    return entities
