"""Delivery receipts from the notification gateways: ``POST /v1/outbox/receipts``.

An SMS gateway that learns later what became of a message (delivered to the handset, failed,
expired) calls back with its reference for the message, or the ``Idempotency-Key`` it was sent,
authenticated by an API token of a user holding the ``notification_gateway`` role. Receipts
are recorded on their messages; repeats change nothing; a reference integrita never sent under
is answered ``unknown`` (and not stored), so a misrouted gateway sees it at once.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from integrita.domain.permissions import Permission
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Instant, StrictModel
from integrita.services.core import outbox
from integrita.services.core.context import Context
from integrita.services.core.users import UserView

router = APIRouter(prefix="/v1/outbox", tags=["notifications"])

ReceiptStatus = Literal[
    "accepted", "queued", "sent", "delivered", "failed", "expired", "rejected", "undeliverable"
]


class ReceiptIn(StrictModel):
    reference: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="The gateway's id for the message (as it answered the send), or the "
        "Idempotency-Key it was sent with.",
    )
    status: ReceiptStatus
    at: Instant = Field(description="When the gateway learnt the status (with a time zone).")


class ReceiptsIn(StrictModel):
    receipts: list[ReceiptIn] = Field(min_length=1, max_length=1000)


class ReceiptOutcome(StrictModel):
    reference: str
    outcome: Literal["recorded", "unchanged", "unknown"]


class ReceiptsOut(StrictModel):
    recorded: int
    unchanged: int
    unknown: int
    receipts: list[ReceiptOutcome]


@router.post("/receipts", response_model=ReceiptsOut)
def receipts(
    body: ReceiptsIn,
    user: UserView = Depends(require(Permission.OUTBOX_RECEIPT)),
    ctx: Context = Depends(get_ctx),
) -> dict[str, object]:
    """Record up to 1,000 delivery receipts. Each is ``recorded``, ``unchanged`` (the same
    status again, or older than a recorded one: safe to repeat) or ``unknown`` (no message was
    sent under that reference; nothing is stored)."""
    given = [outbox.Receipt(r.reference, r.status, r.at) for r in body.receipts]
    outcomes = outbox.record_receipts(ctx, user, given)
    return {
        "recorded": outcomes.count("recorded"),
        "unchanged": outcomes.count("unchanged"),
        "unknown": outcomes.count("unknown"),
        "receipts": [
            {"reference": r.reference, "outcome": o} for r, o in zip(given, outcomes, strict=True)
        ],
    }
