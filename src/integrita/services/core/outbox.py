"""The transactional outbox: notifications are written in the caller's transaction and
delivered later by a dispatcher, with retries, exponential backoff and a dead-letter state.

A message is claimed (status ``sending``, with a lease) in one transaction before it is sent,
and marked ``delivered`` in another right after. A dispatcher that dies between the two leaves
the claim to lapse; the message is then sent again with the same idempotency key, which the
adapters pass to the gateway so the customer gets it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core import audit, notification_templates
from integrita.services.core.context import Context
from integrita.services.core.outbox_adapters import (
    ChannelAdapter,
    Delivery,
    DeliveryError,
    OutgoingMessage,
    message_id_of_key,
)
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.store import Session
from integrita.store.repositories import outbox as outbox_repo
from integrita.store.repositories import outbox_dispatch as dispatch_repo
from integrita.store.repositories.outbox_dispatch import ClaimedMessage, KnownReceipt

CHANNELS = ("sms", "email")
#: Parameters whose names start with this are blanked once a message is delivered or dead.
SECRET_PREFIX = "secret_"  # noqa: S105 - a name prefix, not a password


class Priority(IntEnum):
    """Claiming order: a one-time code is useless after minutes and a customer is waiting on
    it; a payment notice matters while the payment is fresh; a survey can wait hours."""

    ONE_TIME_CODE = 0
    PAYMENT_NOTICE = 1
    BULK = 2


def message(
    channel: str,
    recipient: str,
    template: str,
    language: str,
    params: Mapping[str, object],
    idempotency_key: str,
    *,
    at: datetime,
    priority: Priority = Priority.BULK,
    challenge_id: str | None = None,
) -> dict[str, object]:
    """A checked outbox row, ready to be written by :func:`enqueue_many`.

    A message that carries a one-time code names its ``challenge_id``: it is sent only while
    that challenge is pending."""
    if channel not in CHANNELS:
        raise InputError(f"unknown notification channel {channel!r}", field="channel")
    if not recipient:
        raise InputError("a notification needs a recipient", field="recipient")
    if not notification_templates.known(template, language):
        raise InputError(f"no template {template!r} in language {language!r}", field="template")
    return {
        "idempotency_key": idempotency_key,
        "channel": channel,
        "recipient": recipient,
        "template": template,
        "language": language,
        "params": dict(params),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
        "priority": int(priority),
        "challenge_id": challenge_id,
    }


def enqueue(
    session: Session,
    channel: str,
    recipient: str,
    template: str,
    language: str,
    params: Mapping[str, object],
    idempotency_key: str,
    *,
    at: datetime,
    priority: Priority = Priority.BULK,
) -> int:
    """Write one notification in the caller's transaction; the same key is stored once.

    Returns the message id (the existing one when the key was already enqueued).
    """
    row = message(
        channel, recipient, template, language, params, idempotency_key, at=at, priority=priority
    )
    return enqueue_many(session, [row])[idempotency_key]


def enqueue_many(session: Session, rows: list[dict[str, object]]) -> dict[str, int]:
    """Write many :func:`message` rows in one statement; message id by idempotency key."""
    return outbox_repo.enqueue_many(session, rows)


@dataclass(frozen=True, slots=True)
class DispatchResult:
    claimed: int
    delivered: int
    retried: int
    dead: int
    expired: int = 0
    duplicates: int = 0


def backoff(ctx: Context, attempts: int) -> timedelta:
    base = ctx.settings.outbox_backoff_seconds
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _scrub(params: dict[str, object]) -> dict[str, object]:
    return {k: ("***" if k.startswith(SECRET_PREFIX) else v) for k, v in params.items()}


def useful_life_cutoffs(ctx: Context, now: datetime) -> dict[int, datetime]:
    """Per priority, the creation instant before which a waiting message is no longer worth
    sending. A code's life is its challenge's, checked separately."""
    s = ctx.settings
    return {
        Priority.PAYMENT_NOTICE: now - timedelta(seconds=s.outbox_notice_useful_life_seconds),
        Priority.BULK: now - timedelta(seconds=s.outbox_bulk_useful_life_seconds),
    }


def expire_stale(ctx: Context) -> int:
    """Drop (status ``expired``, secrets blanked, reason kept) waiting messages that are past
    their useful life, and one-time codes whose challenge is no longer pending; how many."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        stale = dispatch_repo.expire_stale(session, now, useful_life_cutoffs(ctx, now))
        dispatch_repo.mark_expired(session, [(i, _scrub(p), r) for i, p, r in stale])
    return len(stale)


