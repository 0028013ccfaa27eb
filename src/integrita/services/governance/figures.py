"""The registers' computed figures and clocks: supplier location shares, training completion per
unit, the brand exemptions and rectification actions that are overdue.

Every figure is counted from the records, never typed in; each answer names the records behind
it so a page (or the annual pack) can open them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from integrita.domain.governance.integrity import CompletionRate, completion_rates
from integrita.domain.governance.partners import SupplierPlace, supplier_shares
from integrita.domain.permissions import Permission
from integrita.domain.registers import as_text, typed_date
from integrita.domain.roles import SYSTEM_ROLES
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.core.users import list_users
from integrita.store import Session
from integrita.store.models import GovernanceRecord
from integrita.store.repositories import governance as repo


@dataclass(frozen=True, slots=True)
class SupplierFigures:
    home_country: str
    home_province: str
    home_city: str
    qualified: list[str]
    domestic: list[str]
    home_province_suppliers: list[str]
    home_city_suppliers: list[str]
    domestic_percent: Decimal
    home_province_percent: Decimal
    home_city_percent: Decimal


def qualified_suppliers(session: Session) -> list[GovernanceRecord]:
    return repo.records(session, "supplier", ("qualified",))


def supplier_figures_in(ctx: Context, session: Session) -> SupplierFigures:
    s = ctx.settings
    places = [
        SupplierPlace(
            str(r.fields["code"]),
            as_text(r.fields.get("country")),
            as_text(r.fields.get("province")),
            as_text(r.fields.get("city")),
        )
        for r in qualified_suppliers(session)
    ]
    shares = supplier_shares(
        places, s.governance_home_country, s.governance_home_province, s.governance_home_city
    )
    whole = len(shares.qualified)
    return SupplierFigures(
        s.governance_home_country,
        s.governance_home_province,
        s.governance_home_city,
        list(shares.qualified),
        list(shares.domestic),
        list(shares.home_province),
        list(shares.home_city),
        shares.percent(len(shares.domestic), whole),
        shares.percent(len(shares.home_province), whole),
        shares.percent(len(shares.home_city), whole),
    )


def supplier_figures(ctx: Context, *, actor: HasRoles) -> SupplierFigures:
    """Qualified suppliers now, and the shares that are domestic, in the home province and in
    the home city (home places from the settings)."""
    ensure_permitted(actor, Permission.GOVERNANCE_READ)
    with ctx.db.transaction() as session:
        return supplier_figures_in(ctx, session)


def training_rates(ctx: Context, year: int, *, actor: HasRoles) -> list[CompletionRate]:
    """Completion of the year's integrity training, per unit."""
    ensure_permitted(actor, Permission.GOVERNANCE_READ)
    with ctx.db.transaction() as session:
        rows = [r for r in repo.records(session, "training") if r.fields.get("year") == year]
    return completion_rates((as_text(r.fields.get("unit")), r.state == "completed") for r in rows)


@dataclass(frozen=True, slots=True)
class OverdueItem:
    register: str
    id: int
    reference: str
    due_on: date
    working_days_late: int


def _overdue(
    ctx: Context,
    session: Session,
    register: str,
    states: tuple[str, ...],
    due_field: str,
    on: date,
) -> list[OverdueItem]:
    found = []
    for r in repo.records(session, register, states):
        due = typed_date(r.fields.get(due_field))
        if due is not None and due < on:
            late = ctx.calendar.working_days_between(due, on, field="on")
            found.append(OverdueItem(register, r.id, r.reference, due, late))
    return sorted(found, key=lambda item: (item.due_on, item.id))


def overdue_exemptions(
    ctx: Context, *, actor: HasRoles, on: date | None = None
) -> list[OverdueItem]:
    """Brand exemptions whose annual review is past due on ``on`` (the bank's local date, today
    by default). The due date was already moved to a working day by the business calendar, so
    a review due on a holiday is not overdue until the day after the next working day."""
    ensure_permitted(actor, Permission.GOVERNANCE_READ)
    day = on or ctx.local_date()
    with ctx.db.transaction() as session:
        return _overdue(ctx, session, "brand_exemption", ("exempt",), "review_due", day)


def overdue_rectifications(
    ctx: Context, *, actor: HasRoles, on: date | None = None
) -> list[OverdueItem]:
    """Inspection rectification actions still open after their due date."""
    ensure_permitted(actor, Permission.GOVERNANCE_READ)
    day = on or ctx.local_date()
    with ctx.db.transaction() as session:
        return _overdue(ctx, session, "rectification_action", ("open",), "due_on", day)


def ended_brand_terms(
    ctx: Context, *, actor: HasRoles, on: date | None = None
) -> list[OverdueItem]:
    """Brand authorisations still in force whose term has ended: the user must renew or stop."""
    ensure_permitted(actor, Permission.GOVERNANCE_READ)
    day = on or ctx.local_date()
    with ctx.db.transaction() as session:
        return _overdue(ctx, session, "brand_user", ("authorised", "rectification"), "term_to", day)


def declarations_missing(ctx: Context, year: int, *, actor: HasRoles) -> list[str]:
    """Active staff (people, not systems) with no conflict-of-interest declaration for ``year``:
    the annual attestation is owed by everyone, and this is who has not given it."""
    ensure_permitted(actor, Permission.GOVERNANCE_READ)
    with ctx.db.transaction() as session:
        declared = {
            str(r.fields.get("employee"))
            for r in repo.records(session, "conflict_declaration")
            if r.fields.get("year") == year and r.state != "returned"
        }
    staff = [
        u.username
        for u in list_users(ctx)
        if u.active and u.roles and not u.roles <= {r.value for r in SYSTEM_ROLES}
    ]
    return sorted(set(staff) - declared)
