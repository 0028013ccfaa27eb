"""Governance registers API: /v1/governance/<register> — file, list, read, step, import, export.

Every register answers the same routes; the register's spec types the fields (sent as text, as
in a CSV cell) and its workflow decides who may take which step. The routes declare the widest
permission a register route needs; the workflow engine checks each step's own.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from integrita.domain.governance import REGISTERS, register_named
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import (
    BodyId,
    BoundedDate,
    Code,
    Id,
    KeyPath,
    Name,
    Note,
    StrictModel,
    Year,
)
from integrita.http.responses import attachment
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.governance import (
    disclosure,
    figures,
    imports,
    records,
    registers,
    trade_check,
)

router = APIRouter(prefix="/v1/governance", tags=["governance"])


class FieldOut(StrictModel):
    name: str
    label: str
    kind: str
    required: bool
    choices: list[str]
    protected: bool
    derived: bool


class RegisterOut(StrictModel):
    name: str
    label: str
    group: str
    description: str
    key: list[str]
    fields: list[FieldOut]
    states: list[str]
    actions: list[str]


@router.get("/registers", response_model=list[RegisterOut])
def list_registers(
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> list[RegisterOut]:
    """Every register with its fields, states and workflow steps."""
    return [
        RegisterOut(
            name=s.name,
            label=s.label,
            group=s.group,
            description=s.description,
            key=list(s.key),
            fields=[
                FieldOut(
                    name=f.name,
                    label=f.label,
                    kind=f.kind.value,
                    required=f.required,
                    choices=list(f.choices),
                    protected=f.protected,
                    derived=f.derived,
                )
                for f in s.fields
            ],
            states=sorted(s.workflow.states),
            actions=list(s.workflow.steps),
        )
        for s in REGISTERS.values()
    ]


class TradeCheckIn(StrictModel):
    day: BoundedDate = Field(description="The bank's local trade date to check.")


@router.post("/trade-checks", response_model=trade_check.TradeCheckResult)
def run_trade_check(
    body: TradeCheckIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_RECORD)),
) -> dict[str, Any]:
    """Check the day's reported staff trades; breaches raise alerts into case work."""
    return asdict(trade_check.check_trades(ctx, body.day, actor=user))


@router.get("/figures/suppliers", response_model=figures.SupplierFigures)
def supplier_figures(
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_READ)),
) -> dict[str, Any]:
    """Qualified suppliers and the domestic, home-province and home-city shares."""
    return asdict(figures.supplier_figures(ctx, actor=user))


class YearQuery(StrictModel):
    year: Year


class RateOut(StrictModel):
    unit: str
    enrolled: int
    completed: int
    percent: str


@router.get("/figures/training", response_model=list[RateOut])
def training_rates(
    query: Annotated[YearQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_READ)),
) -> list[RateOut]:
    """Integrity-training completion per unit."""
    return [
        RateOut(unit=r.unit, enrolled=r.enrolled, completed=r.completed, percent=str(r.percent))
        for r in figures.training_rates(ctx, query.year, actor=user)
    ]


class OverdueQuery(StrictModel):
    on: BoundedDate | None = None


class OverdueOut(StrictModel):
    exemptions: list[figures.OverdueItem]
    rectification_actions: list[figures.OverdueItem]
    ended_brand_terms: list[figures.OverdueItem]


@router.get("/overdue", response_model=OverdueOut)
def overdue(
    query: Annotated[OverdueQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_READ)),
) -> dict[str, Any]:
    """Brand-exemption reviews and rectification actions past due (business calendar), and
    brand authorisations whose term has ended."""
    return {
        "exemptions": [asdict(i) for i in figures.overdue_exemptions(ctx, actor=user, on=query.on)],
        "rectification_actions": [
            asdict(i) for i in figures.overdue_rectifications(ctx, actor=user, on=query.on)
        ],
        "ended_brand_terms": [
            asdict(i) for i in figures.ended_brand_terms(ctx, actor=user, on=query.on)
        ],
    }


class DrillRowOut(StrictModel):
    record_type: str
    record_id: str
    label: str
    url: str | None


class FigureOut(StrictModel):
    section: str
    key: str
    label: str
    value: str
    unit: str
    rows: list[DrillRowOut]
    denominator: int | None
    parent: str | None
    note: str


