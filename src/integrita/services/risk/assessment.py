"""The annual self-assessment: drafted from the data, adjusted, answered, reviewed and signed.

Each assessment is a versioned document. Drafting a new version for a year
supersedes any unsigned version of that year; a signed version is never
changed (corrections are a new version, which supersedes it once signed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.analytics.risk_features import institution_ledger_mix
from integrita.domain import self_assessment as method
from integrita.domain.permissions import Permission
from integrita.domain.risk import BAND_ORDER, DIMENSIONS, AssessmentStatus
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.core.permissions import ensure_permitted
from integrita.services.core.users import UserView
from integrita.services.risk.rating import current_config
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


def _view(row: RiskSelfAssessment) -> AssessmentView:
    return AssessmentView(
        row.id,
        row.year,
        row.version,
        row.status,
        dict(row.body),
        row.drafted_by,
        row.drafted_at,
        row.reviewed_by,
        row.reviewed_at,
        row.signed_by,
        row.signed_at,
    )


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
    ctx: Context, year: int, *, actor: UserView, config: dict[str, Any] | None = None
) -> AssessmentView:
    """Draft a new version for ``year`` from the data; unsigned earlier versions are superseded."""
    ensure_permitted(actor, Permission.ASSESSMENT_DRAFT)
    if not 2000 <= year <= 2100:
        raise InputError("year must be between 2000 and 2100", field="year")
    at = ctx.now()
    with ctx.db.transaction() as session:
        body = method.new_body(year, institution_metrics(ctx, session, year), config)
        for old in repo.assessments(session, year):
            if old.status in (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED):
                old.status = AssessmentStatus.SUPERSEDED.value
        version = repo.latest_version(session, year) + 1
        row = repo.add_assessment(
            session,
            year=year,
            version=version,
            status=AssessmentStatus.DRAFT.value,
            body=body,
            drafted_by=actor.username,
            drafted_at=at,
        )
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="risk.assessment_drafted",
            entity_type="risk_self_assessment",
            entity_id=row.id,
            after={"year": year, "version": version, "residual": body["residual"]},
        )
        return _view(row)


def _open_draft(session: Session, assessment_id: int) -> RiskSelfAssessment:
    row = repo.get_assessment(session, assessment_id)
    if row is None:
        raise NotFoundError(f"no self-assessment {assessment_id}")
    if row.status != AssessmentStatus.DRAFT:
        raise StateTransitionError(
            f"self-assessment {assessment_id} is {row.status}; only a draft can change"
        )
    return row


def adjust(
    ctx: Context, assessment_id: int, dimension: str, steps: int, reason: str, *, actor: UserView
) -> AssessmentView:
    """The assessor's adjustment of one dimension's inherent level, with the reason on record."""
    ensure_permitted(actor, Permission.ASSESSMENT_DRAFT)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _open_draft(session, assessment_id)
        before = row.body["inherent"][dimension]["level"] if dimension in DIMENSIONS else None
        row.body = method.adjust(dict(row.body), dimension, steps, reason)
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="risk.assessment_adjusted",
            entity_type="risk_self_assessment",
            entity_id=row.id,
            before={"level": before},
            after={
                "dimension": dimension,
                "steps": steps,
                "reason": reason,
                "level": row.body["inherent"][dimension]["level"],
            },
        )
        return _view(row)


def answer(
    ctx: Context,
    assessment_id: int,
    area: str,
    index: int,
    value: str,
    evidence: str,
    *,
    actor: UserView,
) -> AssessmentView:
    """Answer one control question (yes / partly / no) with its evidence."""
    ensure_permitted(actor, Permission.ASSESSMENT_DRAFT)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _open_draft(session, assessment_id)
        row.body = method.answer(dict(row.body), area, index, value, evidence)
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="risk.assessment_answered",
            entity_type="risk_self_assessment",
            entity_id=row.id,
            after={"area": area, "index": index, "answer": value},
        )
        return _view(row)


def review(ctx: Context, assessment_id: int, *, actor: UserView) -> AssessmentView:
    """A reviewer other than the drafter marks a complete draft as reviewed."""
    ensure_permitted(actor, Permission.ASSESSMENT_REVIEW)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _open_draft(session, assessment_id)
        if row.drafted_by == actor.username:
            raise StateTransitionError(
                "four-eyes: the drafter cannot review their own self-assessment"
            )
        missing = method.unanswered(dict(row.body))
        if missing:
            raise StateTransitionError(f"unanswered control questions: {', '.join(missing)}")
        row.status, row.reviewed_by, row.reviewed_at = (
            AssessmentStatus.REVIEWED.value,
            actor.username,
            at,
        )
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="risk.assessment_reviewed",
            entity_type="risk_self_assessment",
            entity_id=row.id,
            before={"status": "draft"},
            after={"status": "reviewed"},
        )
        return _view(row)


def sign(ctx: Context, assessment_id: int, *, actor: UserView) -> AssessmentView:
    """The MLRO signs a reviewed version; an earlier signed version of the year is superseded."""
    ensure_permitted(actor, Permission.ASSESSMENT_SIGN)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_assessment(session, assessment_id)
        if row is None:
            raise NotFoundError(f"no self-assessment {assessment_id}")
        if row.status != AssessmentStatus.REVIEWED:
            raise StateTransitionError(
                f"only a reviewed self-assessment can be signed; this one is {row.status}"
            )
        if actor.username == row.drafted_by:
            raise StateTransitionError(
                "four-eyes: the drafter cannot sign their own self-assessment"
            )
        for old in repo.assessments(session, row.year):
            if old.id != row.id and old.status == AssessmentStatus.SIGNED:
                old.status = AssessmentStatus.SUPERSEDED.value
        row.status, row.signed_by, row.signed_at = AssessmentStatus.SIGNED.value, actor.username, at
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="risk.assessment_signed",
            entity_type="risk_self_assessment",
            entity_id=row.id,
            before={"status": "reviewed"},
            after={"status": "signed", "residual": row.body["residual"]},
        )
        return _view(row)


def get(ctx: Context, assessment_id: int) -> AssessmentView:
    with ctx.db.transaction() as session:
        row = repo.get_assessment(session, assessment_id)
        if row is None:
            raise NotFoundError(f"no self-assessment {assessment_id}")
        return _view(row)


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
            return "new"
        order = ("low", "medium", "high")
        delta = order.index(self.residual) - order.index(self.previous_residual)
        return "worse" if delta > 0 else "better" if delta < 0 else "same"


def compare(ctx: Context, year: int) -> list[ComparisonLine]:
    """Year-on-year: this year's assessment against last year's, per dimension."""
    with ctx.db.transaction() as session:
        now, before = _current_for_year(session, year), _current_for_year(session, year - 1)
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
