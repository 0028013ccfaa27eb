"""Customer care API: complaints and their clocks, departments and routing, surveys, customer records."""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from integrita.api.care_models import (
    ComplaintFileOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintQuery,
    CreatedOut,
    DepartmentIn,
    EscalationOut,
    FiledOut,
    HistoryImportOut,
    HistoryImportQuery,
    ImportedIdsOut,
    ImportedOut,
    MonthQuery,
    NoteIn,
    NoteOut,
    PausedOut,
    PauseIn,
    RemindersOut,
    ResponseIn,
    RoutingRuleIn,
    RoutingRuleOut,
    StateOut,
    SurveyIn,
    SurveyResponseOut,
    TransitionIn,
)
from integrita.domain.permissions import Permission
from integrita.domain.survey import Dimension
from integrita.errors import InputError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Id, KeyPath
from integrita.http.responses import attachment, file_answer
from integrita.services.care import complaints, customer_records, history_import, surveys
from integrita.services.care import report as care_report
from integrita.services.care import sla as care_sla
from integrita.services.care.complaint_mapping import load_mapping
from integrita.services.care.complaints import (
    Actor,
    Attachment,
    ComplaintInput,
)
from integrita.services.core.context import Context
from integrita.services.core.users import UserView

router = APIRouter(prefix="/v1/care", tags=["care"])


def actor(user: UserView) -> Actor:
    return Actor(user.username, user.roles)


async def _csv(request: Request) -> str:
    raw = await request.body()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the CSV must be UTF-8", field="file") from exc


@router.post("/complaints", status_code=201, response_model=FiledOut)
def file_complaint(
    body: ComplaintIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_RECEIVE)),
) -> dict[str, Any]:
    """Receive a complaint from a channel system or the service desk; starts its clocks."""
    files = []
    for i, a in enumerate(body.attachments):
        try:
            files.append(Attachment(a.filename, base64.b64decode(a.content_base64, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise InputError(f"attachment {i} is not base64", field="attachments") from exc
    if body.received_at is not None and body.received_at.tzinfo is None:
        raise InputError("received_at needs a time-zone offset", field="received_at")
    data = ComplaintInput(
        customer_id=body.customer_id,
        channel=body.channel,
        category=body.category,
        severity=body.severity,
        description=body.description,
        product=body.product,
        order_id=body.order_id,
        attachments=files,
        received_at=body.received_at,
    )
    cid = complaints.file_complaint(ctx, data, actor(user))
    return {"id": cid, "state": "received"}


@router.post("/complaints/import", response_model=ImportedIdsOut)
async def import_complaints(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_RECEIVE)),
) -> dict[str, Any]:
    """CSV body: customer_id, product, order_id, channel, category, severity, description[, attachments, received_at]."""
    ids = complaints.import_complaints_csv(ctx, await _csv(request), actor(user))
    return {"imported": len(ids), "ids": ids}


@router.post("/complaints/history-import", response_model=HistoryImportOut)
async def import_complaint_history(
    request: Request,
    query: Annotated[HistoryImportQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_IMPORT_HISTORY)),
) -> dict[str, Any]:
    """CSV body: another system's export, imported with its history through a shipped mapping
    (``?mapping=cfpb``); bad rows quarantined with their line, counts reconciled, idempotent."""
    if not query.mapping.isidentifier():
        raise InputError("mapping names a shipped mapping, e.g. cfpb", field="mapping")
    result = history_import.import_history(
        ctx, await _csv(request), load_mapping(query.mapping), actor(user), source_file="api upload"
    )
    r = result.reconciliation
    return {
        "run_id": r.run_id,
        "rows_read": r.rows_read,
        "imported": r.stored,
        "already_present": r.duplicates,
        "quarantined": r.quarantined,
        "ids": result.imported_ids,
        "problems": [{"line": line, "reason": reason} for line, reason in result.problems],
    }


