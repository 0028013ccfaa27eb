"""Suspicious transaction reports: the structured draft, goAML/PDF export, lifecycle and deadlines.

An STR comes into being in one place, :func:`create_str`, when a reviewer
approves a case's "report" proposal. The analyst completes the draft; a reviewer
other than the analyst approves it; it is exported as goAML XML (refused unless
the FIU's schema accepts it) and tracked at the regulator: submitted,
acknowledged, transferred to another authority, filed as a case, or closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from integrita.domain.casework import StrAction, StrStatus, check_str_transition
from integrita.domain.client_dates import require_within
from integrita.domain.money import CURRENCIES
from integrita.domain.roles import Role
from integrita.errors import (
    InputError,
    NotFoundError,
    StateTransitionError,
)
from integrita.services.casework import goaml
from integrita.services.casework.evidence import EvidenceTransaction, evidence_transactions
from integrita.services.core import audit
from integrita.services.core.auth import ensure_role
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.risk.events import record_risk_event
from integrita.store import Session
from integrita.store.models import Case, LargeValueRecord, SuspiciousTransactionReport
from integrita.store.repositories import cases as cases_repo
from integrita.store.repositories import customers as customers_repo

STR_READERS = (
    Role.ANALYST,
    Role.REVIEWER,
    Role.MLRO,
    Role.AUDITOR,
    Role.QUALITY_ASSURANCE,
    Role.ADMINISTRATOR,
)
#: Fields of the draft that the analyst edits, and where they live in the content.
SUBJECT_FIELDS = (
    "first_name",
    "last_name",
    "birthdate",
    "id_number",
    "nationality",
    "residence",
    "phone_country_prefix",
    "phone_number",
    "occupation",
)
NARRATIVE_FIELDS = ("reason", "action")
MAX_TEXT = 8000


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
        from integrita.services.casework.evidence import collect_ids

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
        after={"case_id": case.id, "customer_id": case.customer_id, "due_on": due_on.isoformat()},
    )
    record_risk_event(
        session, case.customer_id, "str", f"STR-{report.id}", determined_at, actor=actor
    )
    return report


def _load(
    session: Session, str_id: int, *, for_update: bool = False
) -> SuspiciousTransactionReport:
    report = cases_repo.get_str(session, str_id, for_update=for_update)
    if report is None:
        raise NotFoundError(f"no STR {str_id}")
    return report


def get_str(ctx: Context, str_id: int, user: UserView) -> SuspiciousTransactionReport:
    ensure_role(user, STR_READERS, "reading an STR")
    with ctx.db.transaction() as session:
        return _load(session, str_id)


def update_draft(
    ctx: Context, str_id: int, user: UserView, changes: Mapping[str, str]
) -> SuspiciousTransactionReport:
    """The analyst completes the draft: subject details, narrative, indicator codes."""
    allowed = {*(f"subject.{f}" for f in SUBJECT_FIELDS), *NARRATIVE_FIELDS, "indicators"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InputError(f"cannot edit {', '.join(unknown)} on an STR", field=unknown[0])
    for key, value in changes.items():
        if len(value) > MAX_TEXT:
            raise InputError(f"{key} holds at most {MAX_TEXT} characters", field=key)
    with ctx.db.transaction() as session:
        report = _load(session, str_id, for_update=True)
        check_str_transition(
            StrStatus(report.status), StrAction.EDIT, actor=user.username, actor_roles=user.roles
        )
        content = dict(report.content)
        subject = dict(content.get("subject") or {})  # type: ignore[call-overload]
        before: dict[str, object] = {}
        after: dict[str, object] = {}
        for key, value in changes.items():
            if key.startswith("subject."):
                field = key.split(".", 1)[1]
                before[key], after[key] = subject.get(field), value.strip()
                subject[field] = value.strip()
            elif key == "indicators":
                codes = [c.strip() for c in value.replace(",", "\n").splitlines() if c.strip()]
                if not codes:
                    raise InputError("an STR needs at least one indicator code", field="indicators")
                before[key], after[key] = content.get(key), codes
                content[key] = codes
            else:
                before[key], after[key] = content.get(key), value.strip()
                content[key] = value.strip()
        content["subject"] = subject
        report.content = content
        report.drafted_by = user.username
        report.updated_at = ctx.now()
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action="str.edited",
            entity_type="str",
            entity_id=report.id,
            before=before,
            after=after,
        )
        return report


def report_xml(ctx: Context, report: SuspiciousTransactionReport) -> bytes:
    content = dict(report.content)
    content["report_date"] = (report.submitted_at or ctx.now()).isoformat()
    return goaml.build_report_xml(content, report_code="STR", zone=ctx.zone)


def schema_errors(ctx: Context, str_id: int, user: UserView) -> list[goaml.SchemaError]:
    """What the FIU's schema says about the report as it stands (shown inline in the editor)."""
    report = get_str(ctx, str_id, user)
    return goaml.validate(ctx.settings, report_xml(ctx, report))


