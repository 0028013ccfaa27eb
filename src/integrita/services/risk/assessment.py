"""The annual self-assessment: drafted from the data, adjusted, answered, reviewed and signed.

Each assessment is a versioned document. Drafting a new version for a year
supersedes any unsigned version of that year; a signed version is never
changed (corrections are a new version, which supersedes it once signed).

Every step goes through the one workflow engine
(:data:`integrita.domain.self_assessment.ASSESSMENT_WORKFLOW`): whoever drafted or changed a
version neither reviews nor signs it, and a review or signature binds to the revision seen (each
adjustment or answer is a new revision). A one-MLRO bank has its MLRO's own assessment signed by a
deputy MLRO named through delegation (:mod:`integrita.services.core.delegations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.analytics.risk_features import institution_ledger_mix
from integrita.domain import self_assessment as method
from integrita.domain.risk import BAND_ORDER, DIMENSIONS, NEW, AssessmentStatus
from integrita.domain.self_assessment import ASSESSMENT_WORKFLOW
from integrita.domain.workflow import AUTHORS, Actor
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.core.permissions import HasRoles, as_actor
from integrita.services.core.view_objects import view_of
from integrita.services.risk.configuration import current_config
from integrita.store import Session
from integrita.store.models import RiskSelfAssessment
from integrita.store.repositories import risk as rating_repo
from integrita.store.repositories import risk_documents as repo


@dataclass(frozen=True)
class AssessmentView:
    id: int
    year: int
    version: int
    status: str
    body: dict[str, Any]
    drafted_by: str
    drafted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    signed_by: str | None
    signed_at: datetime | None
    #: Each adjustment or answer makes a new revision; a review or signature names the one seen.
    revision: int = 1


def _record(row: RiskSelfAssessment) -> engine.RecordRef:
    return engine.RecordRef("risk_self_assessment", row.id)


def _revision(session: Session, row: RiskSelfAssessment) -> int:
    """How many times the version was written (drafted, then each adjustment and answer)."""
    return sum(1 for p in engine.history(session, _record(row)) if p.involvement in AUTHORS)


def _step(
    session: Session,
    row: RiskSelfAssessment,
    action: str,
    who: Actor,
    at: datetime,
    after: dict[str, object],
    *,
    seen_revision: int | None = None,
) -> str:
    """Check and audit one step of ``row`` (in the caller's transaction); returns the new status.

    A review or signature that names the revision it saw is refused once the draft has changed
    since; one that names none is taken on the revision current now.
    """
    state = NEW if action == "draft" else row.status
    current = None if state == NEW else _revision(session, row)
    step = engine.transition(
        session,
        ASSESSMENT_WORKFLOW,
        _record(row),
        state,
        action,
        who,
        at=at,
        before={"status": state},
        after=after,
        seen_version=current if seen_revision is None else seen_revision,
        current_version=current,
    )
    return str(step.target or state)


def _view(row: RiskSelfAssessment, revision: int = 1) -> AssessmentView:
    return view_of(AssessmentView, row, body=dict(row.body), revision=revision)


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def institution_metrics(ctx: Context, session: Session, year: int) -> dict[str, dict[str, float]]:
    """The inherent-risk inputs, computed from the institution's own data for ``year``."""
    config = current_config(session, ctx.now())
    mix = rating_repo.customer_mix(session)
    customers = float(mix["customers"])
    bands = rating_repo.effective_band_counts(session)
    rated = float(sum(bands.values()))
    high = float(bands.get("high", 0) + bands.get("prohibited", 0))
    accounts = rating_repo.account_type_counts(session)
    total_accounts = float(sum(accounts.values()))
    risky = float(
        sum(
            n
            for t, n in accounts.items()
            if float(config.body["product_scores"].get(t, 0.0)) >= 0.5
        )
    )
    ledger = institution_ledger_mix(
        open_ledger(ctx),
        start=ctx.year_bounds(year)[0],
        end=ctx.year_bounds(year)[1],
        high_risk_countries=config.body["high_risk_countries"],
    )
    return {
        "customers": {
            "high_risk_customer_share": _share(high, rated),
            "pep_share": _share(mix["peps"], customers),
            "organisation_share": _share(mix["organisations"], customers),
            "customers": customers,
            "rated_customers": rated,
            **{f"band_{b.value}": float(bands.get(b.value, 0)) for b in BAND_ORDER},
        },
        "geography": {
            "cross_border_share": round(ledger["cross_border_share"], 4),
            "high_risk_country_share": round(ledger["high_risk_country_share"], 4),
            "foreign_customer_share": _share(
                max(mix["foreign_nationality"], mix["foreign_residence"]), customers
            ),
            "transactions": ledger["transactions"],
        },
        "products_and_services": {
            "high_risk_product_share": _share(risky, total_accounts),
            "cash_share": round(ledger["cash_share"], 4),
            "accounts": total_accounts,
        },
        "channels": {
            "non_face_to_face_share": _share(mix["non_face_to_face"], customers),
            "representative_share": _share(mix["representative"], customers),
            "remote_channel_share": round(ledger["remote_channel_share"], 4),
        },
    }


def draft(
    ctx: Context, year: int, *, actor: HasRoles, config: dict[str, Any] | None = None
) -> AssessmentView:
    """Draft a new version for ``year`` from the data; unsigned earlier versions are superseded."""
    who = as_actor(actor)
    ASSESSMENT_WORKFLOW.check(NEW, "draft", who)
    if not 2000 <= year <= 2100:
        raise InputError("year must be between 2000 and 2100", field="year")
    at = ctx.now()
    with ctx.db.transaction() as session:
        body = method.new_body(year, institution_metrics(ctx, session, year), config)
        for old in repo.assessments(session, year):
            if old.status in (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED):
                old.status = _step(session, old, "supersede", who, at, {"year": year})
        version = repo.latest_version(session, year) + 1
        row = repo.add_assessment(
            session,
            year=year,
            version=version,
            status=AssessmentStatus.DRAFT.value,
            body=body,
            drafted_by=who.username,
            drafted_at=at,
        )
        _step(
            session,
            row,
            "draft",
            who,
            at,
            {"year": year, "version": version, "residual": body["residual"]},
        )
        return _view(row, _revision(session, row))


def _get(session: Session, assessment_id: int) -> RiskSelfAssessment:
    row = repo.get_assessment(session, assessment_id)
    if row is None:
        raise NotFoundError(f"no self-assessment {assessment_id}")
    return row


def _open_draft(session: Session, assessment_id: int) -> RiskSelfAssessment:
    row = _get(session, assessment_id)
    if row.status != AssessmentStatus.DRAFT:
        raise StateTransitionError(
            f"self-assessment {assessment_id} is {row.status}; only a draft can change"
        )
    return row


def adjust(
    ctx: Context, assessment_id: int, dimension: str, steps: int, reason: str, *, actor: HasRoles
) -> AssessmentView:
    """The assessor's adjustment of one dimension's inherent level, with the reason on record."""
    who = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _open_draft(session, assessment_id)
        before = row.body["inherent"][dimension]["level"] if dimension in DIMENSIONS else None
        row.body = method.adjust(dict(row.body), dimension, steps, reason)
        _step(
            session,
            row,
            "adjust",
            who,
            at,
            {
                "dimension": dimension,
                "steps": steps,
                "reason": reason,
                "level_before": before,
                "level": row.body["inherent"][dimension]["level"],
            },
        )
        return _view(row, _revision(session, row))


def answer(
    ctx: Context,
    assessment_id: int,
    area: str,
    index: int,
    value: str,
    evidence: str,
    *,
    actor: HasRoles,
) -> AssessmentView:
    """Answer one control question (yes / partly / no) with its evidence."""
    who = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _open_draft(session, assessment_id)
        row.body = method.answer(dict(row.body), area, index, value, evidence)
        _step(session, row, "answer", who, at, {"area": area, "index": index, "answer": value})
        return _view(row, _revision(session, row))


def review(
    ctx: Context, assessment_id: int, *, actor: HasRoles, seen_revision: int | None = None
) -> AssessmentView:
    """A reviewer who neither drafted nor changed it marks a complete draft as reviewed."""
    who = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _get(session, assessment_id)
        engine.check(session, ASSESSMENT_WORKFLOW, _record(row), row.status, "review", who)
        missing = method.unanswered(dict(row.body))
        if missing:
            raise StateTransitionError(f"unanswered control questions: {', '.join(missing)}")
        row.status = _step(session, row, "review", who, at, {}, seen_revision=seen_revision)
        row.reviewed_by, row.reviewed_at = who.username, at
        return _view(row, _revision(session, row))


def sign(
    ctx: Context, assessment_id: int, *, actor: HasRoles, seen_revision: int | None = None
) -> AssessmentView:
    """The MLRO (or their deputy) signs a reviewed version they neither drafted nor changed; an
    earlier signed version of the year is superseded."""
    who = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _get(session, assessment_id)
        status = _step(
            session,
            row,
            "sign",
            who,
            at,
            {"residual": row.body["residual"]},
            seen_revision=seen_revision,
        )
        for old in repo.assessments(session, row.year):
            if old.id != row.id and old.status == AssessmentStatus.SIGNED:
                old.status = _step(session, old, "supersede", who, at, {"by": row.id})
        row.status, row.signed_by, row.signed_at = status, who.username, at
        return _view(row, _revision(session, row))


def get(ctx: Context, assessment_id: int) -> AssessmentView:
    with ctx.db.transaction() as session:
        row = _get(session, assessment_id)
        return _view(row, _revision(session, row))


def list_assessments(ctx: Context, year: int | None = None) -> list[AssessmentView]:
    with ctx.db.transaction() as session:
        return [_view(r) for r in repo.assessments(session, year)]


def _current_for_year(session: Session, year: int) -> RiskSelfAssessment | None:
    """The signed version of a year, else its newest non-superseded version."""
    rows = repo.assessments(session, year)
    signed = [r for r in rows if r.status == AssessmentStatus.SIGNED]
    if signed:
        return signed[0]
    live = [r for r in rows if r.status != AssessmentStatus.SUPERSEDED]
    return live[0] if live else None


def _signed_for_year(session: Session, year: int) -> RiskSelfAssessment | None:
    return next(
        (r for r in repo.assessments(session, year) if r.status == AssessmentStatus.SIGNED), None
    )


@dataclass(frozen=True)
class ComparisonLine:
    dimension: str
    inherent_score: float
    previous_inherent_score: float | None
    inherent_level: str
    previous_inherent_level: str | None
    residual: str
    previous_residual: str | None

    @property
    def change(self) -> str:
        if self.previous_residual is None:
            return "no signed baseline"
        order = ("low", "medium", "high")
        delta = order.index(self.residual) - order.index(self.previous_residual)
        return "worse" if delta > 0 else "better" if delta < 0 else "same"


def compare(ctx: Context, year: int) -> list[ComparisonLine]:
    """Year-on-year: this year's assessment against last year's *signed* one, per dimension.

    An unsigned draft of last year is no baseline (it may be a draft of a year without data);
    with no signed assessment of last year, the previous columns are empty.
    """
    with ctx.db.transaction() as session:
        now, before = _current_for_year(session, year), _signed_for_year(session, year - 1)
        if now is None:
            raise NotFoundError(f"no self-assessment for {year}")
        lines = []
        for dim in DIMENSIONS:
            cur = now.body["inherent"][dim]
            prev = before.body["inherent"][dim] if before is not None else None
            lines.append(
                ComparisonLine(
                    dim,
                    float(cur["score"]),
                    float(prev["score"]) if prev else None,
                    cur["level"],
                    prev["level"] if prev else None,
                    now.body["residual"][dim],
                    before.body["residual"][dim] if before is not None else None,
                )
            )
        return lines
