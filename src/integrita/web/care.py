"""Customer care pages: complaints desk, complaint page with its clocks, surveys, customer record,
monthly quality report."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from integrita.domain import complaint as fsm
from integrita.domain.permissions import Permission
from integrita.domain.sla import read_clock
from integrita.errors import IntegritaError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import MAX_PAGE, Id, QueryBool
from integrita.services.care import charts as care_charts
from integrita.services.care import complaints, customer_records, surveys
from integrita.services.care import report as care_report
from integrita.services.care import sla as care_sla
from integrita.services.care.complaints import (
    Actor,
    Attachment,
    ComplaintInput,
)
from integrita.services.core import charts, customer_names
from integrita.services.core.context import Context
from integrita.services.core.permissions import permitted
from integrita.services.core.users import UserView
from integrita.web.render import add_nav, page, redirect_after

router = APIRouter(include_in_schema=False)

add_nav("Complaints", "/care", Permission.CARE_READ)
add_nav("Surveys", "/care/surveys", Permission.CARE_READ)
add_nav("Customers", "/care/customers", Permission.CARE_READ)
add_nav("Quality report", "/care/report", Permission.CARE_READ)

#: Inputs each step's form asks for: (name, label, kind).
STEP_INPUTS: dict[str, list[tuple[str, str, str]]] = {
    "judge_valid": [],
    "judge_invalid": [("reason", "Why it is not valid", "textarea")],
    "mark_duplicate": [("duplicate_of", "Duplicate of complaint number", "number")],
    "assign": [("department", "Department code (empty: routing rules)", "text")],
    "rectify": [
        ("root_cause", "Root cause", "textarea"),
        ("corrective_action", "Corrective action", "textarea"),
        ("preventive_action", "Preventive action", "textarea"),
        ("meeting_record", "Internal analysis meeting record", "textarea"),
    ],
    "pass_verification": [("note", "QA note", "text")],
    "fail_verification": [("note", "What is still wrong", "textarea")],
    "inform_customer": [
        ("outcome", "Outcome told to the customer", "textarea"),
        ("satisfaction", "Customer satisfaction (1-5)", "satisfaction"),
    ],
    "close": [],
    "reopen": [("reason", "What the customer disputes", "textarea")],
}


#: Complaints per page of the desk's queue.
DESK_PAGE_SIZE = 50


def _actor(user: UserView) -> Actor:
    return Actor(user.username, user.roles)


def _css() -> str:
    return '<link rel="stylesheet" href="/static/care.css">'


@router.get("/care", response_class=HTMLResponse)
def desk(
    request: Request,
    state: str | None = None,
    department: str | None = None,
    page_no: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    breached: QueryBool = False,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """Queues per state and department, due-soon and breached lists with their totals;
    ``breached=true`` lists every open complaint past a service-level deadline (the overview's
    figure links here)."""
    error = None
    try:
        if breached:
            every = care_sla.breached(ctx, limit=care_sla.BREACHED_LIST_LIMIT)
            listing = complaints.QueuePage(every, len(every), 0)
        else:
            listing = complaints.queue_page(
                ctx,
                state=state or None,
                department=department or None,
                limit=DESK_PAGE_SIZE,
                offset=(page_no - 1) * DESK_PAGE_SIZE,
            )
    except IntegritaError as exc:
        listing, error = complaints.QueuePage([], 0, 0), str(exc)
    return page(
        request,
        "care/desk.html",
        user,
        counts=complaints.queue_counts(ctx),
        departments=[d.code for d in complaints.list_departments(ctx)],
        states=[s.value for s in fsm.ComplaintState],
        rows=listing.rows,
        total=listing.total,
        page_no=page_no,
        page_size=DESK_PAGE_SIZE,
        totals=care_sla.deadline_totals(ctx),
        names=customer_names.names_for(ctx, user, [r["customer_id"] for r in listing.rows]),
        breached_only=breached,
        state=state or "",
        department=department or "",
        due_soon=care_sla.due_soon(ctx, limit=20),
        breached=care_sla.breached(ctx, limit=20),
        escalations=care_sla.escalations(ctx, limit=20),
        error=error,
        can_file=permitted(user, Permission.COMPLAINT_RECEIVE),
    )


def _new_form(
    request: Request, user: UserView, error: str | None, values: dict[str, Any]
) -> Response:
    return page(
        request,
        "care/new.html",
        user,
        status_code=422 if error else 200,
        error=error,
        values=values,
        channels=[c.value for c in fsm.Channel],
        categories=fsm.CATEGORIES,
        severities=[s.value for s in fsm.Severity],
    )


@router.get("/care/complaints/new", response_class=HTMLResponse)
def new_complaint(
    request: Request, user: UserView = Depends(require(Permission.COMPLAINT_RECEIVE))
) -> Response:
    """The intake form."""
    return _new_form(request, user, None, {})


@router.post("/care/complaints/new", response_class=HTMLResponse)
async def file_complaint(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_RECEIVE)),
) -> Response:
    """Receive a complaint from the form (with optional attachments)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    files = []
    for item in form.getlist("attachments"):
        if isinstance(item, UploadFile) and item.filename:
            files.append(Attachment(item.filename, await item.read()))
    data = ComplaintInput(
        customer_id=values.get("customer_id", "").strip(),
        channel=values.get("channel", ""),
        category=values.get("category", ""),
        severity=values.get("severity", ""),
        description=values.get("description", ""),
        product=values.get("product") or None,
        order_id=values.get("order_id") or None,
        attachments=files,
    )
    try:
        cid = complaints.file_complaint(ctx, data, _actor(user))
    except IntegritaError as exc:
        return _new_form(request, user, str(exc), values)
    return RedirectResponse(f"/care/complaints/{cid}", status_code=303)


