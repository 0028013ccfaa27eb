"""AML reviews of new products, businesses and channels, with reviewers' opinions on record.

A product owner submits; compliance reviewers add opinions (some require a
control, with a due date); a reviewer other than the submitter decides
(approved, approved with conditions, rejected); the product can be marked
launched only when approved and every required control is resolved.

Every step goes through the one workflow engine
(:data:`integrita.domain.product_review.PRODUCT_REVIEW_WORKFLOW`): the submitter never gives an
opinion on, confirms a control of, or decides their own review, whatever roles they hold.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from integrita.domain.product_review import DECISION_ACTIONS, PRODUCT_REVIEW_WORKFLOW
from integrita.domain.risk import NEW, REVIEW_OUTCOMES, ReviewKind, ReviewStatus
from integrita.domain.workflow import Actor
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor
from integrita.services.core.view_objects import view_of
from integrita.store import Session
from integrita.store.models import ProductReview, ProductReviewOpinion
from integrita.store.repositories import risk_documents as repo


@dataclass(frozen=True)
class OpinionView:
    id: int
    reviewer: str
    text: str
    required_control: str | None
    due_on: date | None
    resolved: bool
    resolved_by: str | None
    resolution_note: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReviewView:
    id: int
    reference: str
    kind: str
    title: str
    description: str
    target_customers: str
    channels: str
    cross_border: bool
    cash: bool
    third_party_payments: bool
    submitted_by: str
    submitted_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    launched_at: datetime | None
    opinions: list[OpinionView]

    @property
    def unresolved_controls(self) -> list[OpinionView]:
        return [o for o in self.opinions if o.required_control and not o.resolved]


def _opinion(o: ProductReviewOpinion) -> OpinionView:
    return view_of(OpinionView, o)


def _view(session: Session, r: ProductReview) -> ReviewView:
    opinions = [_opinion(o) for o in repo.opinions(session, r.id)]
    return view_of(ReviewView, r, opinions=opinions)


def _required(value: str, field: str, limit: int = 4000) -> str:
    text = value.strip()
    if not text:
        raise InputError(f"{field.replace('_', ' ')} is required", field=field)
    if len(text) > limit:
        raise InputError(
            f"{field.replace('_', ' ')} is longer than {limit} characters", field=field
        )
    return text


def submit(
    ctx: Context,
    *,
    actor: HasRoles,
    kind: str,
    title: str,
    description: str,
    target_customers: str,
    channels: str,
    cross_border: bool,
    cash: bool,
    third_party_payments: bool,
    demo: bool = False,
) -> ReviewView:
    """A product owner asks for the AML review of a new product, business or channel."""
    who = as_actor(actor)
    PRODUCT_REVIEW_WORKFLOW.check(NEW, "submit", who)
    try:
        parsed_kind = ReviewKind(kind)
    except ValueError as exc:
        raise InputError("kind must be product, business or channel", field="kind") from exc
    at = ctx.now()
    with ctx.db.transaction() as session:
        year = ctx.local_date(at).year
        sequence = repo.count_reviews_between(session, *ctx.year_bounds(year)) + 1
        reference = f"PR-{year}-{sequence:04d}"
        while repo.review_by_reference(session, reference) is not None:
            sequence += 1
            reference = f"PR-{year}-{sequence:04d}"
        row = repo.add_review(
            session,
            reference=reference,
            kind=parsed_kind.value,
            title=_required(title, "title", 255),
            description=_required(description, "description"),
            target_customers=_required(target_customers, "target_customers"),
            channels=_required(channels, "channels"),
            cross_border=cross_border,
            cash=cash,
            third_party_payments=third_party_payments,
            submitted_by=who.username,
            submitted_at=at,
            status=ReviewStatus.SUBMITTED.value,
            demo=demo,
        )
        _step(
            session,
            row,
            NEW,
            "submit",
            who,
            at,
            {"reference": reference, "kind": parsed_kind.value, "title": row.title},
        )
        return _view(session, row)


def _step(
    session: Session,
    row: ProductReview,
    state: str,
    action: str,
    who: Actor,
    at: datetime,
    after: dict[str, object],
) -> None:
    """Check and audit one step of the review (in the caller's transaction); the engine records
    the state the step leads to, so the trail reads as the review's history of states."""
    record = engine.RecordRef("product_review", row.id)
    engine.transition(
        session, PRODUCT_REVIEW_WORKFLOW, record, state, action, who, at=at, after=after
    )


def _check(session: Session, row: ProductReview, action: str, who: Actor) -> None:
    engine.check(
        session,
        PRODUCT_REVIEW_WORKFLOW,
        engine.RecordRef("product_review", row.id),
        row.status,
        action,
        who,
    )


def _get(session: Session, review_id: int) -> ProductReview:
    row = repo.get_review(session, review_id)
    if row is None:
        raise NotFoundError(f"no product review {review_id}")
    return row


def add_opinion(
    ctx: Context,
    review_id: int,
    *,
    actor: HasRoles,
    text: str,
    required_control: str | None = None,
    due_on: date | None = None,
) -> ReviewView:
    """A compliance reviewer records an opinion; a required control needs a due date."""
    who = as_actor(actor)
    at = ctx.now()
    control = (required_control or "").strip() or None
    if control is not None and due_on is None:
        raise InputError("a required control needs a due date", field="due_on")
    today = ctx.local_date()
    if due_on is not None and due_on < today:
        # A control due yesterday is overdue the moment it is set: a typing slip, not a plan.
        raise InputError(
            f"the control's due date {due_on.isoformat()} is in the past (today is "
            f"{today.isoformat()}); give a date from today on",
            field="due_on",
        )
    with ctx.db.transaction() as session:
        row = _get(session, review_id)
        _check(session, row, "add_opinion", who)
        opinion = repo.add_opinion(
            session,
            review_id=row.id,
            reviewer=who.username,
            text=_required(text, "text"),
            required_control=control,
            due_on=due_on,
            resolved=False,
            created_at=at,
        )
        _step(
            session,
            row,
            row.status,
            "add_opinion",
            who,
            at,
            {
                "opinion_id": opinion.id,
                "required_control": control,
                "due_on": due_on.isoformat() if due_on else None,
            },
        )
        return _view(session, row)


def resolve_opinion(ctx: Context, opinion_id: int, note: str, *, actor: HasRoles) -> ReviewView:
    """Compliance confirms that a required control is in place (not the review's submitter)."""
    who = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        opinion = repo.get_opinion(session, opinion_id)
        if opinion is None:
            raise NotFoundError(f"no opinion {opinion_id}")
        row = _get(session, opinion.review_id)
        _check(session, row, "resolve_opinion", who)
        if opinion.resolved:
            raise StateTransitionError(f"opinion {opinion_id} is already resolved")
        opinion.resolved, opinion.resolved_by, opinion.resolved_at = True, who.username, at
        opinion.resolution_note = _required(note, "note")
        _step(
            session,
            row,
            row.status,
            "resolve_opinion",
            who,
            at,
            {"opinion_id": opinion_id, "resolved": True, "note": opinion.resolution_note},
        )
        return _view(session, row)


def decide(ctx: Context, review_id: int, outcome: str, note: str, *, actor: HasRoles) -> ReviewView:
    """End the review: approved, approved with conditions or rejected (not by the submitter)."""
    who = as_actor(actor)
    try:
        parsed = ReviewStatus(outcome)
    except ValueError:
        parsed = ReviewStatus.SUBMITTED
    if parsed not in REVIEW_OUTCOMES:
        raise InputError(
            "outcome must be approved, approved_with_conditions or rejected", field="outcome"
        )
    action = DECISION_ACTIONS[parsed]
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _get(session, review_id)
        _check(session, row, action, who)
        opinions = repo.opinions(session, row.id)
        if not opinions:
            raise StateTransitionError(f"review {row.reference} has no opinion on record yet")
        open_controls = [o for o in opinions if o.required_control and not o.resolved]
        if parsed == ReviewStatus.APPROVED and open_controls:
            raise StateTransitionError(
                f"{len(open_controls)} required control(s) unresolved: approve with conditions instead"
            )
        if parsed != ReviewStatus.APPROVED and not note.strip():
            raise InputError("state the conditions or the reason", field="note")
        before = row.status
        row.status, row.decided_by, row.decided_at = parsed.value, who.username, at
        row.decision_note = note.strip() or None
        _step(session, row, before, action, who, at, {"note": row.decision_note})
        return _view(session, row)


def launch(ctx: Context, review_id: int, *, actor: HasRoles) -> ReviewView:
    """Mark the product launched: only once approved and with every required control resolved."""
    who = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _get(session, review_id)
        _check(session, row, "launch", who)
        open_controls = [
            o for o in repo.opinions(session, row.id) if o.required_control and not o.resolved
        ]
        if open_controls:
            names = "; ".join(f"#{o.id} {o.required_control}" for o in open_controls)
            raise StateTransitionError(
                f"cannot launch {row.reference}: required control(s) unresolved: {names}"
            )
        before = row.status
        row.status, row.launched_at = ReviewStatus.LAUNCHED.value, at
        _step(session, row, before, "launch", who, at, {"status": "launched"})
        return _view(session, row)


def get(ctx: Context, review_id: int) -> ReviewView:
    with ctx.db.transaction() as session:
        return _view(session, _get(session, review_id))


@dataclass(frozen=True)
class ReviewRow:
    id: int
    reference: str
    kind: str
    title: str
    submitted_by: str
    submitted_at: datetime
    status: str
    opinions: int
    unresolved_controls: int


def register(ctx: Context, status: str | None = None, limit: int = 500) -> list[ReviewRow]:
    """The register: every review with its opinion and open-control counts, newest first."""
    with ctx.db.transaction() as session:
        counts = repo.opinion_counts(session)
        return [
            ReviewRow(
                r.id,
                r.reference,
                r.kind,
                r.title,
                r.submitted_by,
                r.submitted_at,
                r.status,
                *counts.get(r.id, (0, 0)),
            )
            for r in repo.reviews(session, status, limit)
        ]


@dataclass(frozen=True)
class ReviewFigures:
    year: int
    reviews: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    opinions: int
    opinions_with_required_control: int
    controls_resolved: int
    controls_unresolved: int
    controls_overdue: int


def figures(ctx: Context, year: int) -> ReviewFigures:
    """Reviews submitted and opinions recorded in ``year``, counted from the records."""
    start, end = ctx.year_bounds(year)
    today = ctx.local_date()
    with ctx.db.transaction() as session:
        reviews = repo.reviews_between(session, start, end)
        opinions = repo.opinions_between(session, start, end)
    controls = [o for o in opinions if o.required_control]
    return ReviewFigures(
        year=year,
        reviews=len(reviews),
        by_kind=dict(Counter(r.kind for r in reviews)),
        by_status=dict(Counter(r.status for r in reviews)),
        opinions=len(opinions),
        opinions_with_required_control=len(controls),
        controls_resolved=sum(1 for o in controls if o.resolved),
        controls_unresolved=sum(1 for o in controls if not o.resolved),
        controls_overdue=sum(
            1 for o in controls if not o.resolved and o.due_on is not None and o.due_on < today
        ),
    )
