"""The filing registers: the deadline list, STRs by status and large-value records by status,
each with an "overdue only" filter; the overview's pipeline and backlog figures link here."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Note
from integrita.services.casework import deadlines, filings
from integrita.services.core import customer_names
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.web.listing import PAGE_SIZE, listing
from integrita.web.render import add_nav, page

router = APIRouter(include_in_schema=False)

add_nav("Deadlines", "/deadlines", Permission.STR_READ)
add_nav("STRs", "/strs", Permission.STR_READ)
add_nav("Large-value", "/large-value", Permission.STR_READ)


def _overdue(text: str) -> bool:
    if text not in ("", "true", "false"):
        raise InputError("overdue must be true or false", field="overdue")
    return text == "true"


def _register(
    request: Request,
    ctx: Context,
    user: UserView,
    *,
    kind: str,
    status: str,
    overdue: str,
) -> Response:
    register = filings.str_register if kind == "STR" else filings.large_value_register
    found = listing(
        request,
        lambda number: register(
            ctx, user, status=status, overdue=_overdue(overdue), page=number, size=PAGE_SIZE
        ),
        lambda: register(ctx, user, page=1, size=PAGE_SIZE),
    )
    return page(
        request,
        "casework/register.html",
        user,
        **found.context(),
        kind=kind,
        filters={"status": status, "overdue": overdue},
        statuses=(
            ["", filings.OPEN_STR, *filings.STR_STATUSES]
            if kind == "STR"
            else ["", "pending", "submitted"]
        ),
        today=ctx.local_date(),
        names=customer_names.names_for(ctx, user, [r.customer_id for r in found.result.rows]),
    )


@router.get("/strs", response_class=HTMLResponse)
def str_register(
    request: Request,
    status: Note = "",
    overdue: Note = "",
    user: UserView = Depends(require(Permission.STR_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """STRs by status (the pipeline from draft to filed), oldest due first."""
    return _register(request, ctx, user, kind="STR", status=status, overdue=overdue)


@router.get("/large-value", response_class=HTMLResponse)
def large_value_register(
    request: Request,
    status: Note = "",
    overdue: Note = "",
    user: UserView = Depends(require(Permission.STR_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Large-value records by status, oldest due first; ``overdue=true`` only those past due."""
    return _register(request, ctx, user, kind="LVR", status=status, overdue=overdue)


@router.get("/deadlines", response_class=HTMLResponse)
def deadlines_page(
    request: Request,
    user: UserView = Depends(require(Permission.CASE_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Overdue and due-soon STRs and large-value records, counted in working days."""
    listed = deadlines.deadlines(ctx, user)
    shown = [*listed.overdue, *listed.due_soon, *listed.later]
    names = customer_names.names_for(ctx, user, [d.customer_id for d in shown])
    return page(request, "casework/deadlines.html", user, deadlines=listed, names=names)
