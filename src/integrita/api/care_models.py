"""What the customer-care API accepts and answers: strict request models and declared answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from integrita.http.fields import (
    BodyId,
    Code,
    Fraction,
    Instant,
    LongText,
    Name,
    Note,
    Score,
    SmallInt,
    StrictModel,
    Weight,
)

# -- requests ---------------------------------------------------------------------------------------


class AttachmentIn(StrictModel):
    filename: Name
    content_base64: str = Field(max_length=14_000_000)


class ComplaintIn(StrictModel):
    customer_id: Code
    channel: Code
    category: Code
    severity: Code
    description: LongText
    product: Name | None = None
    order_id: Code | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    received_at: Instant | None = None


class TransitionFieldsIn(StrictModel):
    """What a step may carry; each step needs some of these (the service says which)."""

    reason: Note | None = None
    duplicate_of: BodyId | None = None
    department: Code | None = None
    root_cause: Note | None = None
    corrective_action: Note | None = None
    preventive_action: Note | None = None
    meeting_record: Note | None = None
    note: Note | None = None
    outcome: Note | None = None
    satisfaction: Score | None = None


class TransitionIn(StrictModel):
    action: Code
    fields: TransitionFieldsIn = Field(default_factory=TransitionFieldsIn)


class PauseIn(StrictModel):
    reason: Note


class DepartmentIn(StrictModel):
    code: Code
    name: Name
    head: Code | None = None


class RoutingRuleIn(StrictModel):
    category: Code
    product: Name | None = None
    department: Code


class DimensionIn(StrictModel):
    key: Code
    label: Name
    group: Code
    weight: Weight


class SurveyIn(StrictModel):
    name: Name
    fraction: Fraction = 0.10
    seed: SmallInt = 0
    mode: Code = "internal"
    #: Omit for the default dimensions (product quality, service, delivery, price).
    dimensions: list[DimensionIn] | None = Field(default=None, max_length=50)


class ResponseIn(StrictModel):
    customer_id: Code
    answers: dict[str, Score] = Field(max_length=50)


class NoteIn(StrictModel):
    kind: Code
    text: Note


class ComplaintQuery(StrictModel):
    state: Code | None = None
    department: Code | None = None


class HistoryImportQuery(StrictModel):
    mapping: Code = Field(description="A shipped mapping by name, e.g. cfpb")


class MonthQuery(StrictModel):
    month: Code | None = Field(default=None, description="YYYY-MM")


# -- answers ---------------------------------------------------------------------------------------


class FiledOut(BaseModel):
    id: int
    state: str


class ImportedIdsOut(BaseModel):
    imported: int
    ids: list[int]


class ImportedOut(BaseModel):
    imported: int


class HistoryImportOut(BaseModel):
    """The reconciliation of a history import: read = imported + already present + quarantined."""

    run_id: int
    rows_read: int
    imported: int
    already_present: int
    quarantined: int
    ids: list[int]
    problems: list[dict[str, Any]]


class ComplaintOut(BaseModel):
    id: int
    customer_id: str
    product: str | None
    order_id: str | None
    channel: str
    category: str
    severity: str
    description: str
    attachments: list[Any]
    state: str
    validity: str | None
    invalid_reason: str | None
    duplicate_of_id: int | None
    department_id: int | None
    received_at: datetime
    first_response_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    resolution_seconds: float | None
    paused_since: datetime | None
    first_response_breached: bool
    resolution_breached: bool
    root_cause: str | None
    corrective_action: str | None
    preventive_action: str | None
    meeting_record: str | None
    qa_note: str | None
    qa_failures: int
    outcome: str | None
    satisfaction: int | None
    reopen_count: int
    closed_at: datetime | None


class PauseOut(BaseModel):
    started_at: datetime
    ended_at: datetime | None
    reason: str | None


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: str | None


class ComplaintFileOut(ComplaintOut):
    department: str | None
    pauses: list[PauseOut]
    history: list[HistoryOut]


class StateOut(BaseModel):
    id: int
    state: str


class PausedOut(BaseModel):
    id: int
    paused: bool


class EscalationOut(BaseModel):
    complaint_id: int
    kind: str
    round: int
    escalated_at: datetime
    department: str | None
    head: str | None
    state: str


class CreatedOut(BaseModel):
    id: int


class RoutingRuleOut(BaseModel):
    category: str
    product: str | None
    department: str


class RemindersOut(BaseModel):
    reminders: int


class SurveyResponseOut(BaseModel):
    survey_id: int
    customer_id: str


class NoteOut(BaseModel):
    customer_id: str
    kind: str
