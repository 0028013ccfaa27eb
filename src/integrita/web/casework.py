"""The case-work workbench: alert and case queues, the case page, the STR editor, audit."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from integrita.domain.casework import CaseAction, Decision, StrAction
from integrita.domain.permissions import Permission
from integrita.errors import IntegritaError, StateTransitionError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Id, Note, local_day
from integrita.http.responses import attachment
from integrita.services.casework import cases, str_reports
from integrita.services.casework.evidence import node_radius
from integrita.services.casework.str_reports import NARRATIVE_FIELDS, SUBJECT_FIELDS
from integrita.services.core import audit_anchor, audit_trail, customer_names
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.risk.rating import rating_breakdown
from integrita.web.listing import PAGE_SIZE, listing
from integrita.web.render import add_nav, page

router = APIRouter(include_in_schema=False)


add_nav("Alerts", "/alerts", Permission.CASE_READ)
add_nav("Cases", "/cases", Permission.CASE_READ)
add_nav("Audit trail", "/audit", Permission.AUDIT_READ)

ACTION_LABELS = {
    CaseAction.START: "Start investigating",
    CaseAction.PROPOSE: "Propose",
    CaseAction.TAKE_REVIEW: "Take into review",
    CaseAction.APPROVE: "Approve",
    CaseAction.RETURN: "Return to analyst",
    CaseAction.RESUME: "Resume investigation",
    CaseAction.CLOSE: "Close case",
}


@router.get("/alerts", response_class=HTMLResponse)
def alert_queue(
    request: Request,
    status: str = "",
    customer_id: str = "",
    source: str = "",
    min_score: str = "",
    typology: Note = "",
    raised_from: Note = "",
    raised_to: Note = "",
    sort: str = "score",
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Alerts from detection and the real-time engine, with filters, sorting and paging."""
    found = listing(
        request,
        lambda number: cases.alert_queue(
            ctx,
            user,
            status=status,
            customer_id=customer_id,
            source=source,
            min_score=float(min_score) if min_score else None,
            sort=sort,
            page=number,
            size=PAGE_SIZE,
            typology=typology,
            raised_from=local_day(raised_from, "raised_from"),
            raised_to=local_day(raised_to, "raised_to"),
        ),
        lambda: cases.alert_queue(ctx, user, page=1, size=PAGE_SIZE),
        unreadable="minimum score must be a number",
    )
    return page(
        request,
        "casework/alerts.html",
        user,
        **found.context(),
        filters={
            "status": status,
            "customer_id": customer_id,
            "source": source,
            "min_score": min_score,
            "typology": typology,
            "raised_from": raised_from,
            "raised_to": raised_to,
        },
        sort=sort,
        names=customer_names.names_for(ctx, user, [a.customer_id for a in found.result.rows]),
        may_open=bool({"analyst", "mlro", "administrator"} & set(user.roles)),
        opened=request.query_params.get("opened"),
    )


@router.post("/alerts/open-cases")
def open_cases(
    user: UserView = Depends(require(Permission.CASE_OPEN)), ctx: Context = Depends(get_ctx)
) -> Response:
    """Gather new alerts into cases, then show the case queue."""
    result = cases.open_cases_from_alerts(ctx, actor=user.username)
    return RedirectResponse(
        f"/alerts?opened={result.cases_opened}/{result.alerts_attached}", status_code=303
    )


