"""Screening API: screen one name or a batch, work matches and the good-guy list."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from integrita.domain.permissions import Permission
from integrita.domain.screening import Identifier, Subject
from integrita.http.deps import get_ctx, require
from integrita.http.fields import BodyId, Bool, Code, Id, Note, StrictModel, Version
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.screening import dispositions, points

router = APIRouter(tags=["screening"])


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(
        min_length=1, max_length=40, description="passport, national_id, registration …"
    )
    number: str = Field(min_length=1, max_length=64)


class SubjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255, description="In any script.")
    schema_: Literal["Person", "Company", "Organization", "LegalEntity"] = Field(
        default="Person", alias="schema"
    )
    birth_date: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    countries: list[str] = Field(default_factory=list, max_length=10)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=10)
    reference: str | None = Field(default=None, max_length=128)


class ScreeningRequest(BaseModel):
    """One subject (``subject``) or a batch (``subjects``, up to 1,000)."""

    model_config = ConfigDict(extra="forbid")
    subject: SubjectIn | None = None
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=1000)
    near_misses: bool = False
    limit: int = Field(default=10, ge=1, le=50)


class FeatureOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    value: float
    contribution: float
    explanation: str


class CandidateOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    snapshot_id: int
    entity_id: str
    schema_: str = Field(alias="schema")
    caption: str
    matched_name: str
    subject_name: str
    score: float
    is_match: bool
    features: list[FeatureOut]
    programmes: list[str]
    topics: list[str]


class ScreeningResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str | None
    name: str
    candidates: list[CandidateOut]


class ScreeningResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    results: list[ScreeningResult]


def _subject(body: SubjectIn) -> Subject:
    return Subject(
        name=body.name,
        schema=body.schema_,
        birth_date=body.birth_date,
        countries=tuple(c.upper() for c in body.countries),
        identifiers=tuple(Identifier(i.kind, i.number) for i in body.identifiers),
        reference=body.reference,
    )


def _candidate(c: points.CandidateView) -> CandidateOut:
    data = asdict(c)
    data["schema"] = data.pop("schema")
    return CandidateOut.model_validate(data)


@router.post("/v1/screenings", response_model=ScreeningResponse, response_model_by_alias=True)
def screen(
    body: ScreeningRequest,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SCREENING_RUN)),
) -> ScreeningResponse:
    """Screen one subject or a batch against every list in force; candidates best first."""
    from integrita.errors import InputError

    subjects = ([body.subject] if body.subject else []) + body.subjects
    if not subjects:
        raise InputError("send 'subject' or 'subjects'", field="subject")
    results = []
    for s in subjects:
        found = points.screen_name(
            ctx, _subject(s), actor=user, near_misses=body.near_misses, limit=body.limit
        )
        results.append(
            ScreeningResult(
                reference=s.reference, name=s.name, candidates=[_candidate(c) for c in found]
            )
        )
    return ScreeningResponse(results=results)


class MatchQuery(StrictModel):
    state: Code | None = None
    customer_id: Code | None = None


@router.get("/v1/screenings/matches", response_model=list[dispositions.MatchView])
def matches(
    query: Annotated[MatchQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SCREENING_READ)),
) -> list[dispositions.MatchView]:
    """Screening matches, newest first."""
    return dispositions.list_matches(
        ctx, actor=user, state=query.state, customer_id=query.customer_id
    )


class MatchAction(StrictModel):
    action: Literal["propose_true_match", "propose_false_positive", "approve", "return"]
    #: The version of the match the person was shown (a stale one is refused with 409).
    version: Version
    note: Annotated[Note, Field(max_length=2000)] = ""


@router.post("/v1/screenings/matches/{match_id}/actions", response_model=dispositions.MatchView)
def act_on_match(
    match_id: Id,
    body: MatchAction,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SCREENING_READ)),
) -> dispositions.MatchView:
    """Propose a disposition or approve/return one (never the proposer; server-enforced)."""
    return dispositions.dispose(
        ctx, match_id, body.action, actor=user, seen_version=body.version, note=body.note
    )


class GoodGuyIn(StrictModel):
    match_id: BodyId
    reason: Annotated[Note, Field(min_length=10, max_length=2000)]


@router.post("/v1/screenings/good-guys", status_code=201, response_model=dispositions.GoodGuyView)
def propose_good_guy(
    body: GoodGuyIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOOD_GUY_ADD)),
) -> dispositions.GoodGuyView:
    """Propose suppressing a confirmed false positive for its customer–entity pair."""
    return dispositions.propose_good_guy(ctx, body.match_id, body.reason, actor=user)


class GoodGuyDecision(StrictModel):
    approve: Bool


@router.post(
    "/v1/screenings/good-guys/{entry_id}/decision", response_model=dispositions.GoodGuyView
)
def decide_good_guy(
    entry_id: Id,
    body: GoodGuyDecision,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOOD_GUY_APPROVE)),
) -> dispositions.GoodGuyView:
    """A second person approves or rejects a good-guy entry."""
    return dispositions.decide_good_guy(ctx, entry_id, body.approve, actor=user)