def claim(ctx: Context, limit: int) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due messages in priority order under a lease."""
    now = ctx.now()
    lease = timedelta(seconds=ctx.settings.outbox_lease_seconds)
    with ctx.db.transaction() as session:
        return dispatch_repo.claim(session, now, now + lease, limit)


def outgoing(claimed: ClaimedMessage) -> OutgoingMessage:
    """The rendered message; an unknown template raises :class:`InputError`."""
    subject, body = notification_templates.render(
        claimed.template, claimed.language, dict(claimed.params)
    )
    return OutgoingMessage(
        claimed.id, claimed.idempotency_key, claimed.recipient, subject, body, claimed.language
    )


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What became of one claimed message: a delivery, or the error of a failed send."""

    message: ClaimedMessage
    delivery: Delivery | None
    error: str | None = None


def _secrets_blanked(params: Mapping[str, object]) -> dict[str, object] | None:
    """The parameters with their secrets blanked, or None when there is no secret to blank."""
    if any(k.startswith(SECRET_PREFIX) for k in params):
        return _scrub(dict(params))
    return None


def record(ctx: Context, outcomes: list[SendOutcome]) -> DispatchResult:
    """Record many sends in one transaction: delivered (with the gateway's reference, receipt
    and duplicate flag), back to pending with backoff, or dead after the last attempt; the
    secrets of a delivered or dead message are blanked."""
    at = ctx.now()
    max_attempts = ctx.settings.outbox_max_attempts
    delivered: list[dict[str, object]] = []
    dead: list[dict[str, object]] = []
    retried: list[dict[str, object]] = []
    repeats: list[int] = []
    for o in outcomes:
        m = o.message
        row: dict[str, object] = {"mid": m.id}
        if o.delivery is not None:
            row |= {
                "provider_ref": o.delivery.reference[:128],
                "receipt_status": o.delivery.receipt,
            }
            target = delivered
            if o.delivery.duplicate:
                repeats.append(m.id)
        elif m.attempts >= max_attempts:
            row["last_error"] = o.error
            target = dead
        else:
            row |= {"last_error": o.error, "next_attempt_at": at + backoff(ctx, m.attempts)}
            target = retried
        if target is not retried and (blanked := _secrets_blanked(m.params)) is not None:
            row["params"] = blanked
        target.append(row)
    with ctx.db.transaction() as session:
        for receipted in (True, False):  # the receipt's time is the answer's, when it has one
            common: dict[str, object] = {"delivered_at": at, "claimed_until": None}
            if receipted:
                common["receipt_at"] = at
            rows = [r for r in delivered if (r["receipt_status"] is not None) == receipted]
            dispatch_repo.record(session, "delivered", common, rows)
        dispatch_repo.record(session, "dead", {"claimed_until": None}, dead)
        dispatch_repo.record(session, "pending", {"claimed_until": None}, retried)
        dispatch_repo.flag_duplicates(session, repeats)
    return DispatchResult(len(outcomes), len(delivered), len(retried), len(dead), 0, len(repeats))


def dispatch_once(
    ctx: Context, adapters: Mapping[str, ChannelAdapter], *, limit: int = 100
) -> DispatchResult:
    """Drop stale messages, claim due ones in priority order, send each through its channel's
    adapter one after another and record the outcomes (the concurrent dispatcher is
    :mod:`integrita.services.core.outbox_dispatch`)."""
    expired = expire_stale(ctx)
    outcomes = []
    for claimed in claim(ctx, limit):
        adapter = adapters.get(claimed.channel)
        try:
            if adapter is None:
                raise DeliveryError(f"no adapter configured for channel {claimed.channel!r}")
            sent = adapter.send(outgoing(claimed))
            delivery = sent if isinstance(sent, Delivery) else Delivery(sent)
            outcomes.append(SendOutcome(claimed, delivery))
        except (DeliveryError, InputError) as exc:
            outcomes.append(SendOutcome(claimed, None, str(exc)))
    result = record(ctx, outcomes)
    return DispatchResult(
        result.claimed, result.delivered, result.retried, result.dead, expired, result.duplicates
    )


def status(ctx: Context) -> dict[str, int]:
    """Message counts by ``channel:status``."""
    with ctx.db.transaction() as session:
        return outbox_repo.status_counts(session)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    channel: str
    recipient: str
    template: str
    attempts: int
    last_error: str | None
    created_at: datetime


def _mask(recipient: str) -> str:
    return recipient[:3] + "****" + recipient[-2:] if len(recipient) > 6 else "****"


def dead_letters(ctx: Context, user: HasRoles, limit: int = 500) -> list[DeadLetter]:
    """Messages that failed every attempt, newest first (recipients masked)."""
    ensure_permitted(user, Permission.OUTBOX_READ)
    with ctx.db.transaction() as session:
        return [
            DeadLetter(
                m.id,
                m.channel,
                _mask(m.recipient),
                m.template,
                m.attempts,
                m.last_error,
                m.created_at,
            )
            for m in dispatch_repo.dead_letters(session, limit)
        ]