def _complaint_page(
    request: Request, ctx: Context, user: UserView, complaint_id: int, error: str | None = None
) -> Response:
    view = complaints.get_complaint(ctx, complaint_id)
    c = view.complaint
    now = ctx.now()
    soon = timedelta(hours=ctx.settings.care_due_soon_hours)
    paused = c["paused_since"] is not None
    clocks = {
        "Initial response": read_clock(
            c["first_response_due_at"], c["first_response_at"], now, soon, paused
        ),
        "Resolution": read_clock(c["resolution_due_at"], c["resolved_at"], now, soon, paused),
    }
    actions = complaints.offered_actions(ctx, complaint_id, user)
    return page(
        request,
        "care/complaint.html",
        user,
        status_code=409 if error else 200,
        c=c,
        customer_name=customer_names.names_for(ctx, user, [c["customer_id"]]).get(
            c["customer_id"], ""
        ),
        view=view,
        clocks=clocks,
        now=now,
        actions=actions,
        inputs=STEP_INPUTS,
        can_pause=permitted(user, Permission.COMPLAINT_CLOCK) and c["state"] != "closed",
        error=error,
    )


@router.get("/care/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint_page(
    request: Request,
    complaint_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """One complaint: details, both clocks, the steps the user may take, and its history."""
    return _complaint_page(request, ctx, user, complaint_id)


@router.post("/care/complaints/{complaint_id}/step", response_class=HTMLResponse)
async def complaint_step(
    request: Request,
    complaint_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_HANDLE)),
) -> Response:
    """Take one step from the complaint page."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "action"}
    action = str(form.get("action", ""))
    try:
        complaints.transition(ctx, complaint_id, action, _actor(user), fields)
    except IntegritaError as exc:
        return _complaint_page(request, ctx, user, complaint_id, str(exc))
    return RedirectResponse(f"/care/complaints/{complaint_id}", status_code=303)


@router.post("/care/complaints/{complaint_id}/clock", response_class=HTMLResponse)
async def complaint_clock(
    request: Request,
    complaint_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.COMPLAINT_HANDLE)),
) -> Response:
    """Pause (waiting for the customer) or resume the clocks."""
    form = await request.form()
    try:
        if form.get("do") == "resume":
            complaints.resume_clock(ctx, complaint_id, _actor(user))
        else:
            complaints.pause_clock(ctx, complaint_id, str(form.get("reason", "")), _actor(user))
    except IntegritaError as exc:
        return _complaint_page(request, ctx, user, complaint_id, str(exc))
    return RedirectResponse(f"/care/complaints/{complaint_id}", status_code=303)


# -- surveys --------------------------------------------------------------------------------------


@router.get("/care/surveys", response_class=HTMLResponse)
def survey_list(
    request: Request,
    error: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """Surveys and the set-up form."""
    return page(
        request,
        "care/surveys.html",
        user,
        surveys=surveys.list_surveys(ctx),
        can_edit=permitted(user, Permission.SURVEY_RUN),
        error=error,
    )


@router.post("/care/surveys", response_class=HTMLResponse)
async def survey_create(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> Response:
    """Set up a survey: name, sample fraction (at least 10 %), seed, internal or agency."""
    form = await request.form()
    try:
        fraction = float(str(form.get("percent", "10"))) / 100
        seed = int(str(form.get("seed", "0")))
        sid = surveys.create_survey(
            ctx,
            str(form.get("name", "")),
            _actor(user),
            fraction=fraction,
            seed=seed,
            mode=str(form.get("mode", "internal")),
        )
    except (IntegritaError, ValueError) as exc:
        return RedirectResponse(f"/care/surveys?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/care/surveys/{sid}", status_code=303)


@router.get("/care/surveys/{survey_id}", response_class=HTMLResponse)
def survey_page(
    request: Request,
    survey_id: Id,
    error: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """Response rate against the floor, scores per dimension with intervals, chart."""
    results = surveys.results(ctx, survey_id)
    return page(
        request,
        "care/survey.html",
        user,
        r=results,
        chart=care_charts.survey_scores_svg(results) if results.overall else None,
        can_edit=permitted(user, Permission.SURVEY_RUN),
        error=error,
    )


@router.post("/care/surveys/{survey_id}/reminders")
def survey_reminders(
    survey_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> Response:
    """Queue reminders to everyone who has not answered."""
    return redirect_after(
        f"/care/surveys/{survey_id}", lambda: surveys.send_reminders(ctx, survey_id, _actor(user))
    )


@router.post("/care/surveys/{survey_id}/agency-import")
async def survey_agency_import(
    request: Request,
    survey_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SURVEY_RUN)),
) -> Response:
    """Upload the survey agency's CSV."""
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise ValueError("choose the agency's CSV file")
        text = (await upload.read()).decode("utf-8-sig")
        surveys.import_agency_csv(ctx, survey_id, text, _actor(user))
    except (IntegritaError, ValueError) as exc:
        return RedirectResponse(
            f"/care/surveys/{survey_id}?error={quote(str(exc))}", status_code=303
        )
    return RedirectResponse(f"/care/surveys/{survey_id}", status_code=303)