@router.get("/annual-figures", response_model=list[FigureOut])
def annual_figures(
    query: Annotated[YearQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_READ)),
) -> list[FigureOut]:
    """The registers' figures of the year for the annual pack, each with its records."""
    return [
        FigureOut(
            section=f.section,
            key=f.key,
            label=f.label,
            value=str(f.value),
            unit=f.unit.value,
            rows=[DrillRowOut(**asdict(r)) for r in f.rows],
            denominator=f.denominator,
            parent=f.parent,
            note=f.note,
        )
        for f in disclosure.annual_figures(ctx, query.year)
    ]


# -- one register ---------------------------------------------------------------------------------


class ListQuery(StrictModel):
    state: Code | None = None
    #: ``field=text`` filters, comma-separated (a record matches when its field contains text).
    where: Note = ""
    limit: int = Field(default=200, ge=1, le=1000)


@router.get("/{register}", response_model=list[records.RecordView])
def list_records(
    register: KeyPath,
    query: Annotated[ListQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> list[dict[str, Any]]:
    """The register's records, newest first (an employee sees only their own)."""
    found = registers.list_records(
        ctx,
        register,
        actor=user,
        state=query.state,
        filters=imports.parse_pairs(query.where, "where"),
        limit=query.limit,
    )
    return [asdict(r) for r in found]


class RecordIn(StrictModel):
    fields: dict[Code, Note] = Field(description="field name -> value as text")


@router.post("/{register}", status_code=201, response_model=registers.Filed)
def file_record(
    register: KeyPath,
    body: RecordIn,
    response: Response,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> dict[str, Any]:
    """File a record (idempotent on the register's natural key: 200 with the existing one)."""
    filed = registers.file_record(ctx, register, body.fields, actor=user)
    if not filed.created:
        response.status_code = 200
    return asdict(filed)


class ImportQuery(StrictModel):
    #: ``field=column`` pairs, comma-separated; unnamed fields read the column of their own name.
    mapping: Note = ""
    file_name: Name = "upload.csv"


@router.post("/{register}/imports", response_model=imports.ImportResult)
async def import_records(
    register: KeyPath,
    request: Request,
    query: Annotated[ImportQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_RECORD)),
) -> dict[str, Any]:
    """CSV body (UTF-8, header row); bad rows are quarantined with their line and reason."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the CSV must be UTF-8", field="file") from exc
    register_named(register)
    result = imports.import_csv(
        ctx,
        register,
        text,
        actor=user,
        file_name=query.file_name,
        mapping=imports.parse_pairs(query.mapping),
    )
    return asdict(result)


class ExportQuery(StrictModel):
    state: Code | None = None


@router.get("/{register}/export.csv", response_class=Response)
def export_records(
    register: KeyPath,
    query: Annotated[ExportQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_READ)),
) -> Response:
    """The register as CSV (protected fields left out)."""
    text = registers.export_csv(ctx, register, actor=user, state=query.state)
    return attachment(text, "text/csv", f"{register}.csv")


@router.get("/{register}/{record_id}", response_model=registers.RecordPage)
def get_record(
    register: KeyPath,
    record_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> dict[str, Any]:
    """A record, its history from the audit trail and the steps this person may take."""
    return asdict(registers.get_record(ctx, register, record_id, actor=user))


class StepIn(StrictModel):
    action: Code
    note: Note = ""
    fields: dict[Code, Note] = Field(default_factory=dict)
    version: BodyId | None = Field(default=None, description="The version approved (four-eyes).")


@router.post("/{register}/{record_id}/steps", response_model=records.RecordView)
def take_step(
    register: KeyPath,
    record_id: Id,
    body: StepIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> dict[str, Any]:
    """Take one workflow step; refused with the reason (403, 409) and nothing changed."""
    return asdict(
        registers.act(
            ctx,
            register,
            record_id,
            body.action,
            actor=user,
            changes=body.fields,
            note=body.note,
            seen_version=body.version,
        )
    )


class RevealIn(StrictModel):
    field: Code


class RevealedOut(StrictModel):
    field: str
    value: str


@router.post("/{register}/{record_id}/reveal", response_model=RevealedOut)
def reveal(
    register: KeyPath,
    record_id: Id,
    body: RevealIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.WHISTLEBLOWER_IDENTITY)),
) -> RevealedOut:
    """A protected value (the whistle-blower's identity); this view is audited."""
    value = registers.reveal_protected(ctx, register, record_id, body.field, actor=user)
    return RevealedOut(field=body.field, value=value)
