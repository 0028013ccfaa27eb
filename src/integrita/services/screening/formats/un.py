"""The UN Security Council consolidated list (``consolidated.xml``): INDIVIDUALS and ENTITIES."""

from __future__ import annotations

from pathlib import Path

from integrita.domain.screening import Identifier, ListEntity
from integrita.services.screening.formats.common import (
    XmlDocument,
    child_text,
    children,
    country_code,
    iso_date,
    local,
    unique,
)

_ID_KINDS = {"passport": "passport", "national identification number": "national_id"}


def read(path: Path) -> list[ListEntity]:
    doc = XmlDocument(path)
    if local(doc.root.tag) != "CONSOLIDATED_LIST":
        raise doc.refuse(doc.root, f"expected CONSOLIDATED_LIST, found {local(doc.root.tag)}")
    entities: list[ListEntity] = []
    for group, kind in (("INDIVIDUALS", "INDIVIDUAL"), ("ENTITIES", "ENTITY")):
        for holder in children(doc.root, group):
            for element in children(holder, kind):
                data_id = child_text(element, "DATAID")
                if not data_id:
                    raise doc.refuse(element, f"{kind} without DATAID")
                parts = [
                    child_text(element, t)
                    for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
                ]
                primary = " ".join(p for p in parts if p)
                if not primary:
                    raise doc.refuse(element, f"{kind} {data_id} has no FIRST_NAME")
                names = [primary, child_text(element, "NAME_ORIGINAL_SCRIPT")]
                for alias in children(element, f"{kind}_ALIAS"):
                    names.append(child_text(alias, "ALIAS_NAME"))
                births: list[str] = []
                for birth in children(element, "INDIVIDUAL_DATE_OF_BIRTH"):
                    value = child_text(birth, "DATE") or child_text(birth, "YEAR")
                    births.append(iso_date(value) or "")
                    for year in ("FROM_YEAR", "TO_YEAR"):
                        births.append(iso_date(child_text(birth, year)) or "")
                countries: list[str] = []
                for nat in children(element, "NATIONALITY"):
                    countries += [country_code(v.text or "") or "" for v in children(nat, "VALUE")]
                for address in children(element, f"{kind}_ADDRESS"):
                    countries.append(country_code(child_text(address, "COUNTRY")) or "")
                identifiers = []
                for document in children(element, "INDIVIDUAL_DOCUMENT"):
                    number = child_text(document, "NUMBER")
                    if number:
                        label = child_text(document, "TYPE_OF_DOCUMENT").casefold()
                        identifiers.append(
                            Identifier(
                                _ID_KINDS.get(label, label or "document"),
                                number,
                                country_code(child_text(document, "ISSUING_COUNTRY")),
                            )
                        )
                entities.append(
                    ListEntity(
                        entity_id=child_text(element, "REFERENCE_NUMBER") or f"UN-{data_id}",
                        schema="Person" if kind == "INDIVIDUAL" else "Organization",
                        names=unique(names),
                        birth_dates=unique(births),
                        countries=unique(countries),
                        identifiers=tuple(identifiers),
                        programmes=unique([child_text(element, "UN_LIST_TYPE")]),
                        topics=("sanction",),
                    )
                )
    return entities
