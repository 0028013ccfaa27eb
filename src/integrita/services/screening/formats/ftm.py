"""OpenSanctions / FollowTheMoney entities, one JSON object a line (the files yente reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from integrita.domain.screening import SCHEMAS, Identifier, ListEntity
from integrita.services.screening.formats.common import country_code, iso_date, refuse, unique

_NAME_PROPS = ("name", "alias", "previousName", "weakAlias", "firstName")
_ID_PROPS = {
    "passportNumber": "passport",
    "idNumber": "national_id",
    "registrationNumber": "registration",
    "taxNumber": "tax",
    "innCode": "registration",
}
#: Schemas screened; addresses, sanctions, relations and the like are skipped.
_SCREENED = SCHEMAS


def _values(props: dict[str, Any], key: str) -> list[str]:
    value = props.get(key, [])
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def read(path: Path) -> list[ListEntity]:
    entities = []
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise refuse(path, line_no, f"not a JSON object ({exc})") from exc
            if not isinstance(data, dict):
                raise refuse(path, line_no, "not a JSON object")
            schema, entity_id = data.get("schema"), data.get("id")
            if not entity_id or not schema:
                raise refuse(path, line_no, "an entity needs 'id' and 'schema'")
            if schema not in _SCREENED:
                continue
            props = data.get("properties") or {}
            if not isinstance(props, dict):
                raise refuse(path, line_no, "'properties' must be an object")
            names = [v for key in _NAME_PROPS for v in _values(props, key)]
            if not names:
                raise refuse(path, line_no, f"entity {entity_id} has no name")
            countries = [
                country_code(v) or ""
                for key in ("nationality", "citizenship", "country", "jurisdiction")
                for v in _values(props, key)
            ]
            identifiers = [
                Identifier(kind, v) for key, kind in _ID_PROPS.items() for v in _values(props, key)
            ]
            births = [
                iso_date(v) or ""
                for key in ("birthDate", "incorporationDate")
                for v in _values(props, key)
            ]
            entities.append(
                ListEntity(
                    entity_id=str(entity_id),
                    schema=str(schema),
                    names=unique(names),
                    birth_dates=unique(births),
                    countries=unique(countries),
                    identifiers=tuple(identifiers),
                    programmes=unique(_values(props, "programId") + _values(props, "program")),
                    topics=unique(_values(props, "topics")),
                )
            )
    return entities
