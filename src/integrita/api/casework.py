"""Case work over HTTP: alert and case queues, transitions, notes, STRs, deadlines, audit trail."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from integrita.api.casework_models import (
    AlertOut,
    AlertPage,
    AlertQuery,
    AssignIn,
    AuditFilter,
    AuditQuery,
    CaseFileOut,
    CaseOut,
    CasePage,
    CaseQuery,
    DeadlineQuery,
    DeadlinesOut,
    EventOut,
    LargeValueSubmittedOut,
    NoteIn,
    NoteOut,
    OpenResultOut,
    SchemaErrorOut,
    StrEditIn,
    StrOut,
    StrTransitionIn,
    TransitionIn,
    YearQuery,
)
from integrita.domain.casework import StrAction
from integrita.domain.permissions import Permission
from integrita.http.deps import get_ctx, require
from integrita.http.fields import (
    Code,
    Id,
    StrictModel,
)
from integrita.http.responses import attachment, file_answer
from integrita.services.casework import cases, deadlines, large_value, str_reports
from integrita.services.core import audit_trail
from integrita.services.core.context import Context
from integrita.services.core.users import UserView

router = APIRouter(tags=["casework"])


@router.get("/v1/alerts", response_model=AlertPage)
def list_alerts(
    query: Annotated[AlertQuery, Query()],
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> AlertPage:
    """The alert queue, filtered, sorted and paged."""
    result = cases.alert_queue(
        ctx,
        user,
        status=query.status,
        customer_id=query.customer_id,
        source=query.source,
        min_score=query.min_score,
        sort=query.sort,
        page=query.page,
        size=query.size,
    )
    return AlertPage(
        total=result.total,
        page=query.page,
        size=query.size,
        items=[AlertOut.of(a) for a in result.rows],
    )


@router.post("/v1/cases/open-from-alerts", response_model=OpenResultOut)
def open_from_alerts(
    user: UserView = Depends(require(Permission.CASE_OPEN)), ctx: Context = Depends(get_ctx)
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
    query: Annotated[CaseQuery, Query()],
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> CasePage:
    """The case queue; ``state=active`` means every state before reported/closed."""
    result = cases.case_queue(
        ctx,
        user,
        state=query.state,
        priority=query.priority,
        assignee=query.assignee,
        customer_id=query.customer_id,
        sort=query.sort,
        page=query.page,
        size=query.size,
    )
    return CasePage(
        total=result.total,
        page=query.page,
        size=query.size,
        items=[CaseOut.of(c) for c in result.rows],
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
    case_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> CaseFileOut:
    """The case with its alerts, notes, STRs, timeline and the actions open to the caller."""
    return _file(ctx, case_id, user)


@router.post("/v1/cases/{case_id}/transitions", response_model=CaseOut)
def transition_case(
    case_id: Id,
    body: TransitionIn,
    user: UserView = Depends(require(Permission.CASE_WORK)),
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
    case_id: Id,
    body: NoteIn,
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> NoteOut:
    note = cases.add_note(ctx, case_id, body.body, user)
    return NoteOut.model_validate(note, from_attributes=True)


@router.post("/v1/cases/{case_id}/assignee", response_model=CaseOut)
def assign_case(
    case_id: Id,
    body: AssignIn,
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> CaseOut:
    return CaseOut.of(cases.assign(ctx, case_id, body.assignee, user))


@router.get("/v1/str/{str_id}", response_model=StrOut)
def get_str(
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> StrOut:
    return StrOut.of(str_reports.get_str(ctx, str_id, user))


@router.patch("/v1/str/{str_id}", response_model=StrOut)
def edit_str(
    str_id: Id,
    body: StrEditIn,
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> StrOut:
    """Complete the draft: ``subject.<field>``, ``reason``, ``action``, ``indicators``."""
    return StrOut.of(str_reports.update_draft(ctx, str_id, user, body.changes))


@router.get("/v1/str/{str_id}/errors", response_model=list[SchemaErrorOut])
def str_errors(
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> list[SchemaErrorOut]:
    """What the FIU's goAML schema says about the report as it stands."""
    return [
        SchemaErrorOut(path=e.path, message=e.message)
        for e in str_reports.schema_errors(ctx, str_id, user)
    ]