def dead_letter_count(ctx: Context, user: HasRoles) -> int:
    """How many messages failed every attempt (the list shows the newest 500)."""
    ensure_permitted(user, Permission.OUTBOX_READ)
    with ctx.db.transaction() as session:
        return dispatch_repo.dead_letter_count(session)


def replay(ctx: Context, user: HasRoles, ids: list[int] | None = None) -> list[int]:
    """Send dead messages again (these ``ids``, or all): pending, due now, attempts reset; one
    audit event. One-time codes are not replayed (their code is gone)."""
    ensure_permitted(user, Permission.OUTBOX_OPERATE)
    at = ctx.now()
    with ctx.db.transaction() as session:
        replayed = dispatch_repo.replay(session, ids, at)
        if replayed:
            audit.record(
                session,
                at=at,
                actor=user.username,
                action="outbox.replayed",
                entity_type="outbox_message",
                entity_id=replayed[0],
                after={"messages": replayed},
            )
    return replayed


#: How the overview and the dead-letter page name each priority.
PRIORITY_LABELS = {
    Priority.ONE_TIME_CODE: "One-time codes",
    Priority.PAYMENT_NOTICE: "Payment notices",
    Priority.BULK: "Bulk (surveys)",
}


def backlog(ctx: Context) -> dict[int, int]:
    """Messages waiting to be sent, by priority."""
    with ctx.db.transaction() as session:
        return dispatch_repo.backlog(session, ctx.now())


#: Receipt statuses after which a gateway says nothing more about a message; the others
#: (accepted, queued, sent) are on the way to one of these.
FINAL_RECEIPTS = frozenset({"delivered", "failed", "expired", "rejected", "undeliverable"})
RECEIPT_STATUSES = FINAL_RECEIPTS | {"accepted", "queued", "sent"}


@dataclass(frozen=True, slots=True)
class Receipt:
    """A gateway's word on one message: its ``reference`` (the id the gateway answered the
    send with, or the idempotency key it was sent), a status and the gateway's time."""

    reference: str
    status: str
    at: datetime


def _supersedes(receipt: Receipt, known: KnownReceipt) -> bool:
    """Whether ``receipt`` replaces the one recorded: a final status is not replaced by an
    interim one (callbacks arrive out of order), the same status again is a repeat, and
    otherwise the later report wins."""
    if known.receipt_status is None or known.receipt_at is None:
        return True
    if receipt.status == known.receipt_status:
        return False
    rank_new = receipt.status in FINAL_RECEIPTS
    rank_old = known.receipt_status in FINAL_RECEIPTS
    if rank_new != rank_old:
        return rank_new
    return receipt.at >= known.receipt_at


def record_receipts(ctx: Context, user: HasRoles, receipts: list[Receipt]) -> list[str]:
    """Record delivery receipts called back by a gateway, in one transaction; per receipt
    ``recorded``, ``unchanged`` (a repeat, or older than what is recorded) or ``unknown`` (no
    message was sent under that reference: nothing is stored, the gateway is told)."""
    ensure_permitted(user, Permission.OUTBOX_RECEIPT)
    for r in receipts:
        if r.status not in RECEIPT_STATUSES:
            raise InputError(f"unknown receipt status {r.status!r}", field="status")
    by_key = {r.reference: message_id_of_key(r.reference) for r in receipts}
    outcomes: list[str] = []
    with ctx.db.transaction() as session:
        known = dispatch_repo.receipts_of(
            session, list(by_key), [i for i in by_key.values() if i is not None]
        )
        by_ref = {k.provider_ref: k for k in known if k.provider_ref is not None}
        by_id = {k.id: k for k in known}
        changes: dict[int, tuple[str, datetime]] = {}
        for r in receipts:
            message_id = by_key[r.reference]
            found = by_ref.get(r.reference) or (
                by_id.get(message_id) if message_id is not None else None
            )
            if found is None:
                outcomes.append("unknown")
            elif _supersedes(r, found):
                changes[found.id] = (r.status, r.at)
                by_id[found.id] = by_ref[r.reference] = KnownReceipt(
                    found.id, found.provider_ref, r.status, r.at
                )
                outcomes.append("recorded")
            else:
                outcomes.append("unchanged")
        dispatch_repo.set_receipts(session, changes)
    return outcomes


def receipt_counts(ctx: Context) -> dict[str, int]:
    """Delivered messages by the gateway's last receipt (``none`` where it gave none)."""
    with ctx.db.transaction() as session:
        return dispatch_repo.receipt_counts(session)