def export_xml(ctx: Context, str_id: int, user: UserView) -> bytes:
    """The goAML XML, refused with the schema's messages unless it validates."""
    ensure_role(user, (Role.ANALYST, Role.REVIEWER, Role.MLRO, Role.AUDITOR), "exporting an STR")
    with ctx.db.transaction() as session:
        report = _load(session, str_id)
        xml = report_xml(ctx, report)
        goaml.require_valid(ctx.settings, xml, f"STR {str_id}")
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action="str.exported",
            entity_type="str",
            entity_id=report.id,
            after={"format": "goaml-xml", "bytes": len(xml)},
        )
        return xml


def export_pdf(ctx: Context, str_id: int, user: UserView) -> bytes:
    """A PDF of the report for the file."""
    from integrita.services.casework.str_pdf import render_pdf

    ensure_role(user, (Role.ANALYST, Role.REVIEWER, Role.MLRO, Role.AUDITOR), "exporting an STR")
    with ctx.db.transaction() as session:
        report = _load(session, str_id)
        pdf = render_pdf(report, generated_at=ctx.now())
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action="str.exported",
            entity_type="str",
            entity_id=report.id,
            after={"format": "pdf", "bytes": len(pdf)},
        )
        return pdf


#: An STR's steps in the order they happen; a later step is never dated before an earlier one.
_STEP_TIMES = (
    ("determined_at", "its determination"),
    ("approved_at", "its approval"),
    ("submitted_at", "its submission"),
    ("acknowledged_at", "its acknowledgement"),
    ("transferred_at", "its transfer"),
    ("filed_at", "its filing"),
)


def _require_on_in_order(ctx: Context, report: SuspiciousTransactionReport, on: datetime) -> None:
    """A client's ``on`` is not before the record's previous step nor after now (plus skew).

    Otherwise an STR determined today could be marked submitted "on 2020-01-01" and
    count as on time, or be transferred in the future.
    """
    previous: datetime | None = None
    what = ""
    for name, step in _STEP_TIMES:  # the latest step; at a tie the later one in the life
        at = getattr(report, name)
        if at is not None and (previous is None or at >= previous):
            previous, what = at, step
    require_within(
        on,
        field="on",
        earliest=previous,
        earliest_is=what,
        latest=ctx.now() + timedelta(seconds=ctx.settings.client_clock_skew_seconds),
        latest_is="now",
    )


def transition(
    ctx: Context,
    str_id: int,
    action: StrAction,
    user: UserView,
    *,
    reference: str | None = None,
    authority: str | None = None,
    on: datetime | None = None,
) -> SuspiciousTransactionReport:
    """Move an STR through its life; one audit event per change, in the same transaction."""
    if action is StrAction.EDIT:
        raise InputError("use update_draft to edit an STR", field="action")
    with ctx.db.transaction() as session:
        report = _load(session, str_id, for_update=True)
        target = check_str_transition(
            StrStatus(report.status),
            action,
            actor=user.username,
            actor_roles=user.roles,
            drafted_by=report.drafted_by,
        )
        when = on or ctx.now()
        if when.tzinfo is None:
            raise InputError("dates must carry a timezone", field="on")
        if on is not None:
            _require_on_in_order(ctx, report, on)
        before: dict[str, object] = {"status": report.status}
        after: dict[str, object] = {"status": target.value}
        if action is StrAction.APPROVE:
            goaml.require_valid(ctx.settings, report_xml(ctx, report), f"STR {str_id}")
            report.approved_by, report.approved_at = user.username, when
        elif action is StrAction.SUBMIT:
            if not (reference and reference.strip()):
                raise InputError(
                    "a submission needs the FIU's submission reference", field="reference"
                )
            report.submitted_at = when
            # A report that does not validate is never marked submitted.
            goaml.require_valid(ctx.settings, report_xml(ctx, report), f"STR {str_id}")
            report.submission_ref = reference.strip()
            after["submission_ref"] = report.submission_ref
        elif action is StrAction.ACKNOWLEDGE:
            report.acknowledged_at = when
            report.fiu_ref_number = (reference or "").strip() or None
            after["fiu_ref_number"] = report.fiu_ref_number
        elif action is StrAction.TRANSFER:
            if not (authority and authority.strip()):
                raise InputError(
                    "name the authority the regulator transferred it to", field="authority"
                )
            report.transferred_at, report.transferred_to = when, authority.strip()
            after["transferred_to"] = report.transferred_to
        elif action is StrAction.FILE:
            report.filed_at = when
            report.filed_by = (authority or report.transferred_to or "").strip() or None
            after["filed_by"] = report.filed_by
        elif action is StrAction.CLOSE:
            report.closed_at = when
        after["at"] = when.isoformat()
        report.status = target.value
        report.updated_at = ctx.now()
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action=f"str.{action.value}",
            entity_type="str",
            entity_id=report.id,
            before=before,
            after=after,
        )
        if action is StrAction.SUBMIT:
            from integrita.services.casework import cases

            cases.mark_reported(ctx, session, report.case_id, user)
        return report