@router.get("/v1/str/{str_id}/goaml", **file_answer("application/xml", "The goAML STR as XML."))
def str_goaml(
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """The goAML XML; 422 with the schema's message when it does not validate."""
    xml = str_reports.export_xml(ctx, str_id, user)
    return attachment(xml, "application/xml", f"STR-{str_id}.xml")


@router.get("/v1/str/{str_id}/pdf", **file_answer("application/pdf", "The STR as PDF."))
def str_pdf(
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    pdf = str_reports.export_pdf(ctx, str_id, user)
    return attachment(pdf, "application/pdf", f"STR-{str_id}.pdf")


@router.post("/v1/str/{str_id}/transitions", response_model=StrOut)
def transition_str(
    str_id: Id,
    body: StrTransitionIn,
    user: UserView = Depends(require(Permission.CASE_WORK)),
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
        version=body.version,
    )
    return StrOut.of(report)


@router.get("/v1/deadlines", response_model=DeadlinesOut)
def get_deadlines(
    query: Annotated[DeadlineQuery, Query()],
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """STRs and large-value records not yet submitted: overdue and due soon.

    ``today`` (default: the bank's local date) must lie in a year the business calendar
    knows; otherwise 422. The list can hold 100,000 records, so it is serialised
    directly in the declared shape rather than validated row by row.
    """
    d = deadlines.deadlines(ctx, user, today=query.today)

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


@router.get(
    "/v1/large-value/{record_id}/goaml",
    **file_answer("application/xml", "The goAML CTR report as XML."),
)
def large_value_goaml(
    record_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """A large-value transaction record as a goAML CTR report."""
    return Response(large_value.large_value_xml(ctx, record_id, user), media_type="application/xml")


@router.get("/v1/reports/str", response_model=dict[str, int])
def str_figures(
    query: Annotated[YearQuery, Query()],
    user: UserView = Depends(require(Permission.CASE_FIGURES)),
    ctx: Context = Depends(get_ctx),
) -> dict[str, int]:
    """The year's STR and review figures, computed from the records."""
    return str_reports.year_figures(ctx, query.year).as_dict()


def _audit_filters(query: AuditFilter) -> audit_trail.AuditFilters:
    """An audit query's filters as the audit trail takes them."""
    return {
        "actor": query.actor,
        "action": query.action,
        "entity_type": query.entity_type,
        "entity_id": query.entity_id,
        "since": query.since,
        "until": query.until,
    }


@router.get("/v1/audit", response_model=list[EventOut])
def audit_events(
    query: Annotated[AuditQuery, Query()],
    user: UserView = Depends(require(Permission.AUDIT_READ)),
    ctx: Context = Depends(get_ctx),
) -> list[EventOut]:
    """Audit events, newest first."""
    result = audit_trail.events(
        ctx, user, page=query.page, size=query.size, **_audit_filters(query)
    )
    return [EventOut.of(e) for e in result.rows]


@router.get("/v1/audit.csv", **file_answer("text/csv", "The audit events as CSV."))
def audit_csv(
    query: Annotated[AuditFilter, Query()],
    user: UserView = Depends(require(Permission.AUDIT_READ)),
    ctx: Context = Depends(get_ctx),
) -> StreamingResponse:
    """The matching audit events as CSV, in chain order, hashes included."""
    chunks = audit_trail.export_csv(ctx, user, **_audit_filters(query))
    return StreamingResponse(
        chunks,
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="audit.csv"'},
    )


class LargeValueSubmitIn(StrictModel):
    reference: Code


@router.post("/v1/large-value/{record_id}/submit", response_model=LargeValueSubmittedOut)
def large_value_submit(
    record_id: Id,
    body: LargeValueSubmitIn,
    user: UserView = Depends(require(Permission.LARGE_VALUE_SUBMIT)),
    ctx: Context = Depends(get_ctx),
) -> dict[str, object]:
    """Mark a large-value record submitted; refused unless its goAML CTR validates."""
    record = large_value.submit_large_value(ctx, record_id, user, reference=body.reference)
    return {"id": record.id, "status": record.status, "submission_ref": record.submission_ref}
