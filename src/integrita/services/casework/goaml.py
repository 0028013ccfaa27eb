"""goAML XML for suspicious transaction and large-value reports, validated against the FIU's schema.

Each FIU publishes its own variant of the goAML schema (its own lookup lists), so
the schema file is the setting ``goaml_schema_path``. It is loaded as XSD 1.1:
the schema root says ``vc:minVersion="1.1"`` and an XSD 1.0 processor would skip
it entirely. Child order matters (every content model is a sequence), dates are
``xs:dateTime`` and need a time.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any

import xmlschema

from integrita.errors import ConfigurationError, InputError
from integrita.settings import Settings


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema violation: where in the report and the schema's own message."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@lru_cache(maxsize=4)
def _schema(path: str, mtime: float) -> Any:
    return xmlschema.XMLSchema11(path)


def load_schema(settings: Settings) -> Any:
    path = settings.goaml_schema_path
    if path is None:
        raise ConfigurationError(
            "goaml_schema_path is not set: point it at the goAML XSD your FIU publishes"
        )
    if not path.exists():
        raise ConfigurationError(f"goaml_schema_path {path} does not exist")
    try:
        return _schema(str(path.resolve()), path.stat().st_mtime)
    except xmlschema.XMLSchemaException as exc:
        raise ConfigurationError(f"goAML schema {path} cannot be loaded: {exc}") from exc


def validate(settings: Settings, xml: bytes) -> list[SchemaError]:
    """Every violation of the FIU's schema, in document order (empty when the report is valid)."""
    schema = load_schema(settings)
    errors = []
    for error in schema.iter_errors(xml):
        errors.append(SchemaError(error.path or "/report", error.reason or str(error.message)))
    return errors


# -- building the XML -------------------------------------------------------------------------


def goaml_datetime(value: str | date | datetime | None, zone: tzinfo | None = None) -> str | None:
    """goAML dates are xs:dateTime: an instant is written on the bank's wall clock with its
    offset (``2025-03-03T07:30:00+08:00``), so the FIU reads the bank's date; a date alone
    (a birthdate) gets midnight without a zone."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed: date | datetime = datetime.fromisoformat(value)
        except ValueError:
            return value  # left for the schema to name
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone or UTC)
        return value.replace(microsecond=0).isoformat()
    return f"{value.isoformat()}T00:00:00"


def _add(parent: ET.Element, tag: str, value: object) -> ET.Element | None:
    """Append ``<tag>value</tag>``; empty values are left out (the schema then names what is missing)."""
    if value is None or value == "":
        return None
    child = ET.SubElement(parent, tag)
    child.text = str(value)
    return child


def _text(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    return "" if value is None else str(value).strip()


def _person(parent: ET.Element, tag: str, subject: Mapping[str, Any], country: str) -> None:
    person = ET.SubElement(parent, tag)
    _add(person, "first_name", _text(subject, "first_name"))
    _add(person, "last_name", _text(subject, "last_name"))
    _add(person, "birthdate", goaml_datetime(_text(subject, "birthdate")))
    _add(person, "ssn", _text(subject, "id_number"))
    _add(person, "nationality1", _text(subject, "nationality") or None)
    _add(person, "residence", _text(subject, "residence") or None)
    if _text(subject, "phone_number"):
        phones = ET.SubElement(person, "phones")
        phone = ET.SubElement(phones, "phone")
        _add(phone, "tph_contact_type", _text(subject, "phone_contact_type") or "1")
        _add(phone, "tph_communication_type", _text(subject, "phone_communication_type") or "M")
        _add(phone, "tph_country_prefix", _text(subject, "phone_country_prefix"))
        _add(phone, "tph_number", _text(subject, "phone_number"))
    _add(person, "occupation", _text(subject, "occupation"))


def _account(parent: ET.Element, tag: str, institution: str, code: str, account: str) -> None:
    node = ET.SubElement(parent, tag)
    _add(node, "institution_name", institution)
    _add(node, "institution_code", code)
    _add(node, "account", account)


def _side(
    txn_el: ET.Element,
    side: str,
    *,
    own: bool,
    subject: Mapping[str, Any],
    entity: Mapping[str, Any],
    funds_code: str,
    account: str,
    bank: str,
    country: str,
) -> None:
    """One side of a transaction: our client (a person) or the counterparty's account."""
    if own and subject.get("type", "person") == "person":
        node = ET.SubElement(txn_el, f"t_{side}_my_client")
        _add(node, f"{side}_funds_code", funds_code)
        _person(node, f"{side}_person", subject, country)
    else:
        node = ET.SubElement(txn_el, f"t_{side}")
        _add(node, f"{side}_funds_code", funds_code)
        institution = _text(entity, "institution_name") if own else (bank or "unknown")
        code = _text(entity, "institution_code") if own else (bank or "unknown")
        _account(node, f"{side}_account", institution, code, account)
    _add(node, f"{side}_country", country)