@router.get("/cases", response_class=HTMLResponse)
def case_queue(
    request: Request,
    state: str = "active",
    priority: str = "",
    assignee: str = "",
    customer_id: str = "",
    opened_from: Note = "",
    opened_to: Note = "",
    sort: str = "priority",
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Cases with filters (state, priority, assignee, customer, opened between), sorting, paging."""
    found = listing(
        request,
        lambda number: cases.case_queue(
            ctx,
            user,
            state=state,
            priority=priority,
            assignee=assignee,
            customer_id=customer_id,
            sort=sort,
            page=number,
            size=PAGE_SIZE,
            opened_from=local_day(opened_from, "opened_from"),
            opened_to=local_day(opened_to, "opened_to"),
        ),
        lambda: cases.case_queue(ctx, user, state="active", page=1, size=PAGE_SIZE),
    )
    return page(
        request,
        "casework/cases.html",
        user,
        **found.context(),
        filters={
            "state": state,
            "priority": priority,
            "assignee": assignee,
            "customer_id": customer_id,
            "opened_from": opened_from,
            "opened_to": opened_to,
        },
        sort=sort,
        names=customer_names.names_for(ctx, user, [c.customer_id for c in found.result.rows]),
    )


def _case_page(
    request: Request,
    ctx: Context,
    user: UserView,
    case_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    file = cases.case_file(ctx, case_id, user)
    evidence = cases.case_evidence(ctx, file)
    rating = rating_breakdown(ctx, file.case.customer_id)
    return page(
        request,
        "casework/case.html",
        user,
        status_code=status_code,
        file=file,
        case=file.case,
        evidence=evidence,
        error=error,
        labels=ACTION_LABELS,
        actions=file.actions,
        decisions=list(Decision),
        radius=node_radius,
        may_work=bool({"analyst", "reviewer", "mlro"} & set(user.roles)),
        customer_id=file.case.customer_id,
        customer_name=customer_names.names_for(ctx, user, [file.case.customer_id]).get(
            file.case.customer_id, ""
        ),
        rating=rating,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """One case: proposal, actions for the caller's role, notes, evidence, money flow, timeline."""
    return _case_page(request, ctx, user, case_id)


@router.post("/cases/{case_id}/transition", response_class=HTMLResponse)
def case_transition(
    request: Request,
    case_id: Id,
    action: Annotated[Note, Form()],
    decision: Annotated[Note, Form()] = "",
    reason: Annotated[Note, Form()] = "",
    comment: Annotated[Note, Form()] = "",
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Apply a button's action; the server checks role, state and four-eyes, as for the API."""
    try:
        try:
            chosen = CaseAction(action)
            chosen_decision = Decision(decision) if decision else None
        except ValueError as exc:
            raise StateTransitionError(f"unknown action or decision: {exc}") from exc
        cases.transition(
            ctx, case_id, chosen, user, decision=chosen_decision, reason=reason, comment=comment
        )
    except IntegritaError as exc:
        return _case_page(request, ctx, user, case_id, error=str(exc), status_code=exc.http_status)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/notes", response_class=HTMLResponse)
def case_note(
    request: Request,
    case_id: Id,
    body: Annotated[Note, Form()] = "",
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    try:
        cases.add_note(ctx, case_id, body, user)
    except IntegritaError as exc:
        return _case_page(request, ctx, user, case_id, error=str(exc), status_code=exc.http_status)
    return RedirectResponse(f"/cases/{case_id}#notes", status_code=303)


@router.post("/cases/{case_id}/assign", response_class=HTMLResponse)
def case_assign(
    request: Request,
    case_id: Id,
    assignee: Annotated[Note, Form()] = "",
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    try:
        cases.assign(ctx, case_id, assignee.strip() or user.username, user)
    except IntegritaError as exc:
        return _case_page(request, ctx, user, case_id, error=str(exc), status_code=exc.http_status)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


# -- STR editor -------------------------------------------------------------------------------


def _str_page(
    request: Request,
    ctx: Context,
    user: UserView,
    str_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    saved: bool = False,
) -> Response:
    report = str_reports.get_str(ctx, str_id, user)
    try:
        schema_errors = [str(e) for e in str_reports.schema_errors(ctx, str_id, user)]
        schema_problem = None
    except IntegritaError as exc:  # e.g. the schema path is not configured
        schema_errors, schema_problem = [], str(exc)
    return page(
        request,
        "casework/str.html",
        user,
        status_code=status_code,
        report=report,
        content=report.content,
        subject=report.content.get("subject") or {},
        subject_fields=SUBJECT_FIELDS,
        narrative_fields=NARRATIVE_FIELDS,
        schema_errors=schema_errors,
        schema_problem=schema_problem,
        error=error,
        saved=saved,
        str_actions=str_reports.available_str_actions(ctx, str_id, user),
        customer_name=customer_names.names_for(ctx, user, [report.customer_id]).get(
            report.customer_id, ""
        ),
        editable=report.status == "draft" and bool({"analyst", "mlro"} & set(user.roles)),
        may_work=bool({"analyst", "reviewer", "mlro"} & set(user.roles)),
    )


@router.get("/str/{str_id}", response_class=HTMLResponse)
def str_editor(
    request: Request,
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """The STR editor, with the FIU schema's errors shown next to the form."""
    return _str_page(request, ctx, user, str_id, saved=request.query_params.get("saved") == "1")


@router.post("/str/{str_id}", response_class=HTMLResponse)
async def str_save(
    request: Request,
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    form = await request.form()
    allowed = {*(f"subject.{f}" for f in SUBJECT_FIELDS), *NARRATIVE_FIELDS, "indicators"}
    changes = {k: str(v) for k, v in form.items() if k in allowed}
    try:
        str_reports.update_draft(ctx, str_id, user, changes)
    except IntegritaError as exc:
        return _str_page(request, ctx, user, str_id, error=str(exc), status_code=exc.http_status)
    return RedirectResponse(f"/str/{str_id}?saved=1", status_code=303)


@router.post("/str/{str_id}/transition", response_class=HTMLResponse)
def str_transition(
    request: Request,
    str_id: Id,
    action: Annotated[Note, Form()],
    reference: Annotated[Note, Form()] = "",
    authority: Annotated[Note, Form()] = "",
    version: Annotated[int | None, Form(ge=1, le=2**31)] = None,
    user: UserView = Depends(require(Permission.CASE_WORK)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    try:
        try:
            chosen = StrAction(action)
        except ValueError as exc:
            raise StateTransitionError(f"unknown STR action {action!r}") from exc
        str_reports.transition(
            ctx,
            str_id,
            chosen,
            user,
            reference=reference,
            authority=authority,
            version=version,
        )
    except IntegritaError as exc:
        return _str_page(request, ctx, user, str_id, error=str(exc), status_code=exc.http_status)
    return RedirectResponse(f"/str/{str_id}", status_code=303)


@router.get("/str/{str_id}/export.xml")
def str_export_xml(
    request: Request,
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Download the goAML XML; an invalid report returns to the editor with the schema's message."""
    try:
        xml = str_reports.export_xml(ctx, str_id, user)
    except IntegritaError as exc:
        return _str_page(request, ctx, user, str_id, error=str(exc), status_code=exc.http_status)
    return attachment(xml, "application/xml", f"STR-{str_id}.xml")


@router.get("/str/{str_id}/export.pdf")
def str_export_pdf(
    str_id: Id,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    pdf = str_reports.export_pdf(ctx, str_id, user)
    return attachment(pdf, "application/pdf", f"STR-{str_id}.pdf")


# -- audit ----------------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    actor: str = "",
    action: str = "",
    entity_type: str = "",
    entity_id: str = "",
    since: str = "",
    until: str = "",
    user: UserView = Depends(require(Permission.AUDIT_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """The audit trail for auditors: filter, page, export as CSV."""
    filters = {
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "since": since,
        "until": until,
    }
    found = listing(
        request,
        lambda number: audit_trail.events(ctx, user, page=number, size=PAGE_SIZE, **filters),
        lambda: audit_trail.events(ctx, user, page=1, size=PAGE_SIZE),
    )
    csv_query = urlencode({k: v for k, v in filters.items() if v})
    return page(
        request,
        "casework/audit.html",
        user,
        **found.context(),
        filters=filters,
        csv_link=f"/v1/audit.csv?{csv_query}",
        checkpoint=audit_anchor.last_checkpoint(ctx),
    )
