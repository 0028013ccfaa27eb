"""Payments as channels send them, and what happens after the decision: the channel's outcome
(executed payments go to the ledger queue), the hold queue, the blocklist and contacts.

The decision itself is made in :mod:`integrita.services.realtime.decisions`.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, tzinfo
from typing import Any

import orjson

from integrita.detection.realtime import PaymentEvent, RollingState
from integrita.domain.client_dates import require_within
from integrita.domain.money import currency, from_minor_units, to_minor_units
from integrita.domain.permissions import Permission
from integrita.domain.transaction import Channel, CounterpartyType, TransactionKind
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.realtime.fx import fx_table, to_cny_minor
from integrita.store import Session
from integrita.store.repositories import realtime as repo

AUTH_METHODS = ("password", "face", "certificate", "fingerprint", "sms_code", "token", "none")
OUTCOMES = ("executed", "cancelled")
#: SQLite takes one writer at a time; serialising in-process avoids busy-snapshot retries.
SQLITE_WRITER = threading.Lock()


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A payment event as a channel sends it (amount as decimal text in major units)."""

    txn_id: str
    occurred_at: datetime
    channel: str
    kind: str
    from_bank: str
    from_account: str
    to_bank: str
    to_account: str
    amount: str
    currency: str
    counterparty_type: str
    to_name: str | None = None
    device_id: str | None = None
    new_device: bool = False
    auth_method: str = "password"
    credential_changed_at: datetime | None = None
    counterparty_name: str | None = None


def _choices(allowed: Any) -> tuple[str, ...]:
    return tuple(c.value if hasattr(c, "value") else c for c in allowed)


_CHOICES = {
    "channel": _choices(Channel),
    "kind": _choices(TransactionKind),
    "counterparty_type": _choices(CounterpartyType),
    "auth_method": AUTH_METHODS,
    "outcome": OUTCOMES,
}


def _check_choice(value: str, field: str) -> None:
    choices = _CHOICES[field]
    if value not in choices:
        raise InputError(f"{field} must be one of {', '.join(choices)}, not {value!r}", field=field)


def _validate(request: PaymentRequest) -> None:
    if not request.txn_id or len(request.txn_id) > 64:
        raise InputError("txn_id must be 1-64 characters", field="txn_id")
    for name in ("from_bank", "from_account", "to_bank", "to_account"):
        value = getattr(request, name)
        if not value or len(value) > 64:
            raise InputError(f"{name} must be 1-64 characters", field=name)
    if request.occurred_at.tzinfo is None:
        raise InputError("occurred_at must carry a time zone", field="occurred_at")
    if request.credential_changed_at is not None and request.credential_changed_at.tzinfo is None:
        raise InputError(
            "credential_changed_at must carry a time zone", field="credential_changed_at"
        )
    _check_choice(request.channel, "channel")
    _check_choice(request.kind, "kind")
    _check_choice(request.counterparty_type, "counterparty_type")
    _check_choice(request.auth_method, "auth_method")


_REQUEST_FIELDS = tuple(f.name for f in fields(PaymentRequest))


def event_record(request: PaymentRequest) -> dict[str, Any]:
    """The event's fields by name (a shallow copy: every value is immutable). An absent
    counterparty name is left out, so events sent before the field existed keep their digest."""
    record = {name: getattr(request, name) for name in _REQUEST_FIELDS}
    if record["counterparty_name"] is None:
        del record["counterparty_name"]
    return record


def event_digest(record: dict[str, Any]) -> str:
    """A fingerprint of the event (:func:`event_record`), so a retry can be told from a
    different payment under the same ``txn_id``."""
    return hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _require_recent(ctx: Context, occurred_at: datetime) -> None:
    """``occurred_at`` must lie in the window around now (default 24 h back, 5 min ahead).

    The rolling windows (three purchases in ten minutes, the day's total) are kept by
    event time: an event dated far away would reset or skip them, so it is refused
    rather than silently ignored or allowed to empty them.
    """
    now = ctx.now()
    require_within(
        occurred_at,
        field="occurred_at",
        earliest=now - timedelta(hours=ctx.settings.payment_max_age_hours),
        earliest_is=f"the oldest accepted ({ctx.settings.payment_max_age_hours:g} h ago)",
        latest=now + timedelta(seconds=ctx.settings.payment_max_ahead_seconds),
        latest_is=f"the latest accepted ({ctx.settings.payment_max_ahead_seconds:g} s ahead)",
    )


