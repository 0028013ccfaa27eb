"""The EU financial sanctions file (``xmlFullSanctionsList_1_1``): sanctionEntity elements
with attributes for names, birth dates, citizenships and identifications."""

from __future__ import annotations

from pathlib import Path

from integrita.domain.screening import Identifier, ListEntity
from integrita.services.screening.formats.common import (
    XmlDocument,
    children,
    country_code,
    iso_date,
    local,
    unique,
)

_SCHEMAS = {"person": "Person", "enterprise": "Organization"}
_ID_KINDS = {"passport": "passport", "id": "national_id", "regnumber": "registration"}


def read(path: Path) -> list[ListEntity]:
    doc = XmlDocument(path)
    if local(doc.root.tag) != "export":
        raise doc.refuse(doc.root, f"expected export, found {local(doc.root.tag)}")
    entities = []
    for element in children(doc.root, "sanctionEntity"):
        logical_id = element.get("logicalId", "").strip()
        if not logical_id:
            raise doc.refuse(element, "sanctionEntity without logicalId")
        names = []
        for alias in children(element, "nameAlias"):
            whole = alias.get("wholeName", "").strip()
            if not whole:
                whole = " ".join(
                    p
                    for p in (
                        alias.get(k, "").strip() for k in ("firstName", "middleName", "lastName")
                    )
                    if p
                )
            names.append(whole)
        if not any(names):
            raise doc.refuse(element, f"sanctionEntity {logical_id} has no nameAlias")
        births = []
        for birth in children(element, "birthdate"):
            births.append(iso_date(birth.get("birthdate", "") or birth.get("year", "")) or "")
        countries = [
            country_code(c.get("countryIso2Code", "")) or ""
            for c in children(element, "citizenship")
        ]
        countries += [
            country_code(a.get("countryIso2Code", "")) or "" for a in children(element, "address")
        ]
        identifiers = []
        for ident in children(element, "identification"):
            number = ident.get("number", "").strip()
            if number:
                code = ident.get("identificationTypeCode", "").casefold()
                identifiers.append(
                    Identifier(
                        _ID_KINDS.get(code, code or "document"),
                        number,
                        country_code(ident.get("countryIso2Code", "")),
                    )
                )
        subject_type = next(iter(children(element, "subjectType")), None)
        code = subject_type.get("code", "") if subject_type is not None else ""
        programmes = [r.get("programme", "") for r in children(element, "regulation")]
        entities.append(
            ListEntity(
                entity_id=element.get("euReferenceNumber", "").strip() or f"EU-{logical_id}",
                schema=_SCHEMAS.get(code, "LegalEntity"),
                names=unique(names),
                birth_dates=unique(births),
                countries=unique(countries),
                identifiers=tuple(identifiers),
                programmes=unique(programmes),
                topics=("sanction",),
            )
        )
    return entities
