"""Drafting an STR: the one place a report comes into being, from an approved 'report' case.

Kept apart from the STR's life (:mod:`integrita.services.casework.str_reports`) so that case
work can create the draft inside its approving transaction without importing the module that in
turn marks the case reported: the dependency runs one way, cases -> drafting <- reports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from integrita.domain.casework import StrStatus
from integrita.domain.money import CURRENCIES
from integrita.services.casework.evidence import (
    EvidenceTransaction,
    collect_ids,
    evidence_transactions,
)
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.risk_events import record_risk_event
from integrita.store import Session
from integrita.store.models import Case, SuspiciousTransactionReport
from integrita.store.repositories import cases as cases_repo
from integrita.store.repositories import customers as customers_repo


def _major(amount_minor: int, currency: str) -> str:
    exponent = CURRENCIES[currency].exponent if currency in CURRENCIES else 2
    return str(Decimal(amount_minor).scaleb(-exponent))


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if len(parts) >= 2:
        return " ".join(parts[:-1]), parts[-1]
    # A Chinese name without spaces: family name first.
    return (name[1:], name[:1]) if len(name) > 1 else (name, name)


def _transaction_row(t: EvidenceTransaction, own: set[str]) -> dict[str, object]:
    outgoing = t.from_account in own
    return {
        "txn_id": t.txn_id,
        "booked_at": t.booked_at.astimezone(UTC).isoformat(),
        "description": f"{t.kind} via {t.payment_format}" + ("" if outgoing else " (incoming)"),
        "amount": _major(t.amount_minor, t.currency),
        "currency": t.currency,
        "direction": "out" if outgoing else "in",
        "own_account": t.from_account if outgoing else t.to_account,
        "counterparty_account": t.to_account if outgoing else t.from_account,
        "counterparty_bank": t.to_bank if outgoing else t.from_bank,
        "counterparty_country": (t.to_country if outgoing else t.from_country) or "",
    }


def reporting_entity(ctx: Context) -> dict[str, object]:
    """The bank as the goAML reporting entity, from settings."""
    s = ctx.settings
    return {
        "rentity_id": s.goaml_rentity_id,
        "rentity_branch": s.goaml_rentity_branch,
        "institution_name": s.goaml_institution_name,
        "institution_code": s.goaml_institution_code,
        "reporting_person": {
            "first_name": s.goaml_reporting_first_name,
            "last_name": s.goaml_reporting_last_name,
        },
        "location": {
            "address_type": "1",
            "address": s.goaml_address,
            "city": s.goaml_city,
            "country_code": s.goaml_country_code,
        },
    }


def draft_content(ctx: Context, session: Session, case: Case) -> dict[str, object]:
    """The structured draft: reporting entity, subject, accounts, transactions, indicators, narrative."""
    s = ctx.settings
    customer = customers_repo.get_customer(session, case.customer_id)
    subject: dict[str, object] = {"customer_id": case.customer_id, "type": "person"}
    accounts: list[dict[str, object]] = []
    if customer is not None:
        first, last = _split_name(customer.name)
        subject.update(
            type="person" if customer.customer_type in ("person", "individual") else "entity",
            name=customer.name,
            first_name=first,
            last_name=last,
            birthdate=customer.birth_or_registration_date.isoformat()
            if customer.birth_or_registration_date
            else "",
            id_number=customer.id_number,
            nationality=customer.nationality or "",
            residence=customer.residence_country or "",
            occupation=customer.occupation_or_industry or "",
            phone_country_prefix="86",
            phone_number="",
        )
        accounts = [
            {
                "account": a.account_id,
                "type": a.account_type,
                "branch": a.branch or "",
                "currency": a.currency,
                "opened": a.opened_on.isoformat(),
                "status": a.status,
            }
            for a in customer.accounts
        ]
    own = {str(a["account"]) for a in accounts}
    alerts = cases_repo.alerts_of(session, case.id)
    transactions = evidence_transactions(ctx, [a.evidence for a in alerts])
    if not own:
        # Without customer master data, the accounts named in the evidence stand in.
        for alert in alerts:
            own |= collect_ids(alert.evidence, "accounts")
    return {
        "reporting_entity": reporting_entity(ctx),
        "entity_reference": f"CASE-{case.id}",
        "currency_code_local": s.base_currency,
        "transmode_code": s.goaml_transmode_code,
        "funds_code": s.goaml_funds_code,
        "subject": subject,
        "accounts": accounts,
        "transactions": [_transaction_row(t, own) for t in transactions],
        "typologies": list(case.typologies or []),
        "indicators": list(s.goaml_indicator_codes),
        "reason": case.proposal_reason or "",
        "action": "",
    }


def create_str(
    ctx: Context, session: Session, case: Case, *, determined_at: datetime, actor: str
) -> SuspiciousTransactionReport:
    """THE single place an STR is created (inside the approving transaction).

    An STR is a money-laundering risk event for its customer: the customer is marked
    for re-rating in the same transaction (the STR factor then lifts the band).
    """
    # Counted from the bank's local day of determination: Monday 07:30 in Shanghai is
    # Monday, although it is still Sunday in UTC.
    due_on = ctx.calendar.due_date(ctx.local_date(determined_at), ctx.settings.str_due_working_days)
    report = cases_repo.add_str(
        session,
        case_id=case.id,
        customer_id=case.customer_id,
        status=StrStatus.DRAFT.value,
        determined_at=determined_at,
        due_on=due_on,
        content=draft_content(ctx, session, case),
        drafted_by=case.proposed_by,
        version=1,
        created_at=determined_at,
        updated_at=determined_at,
    )
    audit.record(
        session,
        at=determined_at,
        actor=actor,
        action="str.drafted",
        entity_type="str",
        entity_id=report.id,
        after={
            "case_id": case.id,
            "customer_id": case.customer_id,
            "due_on": due_on.isoformat(),
            "version": report.version,
        },
    )
    record_risk_event(
        session, case.customer_id, "str", f"STR-{report.id}", determined_at, actor=actor
    )
    return report
