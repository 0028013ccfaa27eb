"""Deciding on a payment before a channel executes it, and recording what the channel did.

``evaluate`` is one short transaction: read the active rule set, the account and its rolling
state; run the rules; write the decision, the new state, any challenge and outbox rows; commit;
only then is the answer returned. A retry with the same ``txn_id`` and the same event returns
the stored answer and writes nothing.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import orjson

from integrita.detection.realtime import AccountSnapshot, PaymentEvent, RollingState, evaluate
from integrita.detection.realtime.engine import Decision
from integrita.domain.money import currency, from_minor_units, to_minor_units
from integrita.domain.transaction import Channel, CounterpartyType, TransactionKind
from integrita.errors import ConflictError, InputError, NotFoundError, StateTransitionError
from integrita.services import audit, outbox
from integrita.services.context import Context
from integrita.services.realtime import challenges, rulesets
from integrita.services.realtime.fx import fx_table, to_cny_minor
from integrita.store import Session
from integrita.store.repositories import realtime as repo

AUTH_METHODS = ("password", "face", "certificate", "fingerprint", "sms_code", "token", "none")
OUTCOMES = ("executed", "cancelled")
#: SQLite takes one writer at a time; serialising in-process avoids busy-snapshot retries.
_SQLITE_WRITER = threading.Lock()


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


def _check_choice(value: str, allowed: Any, field: str) -> None:
    choices = [c.value if hasattr(c, "value") else c for c in allowed]
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
    _check_choice(request.channel, Channel, "channel")
    _check_choice(request.kind, TransactionKind, "kind")
    _check_choice(request.counterparty_type, CounterpartyType, "counterparty_type")
    _check_choice(request.auth_method, AUTH_METHODS, "auth_method")


def event_digest(request: PaymentRequest) -> str:
    payload = orjson.dumps(asdict(request), option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(payload).hexdigest()


def to_event(ctx: Context, request: PaymentRequest) -> PaymentEvent:
    """Validate a request and value it in CNY with the rate of its day."""
    _validate(request)
    code = currency(request.currency).code
    minor = to_minor_units(request.amount, code)
    if minor <= 0:
        raise InputError("amount must be positive", field="amount")
    if minor >= 10**17:
        raise InputError("amount is too large", field="amount")
    cny = to_cny_minor(fx_table(ctx), minor, code, request.occurred_at.date())
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


def _state_of(row: dict[str, Any]) -> RollingState:
    return RollingState(
        recent=[(float(a), str(k), int(m)) for a, k, m in row["recent"]],
        history_count=int(row["history_count"]),
        history_mean=float(row["history_mean"]),
        history_m2=float(row["history_m2"]),
        history_max=int(row["history_max"]),
    )


def _store_state(session: Session, account_id: str, state: RollingState, at: datetime) -> None:
    repo.save_state(
        session,
        account_id,
        {
            "recent": [list(e) for e in state.recent],
            "history_count": state.history_count,
            "history_mean": state.history_mean,
            "history_m2": state.history_m2,
            "history_max": state.history_max,
            "updated_at": at,
        },
    )


def _message_params(event: PaymentEvent) -> dict[str, object]:
    return {
        "account_tail": event.from_account[-4:],
        "amount": f"{from_minor_units(event.amount_minor, event.currency):,}",
        "currency": event.currency,
        "kind": event.kind,
        "to_name": event.to_name or f"****{event.to_account[-4:]}",
        "time": event.occurred_at.strftime("%Y-%m-%d %H:%M UTC"),
    }


def _mask(recipient: str) -> str:
    return recipient[:3] + "****" + recipient[-2:] if len(recipient) > 6 else "****"


def _contact(account: dict[str, Any]) -> tuple[str, str] | None:
    if account.get("phone"):
        return "sms", str(account["phone"])
    if account.get("email"):
        return "email", str(account["email"])
    return None


def _decide_and_write(
    ctx: Context, session: Session, request: PaymentRequest, digest: str, actor: str
) -> dict[str, Any]:
    now = ctx.now()
    event = to_event(ctx, request)
    account = repo.account_context(session, event.from_account)
    if account is None:
        raise InputError(f"account {event.from_account} is not known", field="from_account")
    version, thresholds = rulesets.active_in(session, now)
    state_row = repo.lock_state(session, event.from_account, now)
    existing = repo.decision_answer(session, request.txn_id)
    if existing is not None:
        return _replay(request.txn_id, existing, digest)
    state = _state_of(state_row)
    snapshot = AccountSnapshot(
        account_status=str(account["status"]),
        segment=account["segment"],
        counterparty_blocked=repo.is_blocked(session, event.to_bank, event.to_account),
        state=state,
    )
    decision = evaluate(event, snapshot, thresholds, version)
    contact = _contact(account)
    outcome = decision.decision
    reasons = [
        {"rule": r.rule, "version": r.version, "explanation": r.explanation}
        for r in decision.reasons
    ]
    if outcome == "verify" and contact is None:
        outcome = "hold"
        reasons.append(
            {
                "rule": "no_contact_for_verification",
                "version": version,
                "explanation": "A one-time code is needed but the customer has no phone or e-mail "
                "on record: held for review.",
            }
        )
    notifications, challenge = _notifications(
        ctx, session, event, decision, outcome, contact, account, thresholds, now
    )
    response: dict[str, Any] = {
        "txn_id": event.txn_id,
        "decision": outcome,
        "reasons": reasons,
        "notifications": notifications,
        "challenge": challenge,
        "show_risk_statement": decision.show_risk_statement,
        "rule_set_version": version,
    }
    stored = repo.add_decision(
        session,
        txn_id=event.txn_id,
        account_id=event.from_account,
        customer_id=account["customer_id"],
        decided_at=now,
        event_hash=digest,
        event=orjson.loads(orjson.dumps(asdict(request), default=str)),
        decision=outcome,
        response=response,
        rule_set_version=version,
        status="decided",
        challenge_id=challenge["id"] if challenge else None,
    )
    if not stored:  # a concurrent request decided this txn_id first: undo ours, replay theirs
        raise _DecidedConcurrentlyError
    state.observe(event.occurred_at.timestamp(), event.kind, event.amount_cny_minor, thresholds)
    _store_state(session, event.from_account, state, now)
    return response


def _notifications(
    ctx: Context,
    session: Session,
    event: PaymentEvent,
    decision: Decision,
    outcome: str,
    contact: tuple[str, str] | None,
    account: dict[str, Any],
    thresholds: dict[str, Any],
    now: datetime,
) -> tuple[list[dict[str, object]], dict[str, object] | None]:
    notes: list[dict[str, object]] = []
    challenge: dict[str, object] | None = None
    if contact is None:
        return notes, None
    channel, recipient = contact
    language = str(account["language"])
    params = _message_params(event)
    templates = []
    if decision.notify:
        templates.append("payment_notice")
    if outcome == "hold":
        templates.append("payment_held")
    for template in templates:
        message_id = outbox.enqueue(
            session,
            channel,
            recipient,
            template,
            language,
            params,
            f"payment:{event.txn_id}:{template}",
            at=now,
        )
        notes.append(
            {
                "id": message_id,
                "channel": channel,
                "template": template,
                "recipient": _mask(recipient),
            }
        )
    if outcome == "verify":
        created = challenges.create(
            session, event.txn_id, thresholds, now, channel, recipient, language, params
        )
        notes.append(
            {
                "id": created.message_id,
                "channel": channel,
                "template": "payment_otp",
                "recipient": _mask(recipient),
            }
        )
        challenge = {
            "id": created.challenge_id,
            "type": "one_time_code",
            "channel": channel,
            "expires_at": created.expires_at.isoformat(),
            "max_attempts": created.max_attempts,
        }
    return notes, challenge


def _replay(txn_id: str, existing: tuple[str, dict[str, Any]], digest: str) -> dict[str, Any]:
    stored_hash, response = existing
    if stored_hash != digest:
        raise ConflictError(f"txn_id {txn_id} was already evaluated with a different event")
    return response


class _DecidedConcurrentlyError(Exception):
    """Another transaction committed a decision for the same txn_id while this one ran."""


def evaluate_payment(ctx: Context, request: PaymentRequest, *, actor: str) -> dict[str, Any]:
    """Decide on one payment; the decision is committed before this returns."""
    digest = event_digest(request)
    try:
        if ctx.db.is_sqlite:
            with _SQLITE_WRITER, ctx.db.transaction() as session:
                return _decide_and_write(ctx, session, request, digest, actor)
        with ctx.db.transaction() as session:
            return _decide_and_write(ctx, session, request, digest, actor)
    except _DecidedConcurrentlyError:
        with ctx.db.transaction() as session:
            existing = repo.decision_answer(session, request.txn_id)
        assert existing is not None
        return _replay(request.txn_id, existing, digest)


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
    _check_choice(outcome, OUTCOMES, "outcome")
    if executed_at is not None and executed_at.tzinfo is None:
        raise InputError("executed_at must carry a time zone", field="executed_at")
    now = ctx.now()
    lock = _SQLITE_WRITER if ctx.db.is_sqlite else threading.Lock()
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
            state = _state_of(state_row)
            occurred = datetime.fromisoformat(str(event["occurred_at"]))
            state.record_executed(to_cny_minor(fx_table(ctx), minor, code, occurred.date()))
            _store_state(session, row.account_id, state, now)
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


def review_hold(ctx: Context, txn_id: str, release: bool, *, actor: str, note: str = "") -> str:
    """An authorised reviewer releases or rejects a held payment."""
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
    ctx: Context, bank_id: str, account: str, reason: str, *, actor: str
) -> None:
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
