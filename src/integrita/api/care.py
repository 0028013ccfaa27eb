"""Customer care API: complaints and their clocks, departments and routing, surveys, customer records."""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from integrita.domain.permissions import Permission
from integrita.domain.survey import Dimension
from integrita.errors import InputError
from integrita.http.deps import get_ctx, require
from integrita.http.responses import attachment
from integrita.services.care import complaints, customer_records, surveys
from integrita.services.care import report as care_report
from integrita.services.care import sla as care_sla
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


class AttachmentIn(BaseModel):
    filename: str
    content_base64: str


class ComplaintIn(BaseModel):
    customer_id: str
    channel: str
    category: str
    severity: str
    description: str
    product: str | None = None
    order_id: str | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list)
    received_at: datetime | None = None


class TransitionIn(BaseModel):
    action: str
    fields: dict[str, Any] = Field(default_factory=dict)


class PauseIn(BaseModel):
    reason: str


@router.post("/complaints", status_code=201)
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


@router.post("/complaints/import")
async def import_complaints(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_RECEIVE)),
) -> dict[str, Any]:
    """CSV body: customer_id, product, order_id, channel, category, severity, description[, attachments, received_at]."""
    ids = complaints.import_complaints_csv(ctx, await _csv(request), actor(user))
    return {"imported": len(ids), "ids": ids}


@router.get("/complaints")
def list_complaints(
    state: str | None = None,
    department: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> list[dict[str, Any]]:
    """The queue for a state and/or department (newest first, at most 200)."""
    return complaints.queue(ctx, state=state, department=department)


@router.get("/complaints/{complaint_id}")
def get_complaint(
    complaint_id: int,
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


@router.post("/complaints/{complaint_id}/transitions")
def transition(
    complaint_id: int,
    body: TransitionIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_HANDLE)),
) -> dict[str, Any]:
    """Take one step: judge_valid, judge_invalid, mark_duplicate, assign, rectify,
    pass_verification, fail_verification, inform_customer, close, reopen."""
    state = complaints.transition(ctx, complaint_id, body.action, actor(user), body.fields)
    return {"id": complaint_id, "state": state.value}


@router.post("/complaints/{complaint_id}/pause")
def pause(
    complaint_id: int,
    body: PauseIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_CLOCK)),
) -> dict[str, Any]:
    """Stop the clocks while waiting for the customer."""
    complaints.pause_clock(ctx, complaint_id, body.reason, actor(user))
    return {"id": complaint_id, "paused": True}


@router.post("/complaints/{complaint_id}/resume")
def resume(
    complaint_id: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_CLOCK)),
) -> dict[str, Any]:
    """Restart the clocks; deadlines move out by the paused time."""
    complaints.resume_clock(ctx, complaint_id, actor(user))
    return {"id": complaint_id, "paused": False}


@router.get("/sla/due-soon")
def due_soon(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Open complaints whose next deadline falls within care_due_soon_hours."""
    return care_sla.due_soon(ctx)


@router.get("/sla/breached")
def breached(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Open complaints past a deadline."""
    return care_sla.breached(ctx)


@router.get("/sla/escalations")
def escalations(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Open complaints escalated to their department head, newest first."""
    return care_sla.escalations(ctx)


@router.post("/sla/sweep")
def sweep(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_SLA_SWEEP))
) -> dict[str, Any]:
    """Flag breaches and escalate them to department heads."""
    return asdict(care_sla.sweep(ctx, actor=user.username))


@router.get("/figures")
def figures(
    month: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> list[dict[str, Any]]:
    """On-time first-response rate, resolution percentiles, reopen and satisfaction rates per
    department and month."""
    if month:
        care_report.check_month(month)
    return [asdict(f) for f in care_sla.figures(ctx, month)]


@router.get("/reports/{month}")
def monthly_report(
    month: str,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> dict[str, Any]:
    """The monthly quality report (PDCA: targets, actuals, open actions)."""
    return asdict(care_report.monthly_report(ctx, month))


@router.get("/reports/{month}/pdf")
def monthly_report_pdf(
    month: str,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """The monthly quality report as PDF."""
    pdf = care_report.report_pdf(care_report.monthly_report(ctx, month))
    return attachment(pdf, "application/pdf", f"care-report-{month}.pdf")


class DepartmentIn(BaseModel):
    code: str
    name: str
    head: str | None = None


@router.get("/departments")
def departments(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Departments complaints are routed to."""
    return [asdict(d) for d in complaints.list_departments(ctx)]


@router.post("/departments", status_code=201)
def add_department(
    body: DepartmentIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ROUTING_EDIT)),
) -> dict[str, Any]:
    """Add a department with its head (who receives escalations)."""
    return {"id": complaints.add_department(ctx, body.code, body.name, body.head, actor(user))}


