"""OFAC's SDN and consolidated non-SDN lists: ``sdn.xml`` / ``consolidated.xml`` (the sdnList
schema) and ``sdn.csv`` / ``cons_prim.csv`` with the aliases of ``alt.csv`` / ``cons_alt.csv``
beside it when present."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from integrita.domain.screening import Identifier, ListEntity
from integrita.services.screening.formats.common import (
    XmlDocument,
    child_text,
    children,
    country_code,
    iso_date,
    local,
    refuse,
    unique,
)

_SCHEMAS = {
    "individual": "Person",
    "entity": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
}
_ID_KINDS = {
    "passport": "passport",
    "national id no.": "national_id",
    "registration number": "registration",
}


def read(path: Path) -> list[ListEntity]:
    if path.suffix.casefold() == ".csv":
        return _read_csv(path)
    return _read_xml(path)


def _name(element: object) -> str:
    first = child_text(element, "firstName")  # type: ignore[arg-type]
    last = child_text(element, "lastName")  # type: ignore[arg-type]
    return f"{first} {last}".strip() if first else last


def _read_xml(path: Path) -> list[ListEntity]:
    doc = XmlDocument(path)
    if local(doc.root.tag) != "sdnList":
        raise doc.refuse(doc.root, f"expected sdnList, found {local(doc.root.tag)}")
    entities = []
    for entry in children(doc.root, "sdnEntry"):
        uid = child_text(entry, "uid")
        if not uid:
            raise doc.refuse(entry, "sdnEntry without uid")
        name = _name(entry)
        if not name:
            raise doc.refuse(entry, f"sdnEntry {uid} has no lastName")
        names = [name]
        for aka_list in children(entry, "akaList"):
            names += [_name(aka) for aka in children(aka_list, "aka")]
        identifiers = []
        for id_list in children(entry, "idList"):
            for ident in children(id_list, "id"):
                number = child_text(ident, "idNumber")
                if number:
                    label = child_text(ident, "idType").casefold()
                    identifiers.append(
                        Identifier(
                            _ID_KINDS.get(label, label or "document"),
                            number,
                            country_code(child_text(ident, "idCountry")),
                        )
                    )
        births = []
        for dob_list in children(entry, "dateOfBirthList"):
            births += [
                iso_date(child_text(item, "dateOfBirth")) or ""
                for item in children(dob_list, "dateOfBirthItem")
            ]
        countries = []
        for nat_list in children(entry, "nationalityList"):
            countries += [
                country_code(child_text(n, "country")) or ""
                for n in children(nat_list, "nationality")
            ]
        for cit_list in children(entry, "citizenshipList"):
            countries += [
                country_code(child_text(n, "country")) or ""
                for n in children(cit_list, "citizenship")
            ]
        for address_list in children(entry, "addressList"):
            countries += [
                country_code(child_text(a, "country")) or ""
                for a in children(address_list, "address")
            ]
        programmes = []
        for program_list in children(entry, "programList"):
            programmes += [(p.text or "").strip() for p in children(program_list, "program")]
        kind = child_text(entry, "sdnType").casefold()
        entities.append(
            ListEntity(
                entity_id=f"OFAC-{uid}",
                schema=_SCHEMAS.get(kind, "LegalEntity"),
                names=unique(names),
                birth_dates=unique(births),
                countries=unique(countries),
                identifiers=tuple(identifiers),
                programmes=unique(programmes),
                topics=("sanction",),
            )
        )
    return entities


_NULL = "-0-"
_DOB = re.compile(r"DOB ([^;]+)")
_NATIONALITY = re.compile(r"(?:nationality|citizen) ([^;]+)", re.IGNORECASE)
_PASSPORT = re.compile(r"Passport ([A-Z0-9-]+)(?: \(([^)]+)\))?")
_NATIONAL_ID = re.compile(r"National ID No\. ([A-Z0-9-]+)(?: \(([^)]+)\))?")


def _value(text: str) -> str:
    value = text.strip()
    return "" if value == _NULL else value


def _csv_name(raw: str) -> str:
    """OFAC writes people as "LAST, First"; the matcher reads either order."""
    return " ".join(raw.replace(",", " ").split())


def _read_csv(path: Path) -> list[ListEntity]:
    aliases: dict[str, list[str]] = {}
    alt = path.with_name("cons_alt.csv" if path.name.startswith("cons") else "alt.csv")
    if alt.exists():
        with alt.open(newline="", encoding="utf-8", errors="strict") as handle:
            for line_no, row in enumerate(csv.reader(handle), start=1):
                if not row or row[0].strip() in ("", "\x1a"):
                    continue
                if len(row) < 4:
                    raise refuse(alt, line_no, f"expected 5 columns, found {len(row)}")
                aliases.setdefault(row[0].strip(), []).append(_csv_name(_value(row[3])))
    entities = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for line_no, row in enumerate(csv.reader(handle), start=1):
                if not row or row[0].strip() in ("", "\x1a"):
                    continue
                if len(row) < 12:
                    raise refuse(path, line_no, f"expected 12 columns, found {len(row)}")
                ent_num, raw_name, kind = row[0].strip(), _value(row[1]), _value(row[2]).casefold()
                if not ent_num.isdigit():
                    raise refuse(path, line_no, f"ent_num {ent_num!r} is not a number")
                if not raw_name:
                    raise refuse(path, line_no, f"entry {ent_num} has no name")
                remarks = _value(row[11])
                births = [iso_date(m) or "" for m in _DOB.findall(remarks)]
                countries = [country_code(m) or "" for m in _NATIONALITY.findall(remarks)]
                identifiers = [
                    Identifier("passport", n, country_code(c or ""))
                    for n, c in _PASSPORT.findall(remarks)
                ] + [
                    Identifier("national_id", n, country_code(c or ""))
                    for n, c in _NATIONAL_ID.findall(remarks)
                ]
                entities.append(
                    ListEntity(
                        entity_id=f"OFAC-{ent_num}",
                        schema=_SCHEMAS.get(kind, "Organization" if not kind else "LegalEntity"),
                        names=unique([_csv_name(raw_name), *aliases.get(ent_num, [])]),
                        birth_dates=unique(births),
                        countries=unique(countries),
                        identifiers=tuple(identifiers),
                        programmes=unique([p.strip() for p in _value(row[3]).split(";")]),
                        topics=("sanction",),
                    )
                )
    except UnicodeDecodeError as exc:
        raise refuse(path, None, f"not UTF-8 text ({exc.reason})") from exc
    return entities
