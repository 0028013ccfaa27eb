"""Case work over HTTP: alert and case queues, transitions, notes, STRs, deadlines, audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from integrita.domain.casework import CaseAction, Decision, StrAction
from integrita.domain.roles import Role
from integrita.http.deps import get_ctx, require_roles
from integrita.http.responses import attachment
from integrita.services.casework import cases, deadlines, str_reports
from integrita.services.core import audit_trail
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.models import Alert, AuditEvent, Case, CaseNote, SuspiciousTransactionReport

router = APIRouter(tags=["casework"])

READERS = require_roles(*cases.CASE_READERS)
WORKERS = require_roles(*cases.CASE_WORKERS)
AUDIT = require_roles(*audit_trail.AUDIT_READERS)
OPENERS = require_roles(Role.ANALYST, Role.MLRO, Role.ADMINISTRATOR)


class AlertOut(BaseModel):
    id: int
    customer_id: str
    source: str
    raised_at: datetime
    typologies: list[str]
    score: float | None
    status: str
    case_id: int | None

    @classmethod
    def of(cls, a: Alert) -> AlertOut:
        return cls(
            id=a.id,
            customer_id=a.customer_id,
            source=a.source,
            raised_at=a.raised_at,
            typologies=a.typologies,
            score=a.score,
            status=a.status,
            case_id=a.case_id,
        )


class CaseOut(BaseModel):
    id: int
    customer_id: str
    state: str
    priority: str
    score: float | None
    alert_count: int
    typologies: list[str]
    assignee: str | None
    decision: str | None
    proposal_reason: str | None
    proposed_by: str | None
    reviewed_by: str | None
    review_comment: str | None
    opened_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Case) -> CaseOut:
        return cls.model_validate(c, from_attributes=True)


class AlertPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[AlertOut]


class CasePage(BaseModel):
    total: int
    page: int
    size: int
    items: list[CaseOut]


class NoteOut(BaseModel):
    id: int
    author: str
    body: str
    created_at: datetime


class EventOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: str | None
    after: str | None

    @classmethod
    def of(cls, e: AuditEvent) -> EventOut:
        return cls.model_validate(e, from_attributes=True)


class StrOut(BaseModel):
    id: int
    case_id: int
    customer_id: str
    status: str
    determined_at: datetime
    due_on: date
    content: dict[str, object]
    drafted_by: str | None
    approved_by: str | None
    submitted_at: datetime | None
    submission_ref: str | None
    acknowledged_at: datetime | None
    fiu_ref_number: str | None
    transferred_at: datetime | None
    transferred_to: str | None
    filed_at: datetime | None
    filed_by: str | None
    closed_at: datetime | None

    @classmethod
    def of(cls, r: SuspiciousTransactionReport) -> StrOut:
        return cls.model_validate(r, from_attributes=True)


class CaseFileOut(BaseModel):
    case: CaseOut
    alerts: list[AlertOut]
    notes: list[NoteOut]
    reports: list[StrOut]
    timeline: list[EventOut]
    actions: list[str]


class OpenResultOut(BaseModel):
    cases_opened: int
    cases_updated: int
    alerts_attached: int


class TransitionIn(BaseModel):
    action: CaseAction
    decision: Decision | None = None
    reason: str | None = Field(default=None, max_length=8000)
    comment: str | None = Field(default=None, max_length=8000)


class NoteIn(BaseModel):
    body: str = Field(max_length=8000)


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=64)


class StrEditIn(BaseModel):
    changes: dict[str, str]


class StrTransitionIn(BaseModel):
    action: Literal["approve", "submit", "acknowledge", "transfer", "file", "close"]
    reference: str | None = Field(default=None, max_length=128)
    authority: str | None = Field(default=None, max_length=255)
    on: datetime | None = None


class SchemaErrorOut(BaseModel):
    path: str
    message: str


class DeadlineOut(BaseModel):
    kind: str
    record_id: int
    customer_id: str | None
    status: str
    due_on: date
    working_days_left: int | None = Field(
        description="None when the due date is in a year the business calendar does not know yet."
    )
    overdue: bool


class DeadlinesOut(BaseModel):
    today: date
    overdue: list[DeadlineOut]
    due_soon: list[DeadlineOut]
    later: list[DeadlineOut]
    calendar_warning: str | None = Field(
        default=None,
        description="Set from a month before a year whose official holiday list is not loaded.",
    )


@router.get("/v1/alerts", response_model=AlertPage)
def list_alerts(
    status: str | None = None,
    customer_id: str | None = None,
    source: str | None = None,
    min_score: float | None = None,
    sort: str = "score",
    page: int = 1,
    size: int = Query(50),
    user: UserView = Depends(READERS),
    ctx: Context = Depends(get_ctx),
) -> AlertPage:
    """The alert queue, filtered, sorted and paged."""
    result = cases.alert_queue(
        ctx,
        user,
        status=status,
        customer_id=customer_id,
        source=source,
        min_score=min_score,
        sort=sort,
        page=page,
        size=size,
    )
    return AlertPage(
        total=result.total, page=page, size=size, items=[AlertOut.of(a) for a in result.rows]
    )


@router.post("/v1/cases/open-from-alerts", response_model=OpenResultOut)
def open_from_alerts(
    user: UserView = Depends(OPENERS), ctx: Context = Depends(get_ctx)
) -> OpenResultOut:
    """Gather new alerts into their customers' open cases (opening cases where needed)."""
    r = cases.open_cases_from_alerts(ctx, actor=user.username)
    return OpenResultOut(
        cases_opened=r.cases_opened,
        cases_updated=r.cases_updated,
        alerts_attached=r.alerts_attached,
    )


