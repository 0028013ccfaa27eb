"""The hold queue (payments held for review, released or rejected by an analyst or reviewer)
and the outbox's dead letters (messages that failed every attempt, replayed by an
administrator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from integrita.domain.permissions import Permission
from integrita.errors import IntegritaError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Id, Note
from integrita.services.core import customer_names, outbox
from integrita.services.core.context import Context
from integrita.services.core.permissions import permitted
from integrita.services.core.users import UserView
from integrita.services.realtime import decision_register, payments
from integrita.web.listing import PAGE_SIZE, listing
from integrita.web.render import add_nav, page

router = APIRouter(include_in_schema=False)

add_nav("Held payments", "/payments/holds", Permission.HOLD_DECIDE)
add_nav("Payment decisions", "/payments/decisions", Permission.PAYMENT_READ)


@router.get("/payments/decisions", response_class=HTMLResponse)
def decisions_page(
    request: Request,
    decision: Note = "",
    status: Note = "",
    within_hours: Note = "",
    user: UserView = Depends(require(Permission.PAYMENT_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Real-time decisions by outcome, status and recency (last day or week), newest first."""
    found = listing(
        request,
        lambda number: decision_register.decisions(
            ctx,
            user,
            decision=decision,
            status=status,
            within_hours=int(within_hours) if within_hours else None,
            page=number,
            size=PAGE_SIZE,
        ),
        lambda: decision_register.decisions(ctx, user, page=1, size=PAGE_SIZE),
        unreadable="within_hours must be 24 or 168",
    )
    return page(
        request,
        "realtime/decisions.html",
        user,
        **found.context(),
        filters={"decision": decision, "status": status, "within_hours": within_hours},
        outcomes=decision_register.OUTCOMES,
        statuses=decision_register.STATUSES,
        names=customer_names.names_for(ctx, user, [r.customer_id for r in found.result.rows]),
    )


add_nav("Dead letters", "/outbox/dead-letters", Permission.OUTBOX_READ)


@router.get("/payments/holds", response_class=HTMLResponse)
def holds_page(
    request: Request,
    message: str | None = None,
    user: UserView = Depends(require(Permission.HOLD_DECIDE)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Held payments, oldest first, each with release and reject."""
    holds = payments.hold_queue(ctx)
    return page(
        request,
        "realtime/holds.html",
        user,
        holds=holds,
        names=customer_names.names_for(ctx, user, [h["customer_id"] for h in holds]),
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
        holds = payments.hold_queue(ctx)
        return page(
            request,
            "realtime/holds.html",
            user,
            status_code=409,
            holds=holds,
            names=customer_names.names_for(ctx, user, [h["customer_id"] for h in holds]),
            message=None,
            error=str(exc),
        )
    return RedirectResponse(f"/payments/holds?message={txn_id}+{status}", status_code=303)


@router.get("/outbox/dead-letters", response_class=HTMLResponse)
def dead_letters_page(
    request: Request,
    message: Note | None = None,
    user: UserView = Depends(require(Permission.OUTBOX_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Notifications that failed every delivery attempt, newest first, with their last error;
    an administrator can send one again."""
    return page(
        request,
        "realtime/dead_letters.html",
        user,
        letters=outbox.dead_letters(ctx, user),
        dead_total=outbox.dead_letter_count(ctx, user),
        waiting=outbox.backlog(ctx),
        priorities=outbox.PRIORITY_LABELS,
        can_replay=permitted(user, Permission.OUTBOX_OPERATE),
        message=message,
    )


@router.post("/outbox/dead-letters/{message_id}/replay", response_class=HTMLResponse)
def replay_dead_letter(
    message_id: Id,
    user: UserView = Depends(require(Permission.OUTBOX_OPERATE)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Put one dead message back in the queue (the next dispatch sends it with its key)."""
    replayed = outbox.replay(ctx, user, [message_id])
    text = f"message+{message_id}+replayed" if replayed else f"message+{message_id}+not+replayed"
    return RedirectResponse(f"/outbox/dead-letters?message={text}", status_code=303)
