"""Risk pages: ratings and due list, a customer's rating, self-assessments, the product review register."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from integrita.domain.permissions import Permission
from integrita.domain.risk import BAND_ORDER, CONTROL_AREAS, DIMENSIONS
from integrita.errors import InputError, IntegritaError, NotFoundError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import MAX_PAGE, Id, LongText, Note, Year
from integrita.http.responses import attachment
from integrita.services.core import customer_names
from integrita.services.core.context import Context
from integrita.services.core.permissions import permitted
from integrita.services.core.users import UserView
from integrita.services.risk import assessment, documents, overrides, product_reviews, rating
from integrita.web.render import add_nav, messages, page, redirect_after, redirect_back

router = APIRouter(include_in_schema=False)


add_nav("Risk ratings", "/risk", Permission.RISK_READ)
add_nav("Self-assessment", "/risk/assessments", Permission.RISK_READ)
add_nav("Product reviews", "/risk/reviews", Permission.PRODUCT_REVIEW_READ)


# -- ratings --------------------------------------------------------------------------------------


@router.get("/risk", response_class=HTMLResponse)
def ratings_page(
    request: Request,
    band: str | None = None,
    view: str = "ratings",
    page_no: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> Response:
    """The rated book by band, and the due-for-review list."""
    per_page = 100
    listing = []
    if view == "due":
        listing = rating.due_for_review(ctx, limit=300)
    elif view == "overdue":
        listing = rating.overdue_reviews(ctx)
    statuses = (
        rating.list_statuses(ctx, band, per_page, (max(page_no, 1) - 1) * per_page)
        if view not in ("due", "overdue")
        else []
    )
    return page(
        request,
        "risk/ratings.html",
        user,
        distribution=rating.band_distribution(ctx),
        bands=[b.value for b in BAND_ORDER],
        band=band,
        view=view,
        statuses=statuses,
        due=listing,
        names=customer_names.names_for(
            ctx, user, [i.customer_id for i in listing] + [s.customer_id for s in statuses]
        ),
        page_no=max(page_no, 1),
        per_page=per_page,
        pending=overrides.list_overrides(ctx, "pending"),
        **messages(request),
    )


@router.get("/risk/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request,
    customer_id: str,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> Response:
    """A customer's rating, factor breakdown, history and overrides."""
    return page(
        request,
        "risk/customer.html",
        user,
        customer_id=customer_id,
        rating=rating.rating_breakdown(ctx, customer_id),
        overrides=overrides.list_overrides(ctx, customer_id=customer_id),
        bands=[b.value for b in BAND_ORDER],
        can_request=permitted(user, Permission.RISK_OVERRIDE_REQUEST),
        can_approve=permitted(user, Permission.RISK_OVERRIDE_DECIDE),
        **messages(request),
    )


@router.get("/risk/customers/{customer_id}/rating", response_class=HTMLResponse)
def customer_rating_fragment(
    request: Request,
    customer_id: str,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> Response:
    """The rating breakdown alone (htmx fragment for the case page)."""
    return page(
        request,
        "risk/_rating.html",
        user,
        customer_id=customer_id,
        rating=rating.rating_breakdown(ctx, customer_id),
    )


@router.post("/risk/customers/{customer_id}/override")
def request_override(
    customer_id: str,
    to_band: Annotated[Note, Form()],
    reason: Annotated[Note, Form()] = "",
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_OVERRIDE_REQUEST)),
) -> Response:
    path = f"/risk/customers/{quote(customer_id)}"
    return redirect_after(
        path,
        lambda: overrides.request_override(ctx, customer_id, to_band, reason, actor=user),
        "override requested; a second person must approve it",
    )


@router.post("/risk/overrides/{override_id}/decide")
def decide_override(
    override_id: Id,
    decision: Annotated[Note, Form()],
    note: Annotated[Note, Form()] = "",
    back: Annotated[Note, Form()] = "/risk",
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_OVERRIDE_DECIDE)),
) -> Response:
    path = back if back.startswith("/risk") else "/risk"
    return redirect_after(
        path,
        lambda: overrides.decide_override(
            ctx, override_id, decision == "approve", note, actor=user
        ),
        f"override {override_id} {decision}d",
    )


