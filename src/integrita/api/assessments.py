"""Self-assessment API: read a version, review it and sign it (the workflow engine decides who may)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from integrita.domain.permissions import Permission
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Id, StrictModel
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.risk import assessment

router = APIRouter(prefix="/v1/risk/assessments", tags=["risk"])


class AssessmentOut(BaseModel):
    id: int
    year: int
    version: int
    revision: int
    status: str
    drafted_by: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    signed_by: str | None
    signed_at: datetime | None
    residual: dict[str, str]


class SeenIn(StrictModel):
    #: The revision the person read; refused when the draft changed since.
    seen_revision: int | None = Field(default=None, ge=1, le=2**31 - 1)


def _out(view: assessment.AssessmentView) -> AssessmentOut:
    return AssessmentOut(
        id=view.id,
        year=view.year,
        version=view.version,
        revision=view.revision,
        status=view.status,
        drafted_by=view.drafted_by,
        reviewed_by=view.reviewed_by,
        reviewed_at=view.reviewed_at,
        signed_by=view.signed_by,
        signed_at=view.signed_at,
        residual=dict(view.body.get("residual", {})),
    )


@router.get("/{assessment_id}", response_model=AssessmentOut)
def get_assessment(
    assessment_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> AssessmentOut:
    """One version of the self-assessment with its revision and who reviewed and signed it."""
    return _out(assessment.get(ctx, assessment_id))


@router.post("/{assessment_id}/review", response_model=AssessmentOut)
def review(
    assessment_id: Id,
    body: SeenIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ASSESSMENT_REVIEW)),
) -> AssessmentOut:
    """Mark a complete draft reviewed (never by whoever drafted or changed it)."""
    return _out(assessment.review(ctx, assessment_id, actor=user, seen_revision=body.seen_revision))


@router.post("/{assessment_id}/signature", response_model=AssessmentOut)
def sign(
    assessment_id: Id,
    body: SeenIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.ASSESSMENT_SIGN)),
) -> AssessmentOut:
    """Sign a reviewed version: the MLRO, or a deputy MLRO named for the period, never its drafter."""
    return _out(assessment.sign(ctx, assessment_id, actor=user, seen_revision=body.seen_revision))
