"""Governance register pages: the registers, one register's list (filters, filing, CSV import and
export), a record with its steps and history, the daily trade check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field, ValidationError

from integrita.domain.governance import REGISTERS, register_named
from integrita.domain.permissions import Permission
from integrita.errors import InputError, IntegritaError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import BoundedDate, Code, Id, KeyPath, LongText, Note, StrictModel
from integrita.http.responses import attachment
from integrita.services.core.context import Context
from integrita.services.core.permissions import permitted
from integrita.services.core.users import UserView
from integrita.services.governance import figures, imports, registers, trade_check
from integrita.web.render import add_nav, messages, page, redirect_after, redirect_back

router = APIRouter(include_in_schema=False)

add_nav("Governance registers", "/governance", Permission.GOVERNANCE_READ)
add_nav("My dealing requests", "/governance/dealing_request", Permission.GOVERNANCE_DECLARE)

#: Form inputs carrying a record's fields are named ``f_<field>`` (apart from the CSRF token).
FIELD_PREFIX = "f_"


class FieldsIn(StrictModel):
    fields: dict[Code, Note]


def _fields_from(form: Any) -> dict[str, str]:
    """The ``f_`` inputs of a posted form, through the same strict types as the API."""
    raw = {
        k.removeprefix(FIELD_PREFIX): v
        for k, v in form.items()
        if k.startswith(FIELD_PREFIX) and isinstance(v, str) and v.strip()
    }
    try:
        return dict(FieldsIn.model_validate({"fields": raw}).fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:])
        raise InputError(f"{first['msg']}", field=where or "fields") from None


@router.get("/governance", response_class=HTMLResponse)
def overview_page(
    request: Request,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_READ)),
) -> Response:
    """Every register by group with its record count; supplier shares; what is overdue."""
    counts = registers.overview(ctx, actor=user)
    groups: dict[str, list[tuple[Any, int]]] = {}
    for name, count in counts.items():
        spec = REGISTERS[name]
        groups.setdefault(spec.group, []).append((spec, count))
    return page(
        request,
        "governance/index.html",
        user,
        groups=groups,
        suppliers=figures.supplier_figures(ctx, actor=user),
        training=figures.training_rates(ctx, ctx.local_date().year, actor=user),
        exemptions=figures.overdue_exemptions(ctx, actor=user),
        rectifications=figures.overdue_rectifications(ctx, actor=user),
        ended_terms=figures.ended_brand_terms(ctx, actor=user),
        undeclared=figures.declarations_missing(ctx, ctx.local_date().year, actor=user),
        today=ctx.local_date(),
        can_check=permitted(user, Permission.GOVERNANCE_RECORD),
        **messages(request),
    )


@router.post("/governance/trade-check")
def run_trade_check(
    day: Annotated[BoundedDate, Form()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_RECORD)),
) -> Response:
    return redirect_after(
        "/governance",
        lambda: trade_check.check_trades(ctx, day, actor=user),
        lambda done: f"{day.isoformat()}: {done.checked} trades checked, "
        f"{done.flagged} flagged, {len(done.alert_ids)} alerts raised",
    )


@router.get("/governance/{register}", response_class=HTMLResponse)
def register_page(
    request: Request,
    register: KeyPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> Response:
    """One register: filter by state and fields, file a record, import or export CSV."""
    spec = register_named(register)
    state = request.query_params.get("state") or None
    filters = {n: request.query_params.get(n, "") for n in spec.filters}
    error = request.query_params.get("error")
    try:
        found = registers.list_records(ctx, register, actor=user, state=state, filters=filters)
    except InputError as exc:
        found, error = [], str(exc)
    return page(
        request,
        "governance/register.html",
        user,
        spec=spec,
        records=found,
        state=state or "",
        filters=filters,
        states=sorted(spec.workflow.states - {"new"}),
        can_file=permitted(user, spec.workflow.step(spec.create_actions[0]).permission),
        can_import=permitted(user, Permission.GOVERNANCE_RECORD),
        error=error,
        notice=request.query_params.get("notice"),
    )


@router.post("/governance/{register}")
async def file_record(
    request: Request,
    register: KeyPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> Response:
    path = f"/governance/{register}"
    form = await request.form()  # its fields are checked inside the step: a refusal comes back
    return redirect_after(
        path,
        lambda: registers.file_record(ctx, register, _fields_from(form), actor=user),
        lambda filed: "filed" if filed.created else "already on file",
        then=lambda filed: f"{path}/{filed.record.id}",
    )


@router.post("/governance/{register}/import")
def import_records(
    register: KeyPath,
    csv_text: Annotated[LongText, Form()],
    mapping: Annotated[Note, Form()] = "",
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_RECORD)),
) -> Response:
    path = f"/governance/{register}"
    try:
        done = imports.import_csv(
            ctx, register, csv_text, actor=user, mapping=imports.parse_pairs(mapping)
        )
    except IntegritaError as exc:
        return redirect_back(path, exc)
    lines = "; ".join(f"line {q.line}: {q.reason}" for q in done.rows[:10])
    return redirect_back(
        path,
        notice=f"read {done.read} = stored {done.stored} + duplicates {done.duplicates} + "
        f"quarantined {done.quarantined}" + (f" ({lines})" if lines else ""),
    )


@router.get("/governance/{register}/export.csv")
def export_records(
    register: KeyPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_READ)),
) -> Response:
    return attachment(
        registers.export_csv(ctx, register, actor=user), "text/csv", f"{register}.csv"
    )


def _record_page(
    request: Request, ctx: Context, user: UserView, register: str, record_id: int, **extra: Any
) -> Response:
    spec = register_named(register)
    found = registers.get_record(ctx, register, record_id, actor=user)
    return page(
        request,
        "governance/record.html",
        user,
        spec=spec,
        r=found.record,
        history=found.history,
        actions=[spec.workflow.step(a) for a in found.actions],
        can_reveal=spec.protected_reader is not None and permitted(user, spec.protected_reader),
        **messages(request),
        **extra,
    )


@router.get("/governance/{register}/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    register: KeyPath,
    record_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> Response:
    """A record: its fields, the steps this person may take, its history."""
    return _record_page(request, ctx, user, register, record_id)


@router.post("/governance/{register}/{record_id}/step")
async def take_step(
    request: Request,
    register: KeyPath,
    record_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.GOVERNANCE_DECLARE)),
) -> Response:
    path = f"/governance/{register}/{record_id}"
    form = await request.form()
    try:
        fixed = StepForm.model_validate(
            {k: form.get(k) for k in ("action", "note", "version") if form.get(k) is not None}
        )
        registers.act(
            ctx,
            register,
            record_id,
            fixed.action,
            actor=user,
            changes=_fields_from(form),
            note=fixed.note,
            seen_version=int(fixed.version) if fixed.version else None,
        )
    except ValidationError as exc:
        return redirect_back(path, InputError(str(exc.errors()[0]["msg"]), field="action"))
    except IntegritaError as exc:
        return redirect_back(path, exc)
    return redirect_back(path, notice=f"{fixed.action.replace('_', ' ')}: done")


class StepForm(StrictModel):
    action: Code
    note: Note = ""
    version: Annotated[str, Field(pattern=r"^[0-9]{0,9}$")] = ""


@router.post("/governance/{register}/{record_id}/reveal", response_class=HTMLResponse)
def reveal(
    request: Request,
    register: KeyPath,
    record_id: Id,
    field: Annotated[Code, Form()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.WHISTLEBLOWER_IDENTITY)),
) -> Response:
    """Show a protected value on the record page (this view is audited)."""
    try:
        value = registers.reveal_protected(ctx, register, record_id, field, actor=user)
    except IntegritaError as exc:
        return redirect_back(f"/governance/{register}/{record_id}", exc)
    return _record_page(request, ctx, user, register, record_id, revealed={field: value})