def to_event(ctx: Context, request: PaymentRequest) -> PaymentEvent:
    """Validate a request and value it in CNY with the rate of its day."""
    _validate(request)
    code = currency(request.currency).code
    minor = to_minor_units(request.amount, code)
    if minor <= 0:
        raise InputError("amount must be positive", field="amount")
    if minor >= 10**17:
        raise InputError("amount is too large", field="amount")
    _require_recent(ctx, request.occurred_at)
    cny = to_cny_minor(fx_table(ctx), minor, code, ctx.local_date(request.occurred_at))
    return PaymentEvent(
        txn_id=request.txn_id,
        occurred_at=request.occurred_at,
        channel=request.channel,
        kind=request.kind,
        from_bank=request.from_bank,
        from_account=request.from_account,
        to_bank=request.to_bank,
        to_account=request.to_account,
        amount_minor=minor,
        currency=code,
        amount_cny_minor=cny,
        counterparty_type=request.counterparty_type,
        device_id=request.device_id,
        new_device=request.new_device,
        auth_method=request.auth_method,
        credential_changed_at=request.credential_changed_at,
        to_name=request.to_name,
    )


def state_of(row: dict[str, Any]) -> RollingState:
    """The rolling state of an account from its stored row."""
    return RollingState(
        recent=[(float(a), str(k), int(m)) for a, k, m in row["recent"]],
        history_count=int(row["history_count"]),
        history_mean=float(row["history_mean"]),
        history_m2=float(row["history_m2"]),
        history_max=int(row["history_max"]),
    )


def state_values(state: RollingState, at: datetime) -> dict[str, Any]:
    """The stored row of a rolling state."""
    return {
        "recent": state.recent,  # (time, kind, amount) tuples are written as JSON arrays
        "history_count": state.history_count,
        "history_mean": state.history_mean,
        "history_m2": state.history_m2,
        "history_max": state.history_max,
        "updated_at": at,
    }


def message_params(event: PaymentEvent, zone: tzinfo) -> dict[str, object]:
    """What the customer's notification says about the payment (no full account numbers).

    The time is the bank's wall clock with its offset ("2025-03-03 09:00 UTC+08:00"), the
    time the customer saw when paying, not a UTC time they would have to convert.
    """
    local = event.occurred_at.astimezone(zone)
    offset = local.strftime("%z")
    return {
        "account_tail": event.from_account[-4:],
        "amount": f"{from_minor_units(event.amount_minor, event.currency):,}",
        "currency": event.currency,
        "kind": event.kind,
        "to_name": event.to_name or f"****{event.to_account[-4:]}",
        "time": f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}",
    }


def get_decision(ctx: Context, txn_id: str) -> dict[str, Any]:
    with ctx.db.transaction() as session:
        row = repo.get_decision(session, txn_id)
        if row is None:
            raise NotFoundError(f"no decision for txn_id {txn_id}")
        return {**dict(row.response), "status": row.status}


def _ledger_row(event: dict[str, Any], executed_at: datetime, amount_minor: int) -> dict[str, Any]:
    external = event["to_bank"] != event["from_bank"]
    return {
        "txn_id": event["txn_id"],
        "booked_at": executed_at.isoformat(),
        "channel": event["channel"],
        "kind": event["kind"],
        "from_bank": event["from_bank"],
        "from_account": event["from_account"],
        "to_bank": event["to_bank"],
        "to_account": event["to_account"],
        "amount_paid_minor": amount_minor,
        "paid_currency": event["currency"],
        "amount_received_minor": amount_minor,
        "received_currency": event["currency"],
        "payment_format": "CNAPS" if external else "Internal",
        "counterparty_type": event["counterparty_type"],
        "cross_border": False,
    }