# -- self-assessment ------------------------------------------------------------------------------


@router.get("/risk/assessments", response_class=HTMLResponse)
def assessments_page(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> Response:
    return page(
        request,
        "risk/assessments.html",
        user,
        assessments=assessment.list_assessments(ctx),
        year=ctx.local_date().year,
        can_draft=permitted(user, Permission.ASSESSMENT_DRAFT),
        error=request.query_params.get("error"),
    )


@router.post("/risk/assessments")
def draft_assessment(
    year: Annotated[Year, Form()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ASSESSMENT_DRAFT)),
) -> Response:
    return redirect_after(
        "/risk/assessments",
        lambda: assessment.draft(ctx, year, actor=user),
        "draft computed from the data",
        then=lambda view: f"/risk/assessments/{view.id}",
    )


@router.get("/risk/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(
    request: Request,
    assessment_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> Response:
    view = assessment.get(ctx, assessment_id)
    try:
        comparison = assessment.compare(ctx, view.year)
    except NotFoundError:
        comparison = []
    return page(
        request,
        "risk/assessment.html",
        user,
        a=view,
        body=view.body,
        heat_map=documents.heat_map(view.body),
        warnings=documents.data_warnings(view.body),
        dimensions=DIMENSIONS,
        areas=CONTROL_AREAS,
        comparison=comparison,
        editable=view.status == "draft" and permitted(user, Permission.ASSESSMENT_DRAFT),
        can_review=view.status == "draft" and permitted(user, Permission.ASSESSMENT_REVIEW),
        can_sign=view.status == "reviewed" and permitted(user, Permission.ASSESSMENT_SIGN),
        **messages(request),
    )


@router.post("/risk/assessments/{assessment_id}/answers")
async def answer_questions(
    request: Request,
    assessment_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ASSESSMENT_DRAFT)),
) -> Response:
    path = f"/risk/assessments/{assessment_id}"
    form = await request.form()
    try:
        body = assessment.get(ctx, assessment_id).body
        for area, items in body["answers"].items():
            for i, item in enumerate(items):
                value = str(form.get(f"answer-{area}-{i}", "") or "")
                evidence = str(form.get(f"evidence-{area}-{i}", "") or "")
                if value and (value != item["answer"] or evidence.strip() != item["evidence"]):
                    assessment.answer(ctx, assessment_id, area, i, value, evidence, actor=user)
    except IntegritaError as exc:
        return redirect_back(path, exc)
    return redirect_back(path, notice="answers saved")


@router.post("/risk/assessments/{assessment_id}/adjust")
def adjust_dimension(
    assessment_id: Id,
    dimension: Annotated[Note, Form()],
    steps: Annotated[int, Form()],
    reason: Annotated[Note, Form()] = "",
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ASSESSMENT_DRAFT)),
) -> Response:
    path = f"/risk/assessments/{assessment_id}"
    return redirect_after(
        path,
        lambda: assessment.adjust(ctx, assessment_id, dimension, steps, reason, actor=user),
        f"{dimension} adjusted",
    )


@router.post("/risk/assessments/{assessment_id}/review")
def review_assessment(
    assessment_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ASSESSMENT_REVIEW)),
) -> Response:
    path = f"/risk/assessments/{assessment_id}"
    return redirect_after(
        path, lambda: assessment.review(ctx, assessment_id, actor=user), "marked reviewed"
    )


@router.post("/risk/assessments/{assessment_id}/sign")
def sign_assessment(
    assessment_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ASSESSMENT_SIGN)),
) -> Response:
    path = f"/risk/assessments/{assessment_id}"
    return redirect_after(path, lambda: assessment.sign(ctx, assessment_id, actor=user), "signed")


