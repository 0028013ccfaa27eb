"""The governance registers' figures for the annual disclosure pack, each with its records.

A count's drill-down rows are exactly the records counted; a share's rows are its numerator's
records and its denominator says of how many it was taken. A record belongs to the year by its
own date (the day a case was identified, a trade requested, a gift given) in the bank's
calendar; the suppliers' figures describe the register as it stands when the pack is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from integrita.domain.disclosure import DrillRow, Figure, Unit
from integrita.domain.governance import REGISTERS
from integrita.domain.governance.partners import SupplierShares
from integrita.domain.registers import typed_date
from integrita.services.core.context import Context
from integrita.services.governance.figures import supplier_figures_in
from integrita.store import Session
from integrita.store.models import GovernanceRecord
from integrita.store.repositories import governance as repo

SECTION = "Governance and integrity"


def _row(record: GovernanceRecord) -> DrillRow:
    spec = REGISTERS[record.register]
    return DrillRow(
        spec.name,
        str(record.id),
        f"{spec.label}: {record.reference} ({record.state.replace('_', ' ')})",
        f"/governance/{spec.name}/{record.id}",
    )


def _count(
    key: str,
    label: str,
    records: Iterable[GovernanceRecord],
    *,
    parent: str | None = None,
    note: str = "",
) -> Figure:
    rows = tuple(_row(r) for r in records)
    return Figure(
        SECTION, key, label, Decimal(len(rows)), Unit.COUNT, rows, parent=parent, note=note
    )


def _share(key: str, label: str, part: list[GovernanceRecord], whole: int, parent: str) -> Figure:
    return Figure(
        SECTION,
        key,
        label,
        SupplierShares.percent(len(part), whole),
        Unit.PERCENT,
        tuple(_row(r) for r in part),
        denominator=whole,
        parent=parent,
    )


def _dated(
    session: Session, register: str, field: str, year: int
) -> Callable[[Iterable[str] | None], list[GovernanceRecord]]:
    def pick(states: Iterable[str] | None = None) -> list[GovernanceRecord]:
        wanted = set(states) if states else None
        found = []
        for r in repo.records(session, register):
            day = typed_date(r.fields.get(field))
            if day is not None and day.year == year and (wanted is None or r.state in wanted):
                found.append(r)
        return found

    return pick


def _of_year(session: Session, register: str, year: int) -> list[GovernanceRecord]:
    return [r for r in repo.records(session, register) if r.fields.get("year") == year]


def annual_figures(ctx: Context, year: int) -> list[Figure]:
    """The governance registers' figures of ``year`` for the annual disclosure pack."""
    ctx.year_bounds(year)  # refuses a year out of range with the reason
    with ctx.db.transaction() as session:
        suppliers = supplier_figures_in(ctx, session)
        by_code = {str(r.fields["code"]): r for r in repo.records(session, "supplier")}
        qualified = [by_code[c] for c in suppliers.qualified]
        whole = len(qualified)
        crossings = _dated(session, "wall_crossing", "crossed_on", year)
        requests = _dated(session, "dealing_request", "requested_on", year)
        trades = _dated(session, "employee_trade", "traded_on", year)
        gifts = _dated(session, "gift", "occurred_on", year)
        inspections = _dated(session, "inspection", "started_on", year)
        reports = _dated(session, "whistleblowing_report", "received_on", year)
        ip_identified = _dated(session, "ip_case", "identified_on", year)
        ip_validated = _dated(session, "ip_case", "validated_on", year)
        assessed = _dated(session, "supplier_assessment", "assessed_on", year)(None)
        scores = [Decimal(int(str(r.fields["score"]))) for r in assessed]
        training = _of_year(session, "training", year)
        completed = [r for r in training if r.state == "completed"]
        return [
            _count(
                "governance.suppliers.qualified",
                "Qualified suppliers",
                qualified,
                note="the register as it stands when the pack is built",
            ),
            _share(
                "governance.suppliers.domestic_share",
                "Domestic suppliers (share of qualified)",
                [by_code[c] for c in suppliers.domestic],
                whole,
                "governance.suppliers.qualified",
            ),
            _share(
                "governance.suppliers.home_province_share",
                f"Suppliers in {suppliers.home_province} (share of qualified)",
                [by_code[c] for c in suppliers.home_province_suppliers],
                whole,
                "governance.suppliers.qualified",
            ),
            _share(
                "governance.suppliers.home_city_share",
                f"Suppliers in {suppliers.home_city} (share of qualified)",
                [by_code[c] for c in suppliers.home_city_suppliers],
                whole,
                "governance.suppliers.qualified",
            ),
            _count("governance.suppliers.assessments", "Supplier assessments", assessed),
            Figure(
                SECTION,
                "governance.suppliers.average_score",
                "Average supplier assessment score (0-100)",
                (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.1"))
                if scores
                else Decimal(0),
                Unit.SCORE,
                tuple(_row(r) for r in assessed),
                denominator=len(scores),
                parent="governance.suppliers.assessments",
            ),
            _count(
                "governance.suppliers.programme_participants",
                "Suppliers in development programmes",
                _of_year(session, "supplier_programme", year),
            ),
            _count("governance.segregation.wall_crossings", "Wall crossings", crossings(None)),
            _count(
                "governance.segregation.dealing_requests",
                "Personal-dealing pre-clearance requests",
                requests(None),
            ),
            _count(
                "governance.segregation.dealing_refused",
                "of which refused",
                requests(["refused"]),
                parent="governance.segregation.dealing_requests",
            ),
            _count(
                "governance.segregation.trades_flagged",
                "Reported staff trades flagged by the daily check",
                trades(["flagged"]),
            ),
            _count(
                "governance.segregation.conflict_declarations",
                "Conflict-of-interest declarations",
                _of_year(session, "conflict_declaration", year),
            ),
            _count("governance.integrity.gifts", "Gifts and hospitality registered", gifts(None)),
            _count(
                "governance.integrity.gifts_over_threshold",
                "of which over the approval threshold",
                gifts(["pending_approval", "approved", "declined"]),
                parent="governance.integrity.gifts",
            ),
            _count("governance.integrity.training_enrolled", "Integrity training places", training),
            Figure(
                SECTION,
                "governance.integrity.training_completion",
                "Integrity training completion",
                SupplierShares.percent(len(completed), len(training)),
                Unit.PERCENT,
                tuple(_row(r) for r in completed),
                denominator=len(training),
                parent="governance.integrity.training_enrolled",
            ),
            _count(
                "governance.integrity.attestations",
                "Integrity attestations",
                _of_year(session, "integrity_attestation", year),
            ),
            _count("governance.integrity.inspections", "On-site inspections", inspections(None)),
            _count(
                "governance.integrity.whistleblowing_reports",
                "Whistle-blowing reports received",
                reports(None),
            ),
            _count(
                "governance.ip.cases_identified",
                "IP infringement cases identified",
                ip_identified(None),
            ),
            _count(
                "governance.ip.validation_reports",
                "Validation reports completed",
                ip_validated(None),
            ),
            _count(
                "governance.ip.referrals",
                "Cases referred to law enforcement",
                ip_identified(["referred"]),
                parent="governance.ip.cases_identified",
            ),
        ]