def build_report_xml(
    content: Mapping[str, Any], *, report_code: str = "STR", zone: tzinfo | None = None
) -> bytes:
    """The goAML ``<report>`` for a structured report draft, elements in schema order;
    instants are written in ``zone`` (the bank's) with their offset."""
    entity: Mapping[str, Any] = content.get("reporting_entity") or {}
    subject: Mapping[str, Any] = content.get("subject") or {}
    root = ET.Element("report")
    _add(root, "rentity_id", _text(entity, "rentity_id"))
    _add(root, "rentity_branch", _text(entity, "rentity_branch"))
    _add(root, "submission_code", _text(content, "submission_code") or "E")
    _add(root, "report_code", report_code)
    _add(root, "entity_reference", _text(content, "entity_reference"))
    _add(root, "submission_date", goaml_datetime(_text(content, "report_date"), zone))
    _add(root, "currency_code_local", _text(content, "currency_code_local"))
    person: Mapping[str, Any] = entity.get("reporting_person") or {}
    reporter = ET.SubElement(root, "reporting_person")
    _add(reporter, "first_name", _text(person, "first_name"))
    _add(reporter, "last_name", _text(person, "last_name"))
    location: Mapping[str, Any] = entity.get("location") or {}
    loc = ET.SubElement(root, "location")
    _add(loc, "address_type", _text(location, "address_type") or "1")
    _add(loc, "address", _text(location, "address"))
    _add(loc, "city", _text(location, "city"))
    _add(loc, "country_code", _text(location, "country_code"))
    _add(root, "reason", _text(content, "reason"))
    _add(root, "action", _text(content, "action"))
    home = _text(location, "country_code")
    funds = _text(content, "funds_code") or "A"
    for txn in content.get("transactions") or []:
        el = ET.SubElement(root, "transaction")
        _add(el, "transactionnumber", _text(txn, "txn_id"))
        _add(el, "transaction_location", _text(txn, "location") or _text(entity, "rentity_branch"))
        _add(el, "transaction_description", _text(txn, "description"))
        _add(el, "date_transaction", goaml_datetime(_text(txn, "booked_at"), zone))
        _add(el, "transmode_code", _text(content, "transmode_code") or "A")
        _add(el, "amount_local", _text(txn, "amount"))
        outgoing = _text(txn, "direction") != "in"
        own_country = _text(subject, "residence") or home
        other_country = _text(txn, "counterparty_country") or home
        _side(
            el,
            "from",
            own=outgoing,
            subject=subject,
            entity=entity,
            funds_code=funds,
            account=_text(txn, "own_account") if outgoing else _text(txn, "counterparty_account"),
            bank=_text(txn, "counterparty_bank"),
            country=own_country if outgoing else other_country,
        )
        _side(
            el,
            "to",
            own=not outgoing,
            subject=subject,
            entity=entity,
            funds_code=funds,
            account=_text(txn, "counterparty_account") if outgoing else _text(txn, "own_account"),
            bank=_text(txn, "counterparty_bank"),
            country=other_country if outgoing else own_country,
        )
    indicators = ET.SubElement(root, "report_indicators")
    for code in content.get("indicators") or []:
        _add(indicators, "indicator", code)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def require_valid(settings: Settings, xml: bytes, what: str) -> None:
    """Refuse a report the FIU's schema rejects, with the schema's messages."""
    errors = validate(settings, xml)
    if errors:
        listed = "; ".join(str(e) for e in errors[:5])
        raise InputError(
            f"{what} does not validate against the goAML schema: {listed}", field="xml"
        )
