"""The hold queue: payments held for review, released or rejected by an analyst or reviewer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from integrita.domain.permissions import Permission
from integrita.errors import IntegritaError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Note
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.realtime import payments
from integrita.web.render import add_nav, page

router = APIRouter(include_in_schema=False)

add_nav("Held payments", "/payments/holds", Permission.HOLD_DECIDE)


@router.get("/payments/holds", response_class=HTMLResponse)
def holds_page(
    request: Request,
    message: str | None = None,
    user: UserView = Depends(require(Permission.HOLD_DECIDE)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Held payments, oldest first, each with release and reject."""
    return page(
        request,
        "realtime/holds.html",
        user,
        holds=payments.hold_queue(ctx),
        message=message,
        error=None,
    )


@router.post("/payments/holds/{txn_id}", response_class=HTMLResponse)
def review_hold(
    request: Request,
    txn_id: str,
    decision: Annotated[Note, Form()],
    note: Annotated[Note, Form()] = "",
    user: UserView = Depends(require(Permission.HOLD_DECIDE)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Release or reject one held payment (the role is checked again here, on the server)."""
    try:
        if decision not in ("release", "reject"):
            raise IntegritaError("decision must be release or reject")
        status = payments.review_hold(
            ctx, txn_id, decision == "release", user=user, note=note[:500]
        )
    except IntegritaError as exc:
        return page(
            request,
            "realtime/holds.html",
            user,
            status_code=409,
            holds=payments.hold_queue(ctx),
            message=None,
            error=str(exc),
        )
    return RedirectResponse(f"/payments/holds?message={txn_id}+{status}", status_code=303)