@router.get("/complaints", response_model=list[ComplaintOut])
def list_complaints(
    query: Annotated[ComplaintQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> list[dict[str, Any]]:
    """The queue for a state and/or department (newest first, at most 200)."""
    return complaints.queue(ctx, state=query.state, department=query.department)


@router.get("/complaints/{complaint_id}", response_model=ComplaintFileOut)
def get_complaint(
    complaint_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> dict[str, Any]:
    """One complaint with its clocks, pauses and history."""
    view = complaints.get_complaint(ctx, complaint_id)
    return {
        **view.complaint,
        "department": view.department,
        "pauses": view.pauses,
        "history": [asdict(h) for h in view.history],
    }


@router.post("/complaints/{complaint_id}/transitions", response_model=StateOut)
def transition(
    complaint_id: Id,
    body: TransitionIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_HANDLE)),
) -> dict[str, Any]:
    """Take one step: judge_valid, judge_invalid, mark_duplicate, assign, rectify,
    pass_verification, fail_verification, inform_customer, close, reopen."""
    fields = body.fields.model_dump(exclude_none=True)
    state = complaints.transition(ctx, complaint_id, body.action, actor(user), fields)
    return {"id": complaint_id, "state": state.value}


@router.post("/complaints/{complaint_id}/pause", response_model=PausedOut)
def pause(
    complaint_id: Id,
    body: PauseIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_CLOCK)),
) -> dict[str, Any]:
    """Stop the clocks while waiting for the customer."""
    complaints.pause_clock(ctx, complaint_id, body.reason, actor(user))
    return {"id": complaint_id, "paused": True}


@router.post("/complaints/{complaint_id}/resume", response_model=PausedOut)
def resume(
    complaint_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_CLOCK)),
) -> dict[str, Any]:
    """Restart the clocks; deadlines move out by the paused time."""
    complaints.resume_clock(ctx, complaint_id, actor(user))
    return {"id": complaint_id, "paused": False}


@router.get("/sla/due-soon", response_model=list[ComplaintOut])
def due_soon(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Open complaints whose next deadline falls within care_due_soon_hours."""
    return care_sla.due_soon(ctx)


@router.get("/sla/breached", response_model=list[ComplaintOut])
def breached(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Open complaints past a deadline."""
    return care_sla.breached(ctx)


@router.get("/sla/escalations", response_model=list[EscalationOut])
def escalations(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Open complaints escalated to their department head, newest first."""
    return care_sla.escalations(ctx)


@router.post("/sla/sweep", response_model=care_sla.SweepResult)
def sweep(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_SLA_SWEEP))
) -> dict[str, Any]:
    """Flag breaches and escalate them to department heads."""
    return asdict(care_sla.sweep(ctx, actor=user.username))


@router.get("/figures", response_model=list[care_sla.Figures])
def figures(
    query: Annotated[MonthQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> list[dict[str, Any]]:
    """On-time first-response rate, resolution percentiles, reopen and satisfaction rates per
    department and month."""
    if query.month:
        care_report.check_month(query.month)
    return [asdict(f) for f in care_sla.figures(ctx, query.month)]


@router.get("/reports/{month}", response_model=care_report.MonthlyReport)
def monthly_report(
    month: Annotated[str, Path(min_length=7, max_length=7)],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> dict[str, Any]:
    """The monthly quality report (PDCA: targets, actuals, open actions)."""
    return asdict(care_report.monthly_report(ctx, month))


@router.get("/reports/{month}/pdf", **file_answer("application/pdf", "The report as PDF."))
def monthly_report_pdf(
    month: Annotated[str, Path(min_length=7, max_length=7)],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """The monthly quality report as PDF."""
    pdf = care_report.report_pdf(ctx, care_report.monthly_report(ctx, month))
    return attachment(pdf, "application/pdf", f"care-report-{month}.pdf")


@router.get("/departments", response_model=list[complaints.DepartmentView])
def departments(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Departments complaints are routed to."""
    return [asdict(d) for d in complaints.list_departments(ctx)]


@router.post("/departments", status_code=201, response_model=CreatedOut)
def add_department(
    body: DepartmentIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ROUTING_EDIT)),
) -> dict[str, Any]:
    """Add a department with its head (who receives escalations)."""
    return {"id": complaints.add_department(ctx, body.code, body.name, body.head, actor(user))}


