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

from integrita.errors import InputError
from integrita.services.core import notification_templates
from integrita.services.core.context import Context
from integrita.services.core.outbox_adapters import ChannelAdapter, DeliveryError, OutgoingMessage
from integrita.store import Session
from integrita.store.repositories import outbox as outbox_repo

CHANNELS = ("sms", "email")
#: Parameters whose names start with this are blanked once a message is delivered or dead.
SECRET_PREFIX = "secret_"  # noqa: S105 - a name prefix, not a password
CLAIM_SECONDS = 60


def message(
    channel: str,
    recipient: str,
    template: str,
    language: str,
    params: Mapping[str, object],
    idempotency_key: str,
    *,
    at: datetime,
) -> dict[str, object]:
    """A checked outbox row, ready to be written by :func:`enqueue_many`."""
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
) -> int:
    """Write one notification in the caller's transaction; the same key is stored once.

    Returns the message id (the existing one when the key was already enqueued).
    """
    row = message(channel, recipient, template, language, params, idempotency_key, at=at)
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


def backoff(ctx: Context, attempts: int) -> timedelta:
    base = ctx.settings.outbox_backoff_seconds
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _scrub(params: dict[str, object]) -> dict[str, object]:
    return {k: ("***" if k.startswith(SECRET_PREFIX) else v) for k, v in params.items()}


def dispatch_once(
    ctx: Context, adapters: Mapping[str, ChannelAdapter], *, limit: int = 100
) -> DispatchResult:
    """Claim due messages, send each through its channel's adapter and record the outcome."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        claimed = [
            (m.id, m.idempotency_key, m.channel, m.recipient, m.template, m.language, m.params)
            for m in outbox_repo.claim_due(
                session, now, now + timedelta(seconds=CLAIM_SECONDS), limit
            )
        ]
    delivered = retried = dead = 0
    max_attempts = ctx.settings.outbox_max_attempts
    for message_id, key, channel, recipient, template, language, params in claimed:
        error: str | None = None
        reference: str | None = None
        adapter = adapters.get(channel)
        try:
            if adapter is None:
                raise DeliveryError(f"no adapter configured for channel {channel!r}")
            subject, body = notification_templates.render(template, language, dict(params))
            reference = adapter.send(
                OutgoingMessage(message_id, key, recipient, subject, body, language)
            )
        except (DeliveryError, InputError) as exc:
            error = str(exc)
        with ctx.db.transaction() as session:
            row = outbox_repo.get(session, message_id, lock=True)
            if row is None or row.status != "sending":
                continue
            at = ctx.now()
            if error is None:
                row.status, row.delivered_at, row.provider_ref = "delivered", at, reference
                row.params = _scrub(dict(row.params))
                delivered += 1
            elif row.attempts >= max_attempts:
                row.status, row.last_error = "dead", error
                row.params = _scrub(dict(row.params))
                dead += 1
            else:
                row.status, row.last_error = "pending", error
                row.next_attempt_at = at + backoff(ctx, row.attempts)
                retried += 1
            row.claimed_until = None
    return DispatchResult(len(claimed), delivered, retried, dead)


def status(ctx: Context) -> dict[str, int]:
    """Message counts by ``channel:status``."""
    with ctx.db.transaction() as session:
        return outbox_repo.status_counts(session)
