"""Suspicious transaction reports: the structured draft, goAML/PDF export, lifecycle and deadlines.

An STR comes into being in one place, :func:`create_str`, when a reviewer
approves a case's "report" proposal. The analyst completes the draft; a reviewer
other than the analyst approves it; it is exported as goAML XML (refused unless
the FIU's schema accepts it) and tracked at the regulator: submitted,
acknowledged, transferred to another authority, filed as a case, or closed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from integrita.domain.casework import STR_WORKFLOW, StrAction
from integrita.domain.client_dates import require_within
from integrita.domain.permissions import Permission
from integrita.errors import InputError, NotFoundError
from integrita.services.casework import cases, goaml
from integrita.services.casework.str_drafting import create_str, reporting_entity
from integrita.services.core import audit
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.store import Session
from integrita.store.models import SuspiciousTransactionReport
from integrita.store.repositories import cases as cases_repo

__all__ = ["create_str", "reporting_entity"]
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


def _load(
    session: Session, str_id: int, *, for_update: bool = False
) -> SuspiciousTransactionReport:
    report = cases_repo.get_str(session, str_id, for_update=for_update)
    if report is None:
        raise NotFoundError(f"no STR {str_id}")
    return report


def get_str(ctx: Context, str_id: int, user: HasRoles) -> SuspiciousTransactionReport:
    ensure_permitted(user, Permission.STR_READ)
    with ctx.db.transaction() as session:
        return _load(session, str_id)


def str_ref(str_id: int) -> engine.RecordRef:
    return engine.RecordRef("str", str_id)


def _linked(report: SuspiciousTransactionReport) -> list[engine.RecordRef]:
    """An STR's history includes its case's: whoever proposed the report is one of its authors."""
    return [cases.record_ref(report.case_id)]


def available_str_actions(ctx: Context, str_id: int, user: HasRoles) -> list[str]:
    """The STR steps this person may take now (the page offers these; the server checks again)."""
    with ctx.db.transaction() as session:
        report = _load(session, str_id)
        return STR_WORKFLOW.available(
            report.status,
            as_actor(user),
            engine.history(session, str_ref(report.id), *_linked(report)),
        )


def _edited(content: dict[str, Any], changes: Mapping[str, str]) -> dict[str, Any]:
    """The content with ``changes`` applied (the caller compares it with the stored one)."""
    content = dict(content)
    subject = dict(content.get("subject") or {})
    for key, value in changes.items():
        if key.startswith("subject."):
            subject[key.split(".", 1)[1]] = value.strip()
        elif key == "indicators":
            codes = [c.strip() for c in value.replace(",", "\n").splitlines() if c.strip()]
            if not codes:
                raise InputError("an STR needs at least one indicator code", field="indicators")
            content[key] = codes
        else:
            content[key] = value.strip()
    content["subject"] = subject
    return content


def _flat(content: Mapping[str, Any]) -> dict[str, object]:
    subject = content.get("subject") or {}
    flat: dict[str, object] = {k: v for k, v in content.items() if k != "subject"}
    flat.update({f"subject.{k}": v for k, v in subject.items()})
    return flat


def update_draft(
    ctx: Context, str_id: int, user: HasRoles, changes: Mapping[str, str]
) -> SuspiciousTransactionReport:
    """The analyst completes the draft: subject details, narrative, indicator codes.

    Only a save that changes a field is a change: it bumps the version, makes the editor one of
    the report's authors (who may not approve it) and writes one audit event. A save that
    changes nothing writes nothing and changes nothing, so it cannot be used to become the
    "last editor" of someone else's report.
    """
    allowed = {*(f"subject.{f}" for f in SUBJECT_FIELDS), *NARRATIVE_FIELDS, "indicators"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InputError(f"cannot edit {', '.join(unknown)} on an STR", field=unknown[0])
    for key, value in changes.items():
        if len(value) > MAX_TEXT:
            raise InputError(f"{key} holds at most {MAX_TEXT} characters", field=key)
    actor = as_actor(user)
    with ctx.db.transaction() as session:
        report = _load(session, str_id, for_update=True)
        # permission and state are checked even for a save that changes nothing
        engine.check(session, STR_WORKFLOW, str_ref(report.id), report.status, "edit", actor)
        old = dict(report.content)
        new = _edited(old, changes)
        before_flat, after_flat = _flat(old), _flat(new)
        changed = engine.changed_fields(before_flat, after_flat)
        if not changed:
            return report
        report.version += 1
        engine.transition(
            session,
            STR_WORKFLOW,
            str_ref(report.id),
            report.status,
            StrAction.EDIT.value,
            actor,
            at=ctx.now(),
            before={k: before_flat.get(k) for k in changed},
            after=changed,
            current_version=report.version,
        )
        report.content = new
        report.drafted_by = actor.username
        report.updated_at = ctx.now()
        return report


def report_xml(ctx: Context, report: SuspiciousTransactionReport) -> bytes:
    content = dict(report.content)
    content["report_date"] = (report.submitted_at or ctx.now()).isoformat()
    return goaml.build_report_xml(content, report_code="STR", zone=ctx.zone)


def schema_errors(ctx: Context, str_id: int, user: HasRoles) -> list[goaml.SchemaError]:
    """What the FIU's schema says about the report as it stands (shown inline in the editor)."""
    report = get_str(ctx, str_id, user)
    return goaml.validate(ctx.settings, report_xml(ctx, report))