class RoutingRuleIn(BaseModel):
    category: str
    product: str | None = None
    department: str


@router.get("/routing-rules")
def routing_rules(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> list[dict[str, Any]]:
    """Routing rules by category and product."""
    return complaints.list_routing_rules(ctx)


@router.put("/routing-rules")
def set_routing_rule(
    body: RoutingRuleIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ROUTING_EDIT)),
) -> dict[str, Any]:
    """Create or change the rule for a category (and product)."""
    complaints.set_routing_rule(ctx, body.category, body.product, body.department, actor(user))
    return body.model_dump()


class DimensionIn(BaseModel):
    key: str
    label: str
    group: str
    weight: float


class SurveyIn(BaseModel):
    name: str
    fraction: float = 0.10
    seed: int = 0
    mode: str = "internal"
    #: Omit for the default dimensions (product quality, service, delivery, price).
    dimensions: list[DimensionIn] | None = None


class ResponseIn(BaseModel):
    customer_id: str
    answers: dict[str, int]


@router.post("/surveys", status_code=201)
def create_survey(
    body: SurveyIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """Set up a survey, draw the stratified sample and queue the invitations."""
    dims = (
        [Dimension(d.key, d.label, d.group, d.weight) for d in body.dimensions]
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


@router.get("/surveys/{survey_id}")
def survey_results(
    survey_id: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> dict[str, Any]:
    """Response rate (with the 80 % floor warning) and scores with 95 % intervals."""
    return asdict(surveys.results(ctx, survey_id))


@router.post("/surveys/{survey_id}/reminders")
def survey_reminders(
    survey_id: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """Queue a reminder to everyone who has not answered."""
    return {"reminders": surveys.send_reminders(ctx, survey_id, actor(user))}


@router.post("/surveys/{survey_id}/responses", status_code=201)
def survey_response(
    survey_id: int,
    body: ResponseIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """Record one sampled customer's answers (1-5 per dimension)."""
    surveys.record_response(ctx, survey_id, body.customer_id, body.answers, actor(user))
    return {"survey_id": survey_id, "customer_id": body.customer_id}


@router.post("/surveys/{survey_id}/agency-import")
async def survey_agency_import(
    survey_id: int,
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> dict[str, Any]:
    """CSV body from the survey agency: customer_id, answered_on, one column per dimension."""
    count = surveys.import_agency_csv(ctx, survey_id, await _csv(request), actor(user))
    return {"imported": count}


class NoteIn(BaseModel):
    kind: str
    text: str


@router.get("/customers/{customer_id}")
def customer_record(
    customer_id: str,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> dict[str, Any]:
    """The customer record: basics, orders, volume, complaints, survey answers, notes."""
    return asdict(customer_records.record(ctx, customer_id))


@router.post("/customers/{customer_id}/notes", status_code=201)
def customer_note(
    customer_id: str,
    body: NoteIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CUSTOMER_RECORD_EDIT)),
) -> dict[str, Any]:
    """Add a special requirement, demand change or quality objection (dated, authored)."""
    customer_records.add_note(ctx, customer_id, body.kind, body.text, actor(user))
    return {"customer_id": customer_id, "kind": body.kind}


@router.post("/orders/import")
async def import_orders(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CUSTOMER_RECORD_EDIT)),
) -> dict[str, Any]:
    """CSV body: order_id, customer_id, product, ordered_on, quantity, amount, currency[, delivery_status, delivered_on]."""
    return {"imported": customer_records.import_orders_csv(ctx, await _csv(request), actor(user))}


@router.post("/deliveries/import")
async def import_deliveries(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CUSTOMER_RECORD_EDIT)),
) -> dict[str, Any]:
    """CSV body: order_id, delivery_status[, delivered_on]."""
    return {
        "imported": customer_records.import_deliveries_csv(ctx, await _csv(request), actor(user))
    }


@router.get("/trends")
def trends(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.CARE_READ))
) -> dict[str, Any]:
    """Monthly purchase volume, complaints and satisfaction rate per segment."""
    return asdict(customer_records.trends(ctx))