def record_outcome(
    ctx: Context, txn_id: str, outcome: str, *, actor: str, executed_at: datetime | None = None
) -> dict[str, Any]:
    """The channel executed or cancelled the payment; executed payments go to the ledger queue."""
    _check_choice(outcome, "outcome")
    if executed_at is not None and executed_at.tzinfo is None:
        raise InputError("executed_at must carry a time zone", field="executed_at")
    now = ctx.now()
    lock = SQLITE_WRITER if ctx.db.is_sqlite else threading.Lock()
    with lock, ctx.db.transaction() as session:
        row = repo.get_decision(session, txn_id, lock=True)
        if row is None:
            raise NotFoundError(f"no decision for txn_id {txn_id}")
        if row.status == outcome:
            return {"txn_id": txn_id, "status": row.status}
        executable = row.status == "released" or (
            row.status == "decided" and row.decision in ("allow", "notify")
        )
        if outcome == "executed" and not executable:
            raise StateTransitionError(
                f"payment {txn_id} is {row.decision}/{row.status}; it may not be executed"
            )
        if outcome == "cancelled" and row.status not in ("decided", "released"):
            raise StateTransitionError(f"payment {txn_id} is {row.status}; it cannot be cancelled")
        before = row.status
        row.status = outcome
        if outcome == "executed":
            event = dict(row.event)
            code = str(event["currency"])
            minor = to_minor_units(str(event["amount"]), code)
            booked = executed_at or now
            repo.add_executed(session, txn_id, booked, _ledger_row(event, booked, minor))
            state_row = repo.lock_state(session, row.account_id, now)
            state = state_of(state_row)
            occurred = datetime.fromisoformat(str(event["occurred_at"]))
            state.record_executed(
                to_cny_minor(fx_table(ctx), minor, code, ctx.local_date(occurred))
            )
            repo.save_state(session, row.account_id, state_values(state, now))
        audit.record(
            session,
            at=now,
            actor=actor,
            action=f"payment.{outcome}",
            entity_type="payment",
            entity_id=txn_id,
            before={"status": before},
            after={"status": outcome},
        )
        return {"txn_id": txn_id, "status": outcome}


def release_or_reject(
    session: Session, txn_id: str, release: bool, *, actor: str, at: datetime, reason: str
) -> str:
    """Move a held or challenged payment to released / rejected (inside the caller's transaction)."""
    row = repo.get_decision(session, txn_id, lock=True)
    if row is None:
        raise NotFoundError(f"no decision for txn_id {txn_id}")
    if row.status != "decided" or row.decision not in ("hold", "verify"):
        raise StateTransitionError(f"payment {txn_id} is {row.decision}/{row.status}, not waiting")
    row.status = "released" if release else "rejected"
    row.reviewed_by, row.reviewed_at = actor, at
    audit.record(
        session,
        at=at,
        actor=actor,
        action=f"payment.{row.status}",
        entity_type="payment",
        entity_id=txn_id,
        before={"status": "decided", "decision": row.decision},
        after={"status": row.status, "reason": reason},
    )
    return row.status


def hold_queue(ctx: Context, limit: int = 200) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        return [
            {
                "txn_id": r.txn_id,
                "account_id": r.account_id,
                "customer_id": r.customer_id,
                "decided_at": r.decided_at.isoformat(),
                "amount": r.event.get("amount"),
                "currency": r.event.get("currency"),
                "reasons": r.response.get("reasons", []),
            }
            for r in repo.holds(session, limit)
        ]


def review_hold(ctx: Context, txn_id: str, release: bool, *, user: HasRoles, note: str = "") -> str:
    """An authorised reviewer releases or rejects a held payment."""
    ensure_permitted(user, Permission.HOLD_DECIDE)
    actor = user.username
    now = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_decision(session, txn_id)
        if row is not None and row.decision != "hold":
            raise StateTransitionError(f"payment {txn_id} was not held for review")
        return release_or_reject(
            session, txn_id, release, actor=actor, at=now, reason=note or "review"
        )


def decision_mix(ctx: Context) -> dict[str, int]:
    with ctx.db.transaction() as session:
        return repo.decision_mix(session)


def block_counterparty(
    ctx: Context, bank_id: str, account: str, reason: str, *, user: HasRoles
) -> None:
    """Put a counterparty account on the internal blocklist: its payments are held for review."""
    ensure_permitted(user, Permission.BLOCKLIST_EDIT)
    actor = user.username
    now = ctx.now()
    with ctx.db.transaction() as session:
        repo.add_blocked(
            session, bank_id=bank_id, account=account, reason=reason, added_by=actor, added_at=now
        )
        audit.record(
            session,
            at=now,
            actor=actor,
            action="blocklist.added",
            entity_type="counterparty",
            entity_id=f"{bank_id}:{account}",
            after={"reason": reason},
        )


def set_contact(
    ctx: Context, customer_id: str, *, phone: str | None, email: str | None, language: str = "zh"
) -> None:
    if language not in ("zh", "en"):
        raise InputError("language must be zh or en", field="language")
    with ctx.db.transaction() as session:
        repo.upsert_contact(session, customer_id, phone, email, language)