@router.get("/risk/assessments/{assessment_id}/pdf")
def assessment_pdf(
    assessment_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> Response:
    view = assessment.get(ctx, assessment_id)
    return attachment(
        documents.render_pdf(ctx, view),
        "application/pdf",
        f"aml-self-assessment-{view.year}-v{view.version}.pdf",
    )


# -- product reviews ------------------------------------------------------------------------------


@router.get("/risk/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request,
    status: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_READ)),
) -> Response:
    year = ctx.local_date().year
    return page(
        request,
        "risk/reviews.html",
        user,
        reviews=product_reviews.register(ctx, status or None),
        figures=product_reviews.figures(ctx, year),
        status=status,
        can_submit=permitted(user, Permission.PRODUCT_REVIEW_SUBMIT),
        **messages(request),
    )


@router.post("/risk/reviews")
def submit_review(
    kind: Annotated[Note, Form()],
    title: Annotated[Note, Form()],
    description: Annotated[LongText, Form()],
    target_customers: Annotated[Note, Form()],
    channels: Annotated[Note, Form()],
    cross_border: Annotated[bool, Form()] = False,
    cash: Annotated[bool, Form()] = False,
    third_party_payments: Annotated[bool, Form()] = False,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_SUBMIT)),
) -> Response:
    try:
        view = product_reviews.submit(
            ctx,
            actor=user,
            kind=kind,
            title=title,
            description=description,
            target_customers=target_customers,
            channels=channels,
            cross_border=cross_border,
            cash=cash,
            third_party_payments=third_party_payments,
        )
    except IntegritaError as exc:
        return redirect_back("/risk/reviews", exc)
    return redirect_back(f"/risk/reviews/{view.id}", notice=f"{view.reference} submitted")


@router.get("/risk/reviews/{review_id}", response_class=HTMLResponse)
def review_page(
    request: Request,
    review_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_READ)),
) -> Response:
    return page(
        request,
        "risk/review.html",
        user,
        r=product_reviews.get(ctx, review_id),
        is_reviewer=permitted(user, Permission.PRODUCT_REVIEW_OPINE),
        can_launch=permitted(user, Permission.PRODUCT_REVIEW_LAUNCH),
        today=ctx.local_date(),
        **messages(request),
    )


@router.post("/risk/reviews/{review_id}/opinions")
def add_opinion(
    review_id: Id,
    text: Annotated[Note, Form()],
    required_control: Annotated[Note, Form()] = "",
    due_on: Annotated[Note, Form()] = "",
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_OPINE)),
) -> Response:
    path = f"/risk/reviews/{review_id}"
    try:
        day = date.fromisoformat(due_on) if due_on else None
    except ValueError:
        return redirect_back(path, InputError("use YYYY-MM-DD", field="due_on"))
    try:
        product_reviews.add_opinion(
            ctx, review_id, actor=user, text=text, required_control=required_control, due_on=day
        )
    except IntegritaError as exc:
        return redirect_back(path, exc)
    return redirect_back(path, notice="opinion recorded")


@router.post("/risk/reviews/{review_id}/opinions/{opinion_id}/resolve")
def resolve_opinion(
    review_id: Id,
    opinion_id: Id,
    note: Annotated[Note, Form()] = "",
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_OPINE)),
) -> Response:
    path = f"/risk/reviews/{review_id}"
    return redirect_after(
        path,
        lambda: product_reviews.resolve_opinion(ctx, opinion_id, note, actor=user),
        "control resolved",
    )


@router.post("/risk/reviews/{review_id}/decide")
def decide_review(
    review_id: Id,
    outcome: Annotated[Note, Form()],
    note: Annotated[Note, Form()] = "",
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_OPINE)),
) -> Response:
    path = f"/risk/reviews/{review_id}"
    return redirect_after(
        path,
        lambda: product_reviews.decide(ctx, review_id, outcome, note, actor=user),
        outcome.replace("_", " "),
    )


@router.post("/risk/reviews/{review_id}/launch")
def launch_review(
    review_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_LAUNCH)),
) -> Response:
    path = f"/risk/reviews/{review_id}"
    return redirect_after(
        path, lambda: product_reviews.launch(ctx, review_id, actor=user), "marked launched"
    )