@router.get("/routing-rules", response_model=list[RoutingRuleOut])
def routing_rules(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Routing rules by category and product."""
    return complaints.list_routing_rules(ctx)


@router.put("/routing-rules", response_model=RoutingRuleOut)
def set_routing_rule(
    body: RoutingRuleIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ROUTING_EDIT)),
) -> dict[str, Any]:
    """Create or change the rule for a category (and product)."""
    complaints.set_routing_rule(ctx, body.category, body.product, body.department, actor(user))
    return body.model_dump()


@router.post("/surveys", status_code=201, response_model=CreatedOut)
def create_survey(
    body: SurveyIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """Set up a survey, draw the stratified sample and queue the invitations."""
    dims = (
        [Dimension(d.key, d.label, d.group, float(d.weight)) for d in body.dimensions]
        if body.dimensions
        else None
    )
    sid = surveys.create_survey(
        ctx,
        body.name,
        actor(user),
        fraction=body.fraction,
        seed=body.seed,
        mode=body.mode,
        dimensions=dims,
    )
    return {"id": sid}


@router.get("/surveys/{survey_id}", response_model=surveys.SurveyResults)
def survey_results(
    survey_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> dict[str, Any]:
    """Response rate (with the 80 % floor warning) and scores with 95 % intervals."""
    return asdict(surveys.results(ctx, survey_id))


@router.post("/surveys/{survey_id}/reminders", response_model=RemindersOut)
def survey_reminders(
    survey_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """Queue a reminder to everyone who has not answered."""
    return {"reminders": surveys.send_reminders(ctx, survey_id, actor(user))}


@router.post("/surveys/{survey_id}/responses", status_code=201, response_model=SurveyResponseOut)
def survey_response(
    survey_id: Id,
    body: ResponseIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """Record one sampled customer's answers (1-5 per dimension)."""
    surveys.record_response(ctx, survey_id, body.customer_id, body.answers, actor(user))
    return {"survey_id": survey_id, "customer_id": body.customer_id}


@router.post("/surveys/{survey_id}/agency-import", response_model=ImportedOut)
async def survey_agency_import(
    survey_id: Id,
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """CSV body from the survey agency: customer_id, answered_on, one column per dimension."""
    count = surveys.import_agency_csv(ctx, survey_id, await _csv(request), actor(user))
    return {"imported": count}


@router.get("/customers/{customer_id}", response_model=customer_records.CustomerRecord)
def customer_record(
    customer_id: KeyPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> dict[str, Any]:
    """The customer record: basics, orders, volume, complaints, survey answers, notes."""
    return asdict(customer_records.record(ctx, customer_id))


@router.post("/customers/{customer_id}/notes", status_code=201, response_model=NoteOut)
def customer_note(
    customer_id: KeyPath,
    body: NoteIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CUSTOMER_RECORD_EDIT)),
) -> dict[str, Any]:
    """Add a special requirement, demand change or quality objection (dated, authored)."""
    customer_records.add_note(ctx, customer_id, body.kind, body.text, actor(user))
    return {"customer_id": customer_id, "kind": body.kind}


@router.post("/orders/import", response_model=ImportedOut)
async def import_orders(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CUSTOMER_RECORD_EDIT)),
) -> dict[str, Any]:
    """CSV body: order_id, customer_id, product, ordered_on, quantity, amount, currency[, delivery_status, delivered_on]."""
    return {"imported": customer_records.import_orders_csv(ctx, await _csv(request), actor(user))}


@router.post("/deliveries/import", response_model=ImportedOut)
async def import_deliveries(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CUSTOMER_RECORD_EDIT)),
) -> dict[str, Any]:
    """CSV body: order_id, delivery_status[, delivered_on]."""
    return {
        "imported": customer_records.import_deliveries_csv(ctx, await _csv(request), actor(user))
    }


@router.get("/trends", response_model=customer_records.SegmentTrends)
def trends(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> dict[str, Any]:
    """Monthly purchase volume, complaints and satisfaction rate per segment."""
    return asdict(customer_records.trends(ctx))
