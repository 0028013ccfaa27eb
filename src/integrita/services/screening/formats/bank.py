"""The bank's own watch lists and PEP lists: CSV with a header and a column mapping.

The mapping names the file's column for each field: ``id`` and ``name`` are required;
``aliases`` (separated by ``;``), ``schema``, ``birth_date``, ``country``, ``passport``,
``national_id``, ``programme`` and ``topics`` are optional.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from integrita.domain.screening import SCHEMAS, Identifier, ListEntity
from integrita.services.screening.formats.common import country_code, iso_date, refuse, unique

FIELDS = (
    "id",
    "name",
    "aliases",
    "schema",
    "birth_date",
    "country",
    "passport",
    "national_id",
    "programme",
    "topics",
)
DEFAULT_MAPPING = {f: f for f in FIELDS}


def read(path: Path, mapping: Mapping[str, str]) -> list[ListEntity]:
    columns = {**DEFAULT_MAPPING, **mapping}
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise refuse(
            path,
            None,
            f"the mapping names unknown fields {sorted(unknown)} (known: {', '.join(FIELDS)})",
        )
    entities = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            for required in ("id", "name"):
                if columns[required] not in header:
                    raise refuse(
                        path,
                        1,
                        f"no column {columns[required]!r} for {required} (columns: {', '.join(header)})",
                    )

            def cell(row: dict[str, str], name: str) -> str:
                column = columns[name]
                return (row.get(column) or "").strip() if column in header else ""

            for row in reader:
                line_no = reader.line_num
                entity_id, name = cell(row, "id"), cell(row, "name")
                if not entity_id:
                    raise refuse(path, line_no, "empty id")
                if not name:
                    raise refuse(path, line_no, f"entry {entity_id} has no name")
                schema = cell(row, "schema") or "Person"
                if schema not in SCHEMAS:
                    raise refuse(
                        path,
                        line_no,
                        f"schema {schema!r} is not one of {', '.join(sorted(SCHEMAS))}",
                    )
                birth = cell(row, "birth_date")
                if birth and iso_date(birth) is None:
                    raise refuse(path, line_no, f"birth_date {birth!r} is not a date")
                identifiers = [
                    Identifier(kind, cell(row, kind))
                    for kind in ("passport", "national_id")
                    if cell(row, kind)
                ]
                entities.append(
                    ListEntity(
                        entity_id=entity_id,
                        schema=schema,
                        names=unique([name, *(a.strip() for a in cell(row, "aliases").split(";"))]),
                        birth_dates=unique([iso_date(birth) or ""]),
                        countries=unique(
                            [country_code(c) or "" for c in cell(row, "country").split(";")]
                        ),
                        identifiers=tuple(identifiers),
                        programmes=unique([cell(row, "programme")]),
                        topics=unique([t.strip() for t in cell(row, "topics").split(";")]),
                    )
                )
    except UnicodeDecodeError as exc:
        raise refuse(path, None, f"not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise refuse(path, None, f"not readable as CSV ({exc})") from exc
    return entities
