"""What the case-work API accepts and answers: strict request models and declared answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from integrita.domain.casework import CaseAction, Decision
from integrita.http.fields import (
    BoundedDate,
    Code,
    Instant,
    Name,
    Note,
    Number,
    Page,
    PageSize,
    StrictModel,
    Year,
)
from integrita.http.responses import ViewOut


class AlertOut(ViewOut):
    id: int
    customer_id: str
    source: str
    raised_at: datetime
    typologies: list[str]
    score: float | None
    status: str
    case_id: int | None


class CaseOut(ViewOut):
    id: int
    customer_id: str
    state: str
    priority: str
    score: float | None
    alert_count: int
    typologies: list[str]
    assignee: str | None
    decision: str | None
    proposal_reason: str | None
    proposed_by: str | None
    reviewed_by: str | None
    review_comment: str | None
    opened_at: datetime
    updated_at: datetime


class AlertPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[AlertOut]


class CasePage(BaseModel):
    total: int
    page: int
    size: int
    items: list[CaseOut]


class NoteOut(BaseModel):
    id: int
    author: str
    body: str
    created_at: datetime


class EventOut(ViewOut):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: str | None
    after: str | None


class StrOut(ViewOut):
    id: int
    case_id: int
    customer_id: str
    status: str
    determined_at: datetime
    due_on: date
    content: dict[str, object]
    drafted_by: str | None
    version: int
    approved_by: str | None
    submitted_at: datetime | None
    submission_ref: str | None
    acknowledged_at: datetime | None
    fiu_ref_number: str | None
    transferred_at: datetime | None
    transferred_to: str | None
    filed_at: datetime | None
    filed_by: str | None
    closed_at: datetime | None


class CaseFileOut(BaseModel):
    case: CaseOut
    alerts: list[AlertOut]
    notes: list[NoteOut]
    reports: list[StrOut]
    timeline: list[EventOut]
    actions: list[str]


class OpenResultOut(BaseModel):
    cases_opened: int
    cases_updated: int
    alerts_attached: int


class TransitionIn(StrictModel):
    action: CaseAction
    decision: Decision | None = None
    reason: Note | None = None
    comment: Note | None = None


class NoteIn(StrictModel):
    body: Note


class AssignIn(StrictModel):
    assignee: Code


class StrEditIn(StrictModel):
    changes: dict[Code, Note] = Field(max_length=200)


class StrTransitionIn(StrictModel):
    action: Literal["approve", "submit", "acknowledge", "transfer", "file", "close"]
    reference: Name | None = Field(default=None, max_length=128)
    authority: Name | None = None
    on: Instant | None = None
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31,
        description="The STR version the approver read (required to approve).",
    )


class AlertQuery(StrictModel):
    status: Code | None = None
    customer_id: Code | None = None
    source: Code | None = None
    min_score: Number | None = None
    sort: Code = "score"
    page: Page = 1
    size: PageSize = 50


class CaseQuery(StrictModel):
    state: Code | None = None
    priority: Code | None = None
    assignee: Code | None = None
    customer_id: Code | None = None
    sort: Code = "priority"
    page: Page = 1
    size: PageSize = 50


class DeadlineQuery(StrictModel):
    today: BoundedDate | None = None


class YearQuery(StrictModel):
    year: Year


class AuditFilter(StrictModel):
    actor: Code | None = None
    action: Name | None = None
    entity_type: Code | None = None
    entity_id: Name | None = None
    since: Code | None = Field(default=None, description="YYYY-MM-DD or an ISO instant")
    until: Code | None = Field(default=None, description="YYYY-MM-DD or an ISO instant")


class AuditQuery(AuditFilter):
    page: Page = 1
    size: PageSize = 50


class LargeValueSubmittedOut(BaseModel):
    id: int
    status: str
    submission_ref: str | None


class SchemaErrorOut(BaseModel):
    path: str
    message: str


class DeadlineOut(BaseModel):
    kind: str
    record_id: int
    customer_id: str | None
    status: str
    due_on: date
    working_days_left: int | None = Field(
        description="None when the due date is in a year the business calendar does not know yet."
    )
    overdue: bool


class DeadlinesOut(BaseModel):
    today: date
    overdue: list[DeadlineOut]
    due_soon: list[DeadlineOut]
    later: list[DeadlineOut]
    calendar_warning: str | None = Field(
        default=None,
        description="Set from a month before a year whose official holiday list is not loaded.",
    )
