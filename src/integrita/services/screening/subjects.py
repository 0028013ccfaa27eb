"""Customers and counterparties as screening subjects."""

from __future__ import annotations

from typing import Any

from integrita.domain.screening import PERSON, Identifier, Subject

#: The bank's identity documents as the kinds lists use.
DOCUMENT_KINDS = {
    "passport": "passport",
    "resident_id": "national_id",
    "id_card": "national_id",
    "hk_macao_permit": "national_id",
    "taiwan_permit": "national_id",
    "foreign_resident_permit": "national_id",
    "unified_social_credit_code": "registration",
    "business_license": "registration",
}


def customer_subject(row: Any) -> Subject:
    """A customer row (``customer_id, customer_type, name, id_document_type, id_number,
    birth_or_registration_date, nationality, residence_country``) as a subject."""
    organisation = row.customer_type != "individual"
    kind = DOCUMENT_KINDS.get(row.id_document_type or "", row.id_document_type or "document")
    born = row.birth_or_registration_date
    return Subject(
        name=row.name,
        schema="Company" if organisation else PERSON,
        birth_date=None if organisation or born is None else born.isoformat(),
        countries=tuple(dict.fromkeys(c for c in (row.nationality, row.residence_country) if c)),
        identifiers=(Identifier(kind, row.id_number),) if row.id_number else (),
        reference=row.customer_id,
    )