def large_value_xml(ctx: Context, record_id: int, user: UserView) -> bytes:
    """A large-value transaction record as a goAML CTR, validated like an STR."""
    ensure_role(user, (Role.ANALYST, Role.REVIEWER, Role.MLRO, Role.AUDITOR), "exporting a record")
    with ctx.db.transaction() as session:
        record: LargeValueRecord | None = cases_repo.get_large_value(session, record_id)
        if record is None:
            raise NotFoundError(f"no large-value record {record_id}")
        return _large_value_xml(ctx, record)


def submit_large_value(
    ctx: Context, record_id: int, user: UserView, *, reference: str
) -> LargeValueRecord:
    """Mark a large-value record submitted (only when its goAML CTR validates); one audit event."""
    ensure_role(user, (Role.ANALYST, Role.REVIEWER, Role.MLRO), "submitting a large-value record")
    if not reference.strip():
        raise InputError("a submission needs the FIU's submission reference", field="reference")
    with ctx.db.transaction() as session:
        record = cases_repo.get_large_value(session, record_id)
        if record is None:
            raise NotFoundError(f"no large-value record {record_id}")
        if record.status != "pending":
            raise StateTransitionError(f"large-value record {record_id} is already {record.status}")
        _large_value_xml(ctx, record)
        record.status, record.submitted_at = "submitted", ctx.now()
        record.submission_ref = reference.strip()
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action="large_value.submit",
            entity_type="large_value_record",
            entity_id=record.id,
            before={"status": "pending"},
            after={"status": "submitted", "submission_ref": record.submission_ref},
        )
        return record


def _large_value_xml(ctx: Context, record: LargeValueRecord) -> bytes:
    """The goAML CTR for one record; refused with the schema's message unless it validates."""
    s = ctx.settings
    content: dict[str, Any] = {
        "reporting_entity": reporting_entity(ctx),
        "entity_reference": f"LVR-{record.id}",
        "report_date": ctx.now().isoformat(),
        "currency_code_local": s.base_currency,
        "transmode_code": s.goaml_transmode_code,
        "funds_code": s.goaml_funds_code,
        "subject": {"type": "entity"},
        "transactions": [
            {
                "txn_id": record.txn_id,
                "booked_at": record.booked_at.isoformat(),
                "description": f"large-value transaction ({record.rule})",
                "amount": _major(record.amount_cny_minor, "CNY"),
                "direction": "out",
                "own_account": record.account_id,
                "counterparty_account": "unknown",
            }
        ],
        "indicators": list(s.goaml_indicator_codes),
    }
    xml = goaml.build_report_xml(content, report_code="CTR", zone=ctx.zone)
    goaml.require_valid(ctx.settings, xml, f"large-value record {record.id}")
    return xml


# -- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearFigures:
    year: int
    strs_submitted: int
    strs_transferred: int
    strs_filed: int
    strs_submitted_on_time: int
    proposals_reviewed: int
    proposals_approved: int
    proposals_returned: int
    report_decisions_approved: int
    not_suspicious_approved: int

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def year_figures(ctx: Context, year: int) -> YearFigures:
    """The year's STR and review figures, counted from the records and the audit trail."""
    if not 1900 <= year <= 9999:
        raise InputError("year must be a four-digit year", field="year")
    start, end = ctx.year_bounds(year)  # the bank's local year
    with ctx.db.transaction() as session:
        submitted = cases_repo.strs_submitted_between(session, start, end)
        on_time = sum(
            1
            for r in submitted
            if r.submitted_at is not None and ctx.local_date(r.submitted_at) <= r.due_on
        )
        reviews = cases_repo.review_events_between(session, start, end)
        approved = [e for e in reviews if e.action == "case.approve"]
        decisions = [cases_repo.decision_in(e) for e in approved]
        return YearFigures(
            year=year,
            strs_submitted=len(submitted),
            strs_transferred=cases_repo.count_strs_between(session, "transferred_at", start, end),
            strs_filed=cases_repo.count_strs_between(session, "filed_at", start, end),
            strs_submitted_on_time=on_time,
            proposals_reviewed=len(reviews),
            proposals_approved=len(approved),
            proposals_returned=sum(1 for e in reviews if e.action == "case.return"),
            report_decisions_approved=decisions.count("report"),
            not_suspicious_approved=decisions.count("not_suspicious"),
        )