@router.get("/v1/cases", response_model=CasePage)
def list_cases(
    state: str | None = None,
    priority: str | None = None,
    assignee: str | None = None,
    customer_id: str | None = None,
    sort: str = "priority",
    page: int = 1,
    size: int = 50,
    user: UserView = Depends(READERS),
    ctx: Context = Depends(get_ctx),
) -> CasePage:
    """The case queue; ``state=active`` means every state before reported/closed."""
    result = cases.case_queue(
        ctx,
        user,
        state=state,
        priority=priority,
        assignee=assignee,
        customer_id=customer_id,
        sort=sort,
        page=page,
        size=size,
    )
    return CasePage(
        total=result.total, page=page, size=size, items=[CaseOut.of(c) for c in result.rows]
    )


def _file(ctx: Context, case_id: int, user: UserView) -> CaseFileOut:
    f = cases.case_file(ctx, case_id, user)
    return CaseFileOut(
        case=CaseOut.of(f.case),
        alerts=[AlertOut.of(a) for a in f.alerts],
        notes=[NoteOut.model_validate(n, from_attributes=True) for n in f.notes],
        reports=[StrOut.of(r) for r in f.reports],
        timeline=[EventOut.of(e) for e in f.timeline],
        actions=[a.value for a in f.actions],
    )


@router.get("/v1/cases/{case_id}", response_model=CaseFileOut)
def get_case(
    case_id: int, user: UserView = Depends(READERS), ctx: Context = Depends(get_ctx)
) -> CaseFileOut:
    """The case with its alerts, notes, STRs, timeline and the actions open to the caller."""
    return _file(ctx, case_id, user)


@router.post("/v1/cases/{case_id}/transitions", response_model=CaseOut)
def transition_case(
    case_id: int,
    body: TransitionIn,
    user: UserView = Depends(WORKERS),
    ctx: Context = Depends(get_ctx),
) -> CaseOut:
    """Move the case through its state machine (role, state and four-eyes checked by the server)."""
    case = cases.transition(
        ctx,
        case_id,
        body.action,
        user,
        decision=body.decision,
        reason=body.reason,
        comment=body.comment,
    )
    return CaseOut.of(case)


@router.post("/v1/cases/{case_id}/notes", response_model=NoteOut, status_code=201)
def add_note(
    case_id: int, body: NoteIn, user: UserView = Depends(WORKERS), ctx: Context = Depends(get_ctx)
) -> NoteOut:
    note: CaseNote = cases.add_note(ctx, case_id, body.body, user)
    return NoteOut.model_validate(note, from_attributes=True)


@router.post("/v1/cases/{case_id}/assignee", response_model=CaseOut)
def assign_case(
    case_id: int, body: AssignIn, user: UserView = Depends(WORKERS), ctx: Context = Depends(get_ctx)
) -> CaseOut:
    return CaseOut.of(cases.assign(ctx, case_id, body.assignee, user))


@router.get("/v1/str/{str_id}", response_model=StrOut)
def get_str(
    str_id: int, user: UserView = Depends(READERS), ctx: Context = Depends(get_ctx)
) -> StrOut:
    return StrOut.of(str_reports.get_str(ctx, str_id, user))


@router.patch("/v1/str/{str_id}", response_model=StrOut)
def edit_str(
    str_id: int, body: StrEditIn, user: UserView = Depends(WORKERS), ctx: Context = Depends(get_ctx)
) -> StrOut:
    """Complete the draft: ``subject.<field>``, ``reason``, ``action``, ``indicators``."""
    return StrOut.of(str_reports.update_draft(ctx, str_id, user, body.changes))


@router.get("/v1/str/{str_id}/errors", response_model=list[SchemaErrorOut])
def str_errors(
    str_id: int, user: UserView = Depends(READERS), ctx: Context = Depends(get_ctx)
) -> list[SchemaErrorOut]:
    """What the FIU's goAML schema says about the report as it stands."""
    return [
        SchemaErrorOut(path=e.path, message=e.message)
        for e in str_reports.schema_errors(ctx, str_id, user)
    ]