# -- customers ------------------------------------------------------------------------------------


@router.get("/care/customers", response_class=HTMLResponse)
def customers_page(
    request: Request,
    customer_id: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """Find a customer record; trends of volume, complaints and satisfaction by segment."""
    if customer_id:
        return RedirectResponse(f"/care/customers/{quote(customer_id.strip())}", status_code=303)
    t = customer_records.trends(ctx)
    charts = (
        {
            "Purchase volume (minor units)": care_charts.series_svg(t.months, t.volume, "amount"),
            "Complaints": care_charts.series_svg(t.months, t.complaints, "complaints"),
            "Satisfaction rate": care_charts.series_svg(
                t.months, t.satisfaction_rate, "share rating 4-5"
            ),
        }
        if t.months
        else {}
    )
    return page(request, "care/customers.html", user, charts=charts)


@router.get("/care/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request,
    customer_id: str,
    error: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """The customer record on one page."""
    rec = customer_records.record(ctx, customer_id)
    months = [v["month"] for v in rec.volume_by_month]
    chart = (
        care_charts.series_svg(
            months, {"amount": [v["amount_minor"] for v in rec.volume_by_month]}, "minor units"
        )
        if months
        else None
    )
    return page(
        request,
        "care/customer.html",
        user,
        rec=rec,
        chart=chart,
        kinds=customer_records.NOTE_KINDS,
        can_edit=permitted(user, Permission.CUSTOMER_RECORD_EDIT),
        error=error,
    )


@router.post("/care/customers/{customer_id}/notes")
async def customer_note(
    request: Request,
    customer_id: str,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CUSTOMER_RECORD_EDIT)),
) -> Response:
    """Add a dated, authored note to the record."""
    form = await request.form()
    kind, text = str(form.get("kind", "")), str(form.get("text", ""))
    return redirect_after(
        f"/care/customers/{quote(customer_id)}",
        lambda: customer_records.add_note(ctx, customer_id, kind, text, _actor(user)),
    )


# -- monthly report -------------------------------------------------------------------------------


@router.get("/care/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    month: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CARE_READ)),
) -> Response:
    """The monthly quality report (PDCA), with a PDF export."""
    month = month or ctx.local_date().strftime("%Y-%m")
    try:
        report = care_report.monthly_report(ctx, month)
    except IntegritaError as exc:
        return page(
            request,
            "care/report.html",
            user,
            status_code=422,
            report=None,
            month=month,
            error=str(exc),
        )
    return page(
        request,
        "care/report.html",
        user,
        report=report,
        month=month,
        error=None,
        trend_chart=charts.to_svg(care_report.trend_chart(report)),
    )