def _export(
    ctx: Context,
    str_id: int,
    user: HasRoles,
    fmt: str,
    render: Callable[[SuspiciousTransactionReport], bytes],
) -> bytes:
    """The report as ``render`` makes it; every export is audited with its format and size."""
    ensure_permitted(user, Permission.STR_EXPORT)
    with ctx.db.transaction() as session:
        report = _load(session, str_id)
        body = render(report)
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action="str.exported",
            entity_type="str",
            entity_id=report.id,
            after={"format": fmt, "bytes": len(body)},
        )
        return body


def export_xml(ctx: Context, str_id: int, user: HasRoles) -> bytes:
    """The goAML XML, refused with the schema's messages unless it validates."""

    def valid_xml(report: SuspiciousTransactionReport) -> bytes:
        xml = report_xml(ctx, report)
        goaml.require_valid(ctx.settings, xml, f"STR {str_id}")
        return xml

    return _export(ctx, str_id, user, "goaml-xml", valid_xml)


def export_pdf(ctx: Context, str_id: int, user: HasRoles) -> bytes:
    """A PDF of the report for the file."""
    from integrita.services.casework.str_pdf import render_pdf

    return _export(ctx, str_id, user, "pdf", lambda report: render_pdf(ctx, report))


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
    user: HasRoles,
    *,
    reference: str | None = None,
    authority: str | None = None,
    on: datetime | None = None,
    version: int | None = None,
) -> SuspiciousTransactionReport:
    """Move an STR through its life; one audit event per change, in the same transaction.

    An approval names the ``version`` of the text the reviewer read; it is refused (409) when
    the text changed since, and when the reviewer proposed the report or wrote any of it.
    """
    if action is StrAction.EDIT:
        raise InputError("use update_draft to edit an STR", field="action")
    actor = as_actor(user)
    with ctx.db.transaction() as session:
        report = _load(session, str_id, for_update=True)
        when = on or ctx.now()
        if when.tzinfo is None:
            raise InputError("dates must carry a timezone", field="on")
        if on is not None:
            _require_on_in_order(ctx, report, on)
        before: dict[str, object] = {"status": report.status}
        after: dict[str, object] = {}
        # checked before the step's own inputs, so a refusal says who may act, not what is missing
        engine.check(
            session,
            STR_WORKFLOW,
            str_ref(report.id),
            report.status,
            action.value,
            actor,
            linked=_linked(report),
            seen_version=version,
            current_version=report.version,
        )
        if action is StrAction.APPROVE:
            goaml.require_valid(ctx.settings, report_xml(ctx, report), f"STR {str_id}")
            report.approved_by, report.approved_at = actor.username, when
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
        step = engine.transition(
            session,
            STR_WORKFLOW,
            str_ref(report.id),
            report.status,
            action.value,
            actor,
            at=ctx.now(),
            before=before,
            after=after,
            linked=_linked(report),
            seen_version=version,
            current_version=report.version,
        )
        report.status = step.target or report.status
        report.updated_at = ctx.now()
        if action is StrAction.SUBMIT:
            cases.mark_reported(ctx, session, report.case_id, user)
        return report


# -- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearFigures:
    year: int
    strs_submitted: int
    #: of the year's submissions, how many were later transferred / filed (the cohort view)
    strs_transferred: int
    strs_filed: int
    #: transfers and filings dated in the year, whichever year the STR was handed over (by date)
    strs_transferred_in_year: int
    strs_filed_in_year: int
    strs_submitted_on_time: int
    proposals_reviewed: int
    proposals_approved: int
    proposals_returned: int
    report_decisions_approved: int
    not_suspicious_approved: int

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def year_figures(ctx: Context, year: int) -> YearFigures:
    """The year's STR and review figures, counted from the records and the audit trail.

    Transferred and filed are "of which" figures of the year's submissions, as regulators and
    published reports state them; the ``_in_year`` fields are the by-date view.
    """
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
            strs_transferred=sum(1 for r in submitted if r.transferred_at is not None),
            strs_filed=sum(1 for r in submitted if r.filed_at is not None),
            strs_transferred_in_year=cases_repo.count_strs_between(
                session, "transferred_at", start, end
            ),
            strs_filed_in_year=cases_repo.count_strs_between(session, "filed_at", start, end),
            strs_submitted_on_time=on_time,
            proposals_reviewed=len(reviews),
            proposals_approved=len(approved),
            proposals_returned=sum(1 for e in reviews if e.action == "case.return"),
            report_decisions_approved=decisions.count("report"),
            not_suspicious_approved=decisions.count("not_suspicious"),
        )