@router.get("/v1/str/{str_id}/goaml")
def str_goaml(
    str_id: int, user: UserView = Depends(READERS), ctx: Context = Depends(get_ctx)
) -> Response:
    """The goAML XML; 422 with the schema's message when it does not validate."""
    xml = str_reports.export_xml(ctx, str_id, user)
    return attachment(xml, "application/xml", f"STR-{str_id}.xml")


@router.get("/v1/str/{str_id}/pdf")
def str_pdf(
    str_id: int, user: UserView = Depends(READERS), ctx: Context = Depends(get_ctx)
) -> Response:
    pdf = str_reports.export_pdf(ctx, str_id, user)
    return attachment(pdf, "application/pdf", f"STR-{str_id}.pdf")


@router.post("/v1/str/{str_id}/transitions", response_model=StrOut)
def transition_str(
    str_id: int,
    body: StrTransitionIn,
    user: UserView = Depends(WORKERS),
    ctx: Context = Depends(get_ctx),
) -> StrOut:
    """approve (four-eyes) → submit (reference; schema-valid only) → acknowledge → transfer → file | close."""
    report = str_reports.transition(
        ctx,
        str_id,
        StrAction(body.action),
        user,
        reference=body.reference,
        authority=body.authority,
        on=body.on,
    )
    return StrOut.of(report)


@router.get("/v1/deadlines", response_model=DeadlinesOut)
def get_deadlines(
    today: date | None = None, user: UserView = Depends(READERS), ctx: Context = Depends(get_ctx)
) -> Response:
    """STRs and large-value records not yet submitted: overdue and due soon.

    ``today`` (default: the bank's local date) must lie in a year the business calendar
    knows; otherwise 422. The list can hold 100,000 records, so it is serialised
    directly in the declared shape rather than validated row by row.
    """
    d = deadlines.deadlines(ctx, user, today=today)

    def out(items: list[deadlines.Deadline]) -> list[dict[str, object]]:
        return [
            {
                "kind": x.kind,
                "record_id": x.record_id,
                "customer_id": x.customer_id,
                "status": x.status,
                "due_on": x.due_on,
                "working_days_left": x.working_days_left,
                "overdue": x.overdue,
            }
            for x in items
        ]

    body = {
        "today": d.today,
        "overdue": out(d.overdue),
        "due_soon": out(d.due_soon),
        "later": out(d.later),
        "calendar_warning": d.calendar_warning,
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/v1/large-value/{record_id}/goaml")
def large_value_goaml(
    record_id: int, user: UserView = Depends(READERS), ctx: Context = Depends(get_ctx)
) -> Response:
    """A large-value transaction record as a goAML CTR report."""
    return Response(str_reports.large_value_xml(ctx, record_id, user), media_type="application/xml")


@router.get("/v1/reports/str")
def str_figures(
    year: int,
    user: UserView = Depends(
        require_roles(Role.MLRO, Role.AUDITOR, Role.REVIEWER, Role.ADMINISTRATOR)
    ),
    ctx: Context = Depends(get_ctx),
) -> dict[str, int]:
    """The year's STR and review figures, computed from the records."""
    return str_reports.year_figures(ctx, year).as_dict()


@router.get("/v1/audit", response_model=list[EventOut])
def audit_events(
    actor: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: int = 1,
    size: int = 50,
    user: UserView = Depends(AUDIT),
    ctx: Context = Depends(get_ctx),
) -> list[EventOut]:
    """Audit events, newest first."""
    result = audit_trail.events(
        ctx,
        user,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        page=page,
        size=size,
    )
    return [EventOut.of(e) for e in result.rows]


@router.get("/v1/audit.csv")
def audit_csv(
    actor: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    user: UserView = Depends(AUDIT),
    ctx: Context = Depends(get_ctx),
) -> StreamingResponse:
    """The matching audit events as CSV, in chain order, hashes included."""
    chunks = audit_trail.export_csv(
        ctx,
        user,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
    )
    return StreamingResponse(
        chunks,
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="audit.csv"'},
    )


class LargeValueSubmitIn(BaseModel):
    reference: str = Field(min_length=1, max_length=64)


@router.post("/v1/large-value/{record_id}/submit")
def large_value_submit(
    record_id: int,
    body: LargeValueSubmitIn,
    user: UserView = Depends(WORKERS),
    ctx: Context = Depends(get_ctx),
) -> dict[str, object]:
    """Mark a large-value record submitted; refused unless its goAML CTR validates."""
    record = str_reports.submit_large_value(ctx, record_id, user, reference=body.reference)
    return {"id": record.id, "status": record.status, "submission_ref": record.submission_ref}
