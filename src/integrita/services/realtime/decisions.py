"""Deciding on payments before a channel executes them, many to one database transaction.

A batch is one short transaction: read the active rule set once, the accounts, the rolling
states (row-locked on PostgreSQL, in account order), earlier answers and the blocklist, each
with one query; run the rules payment by payment, in arrival order, so two payments of one
account see each other; write the decisions, the new states, the challenges and the outbox
rows with one statement each; commit; only then is any answer returned. A single decision is a
batch of one, so there is one code path.

A retry with the same ``txn_id`` and the same event returns the stored answer and writes
nothing; a different event under a known ``txn_id`` is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

from integrita.detection.realtime import AccountSnapshot, PaymentEvent, RollingState, evaluate
from integrita.errors import ConflictError, DuplicateKeyError, InputError, IntegritaError
from integrita.services.core import outbox, sanctions
from integrita.services.core.context import Context
from integrita.services.realtime import challenges, rulesets
from integrita.services.realtime.payments import (
    SQLITE_WRITER,
    PaymentRequest,
    event_digest,
    event_record,
    message_params,
    state_of,
    state_values,
    to_event,
)
from integrita.store import Session
from integrita.store.async_driver import AsyncConnections
from integrita.store.repositories import outbox as outbox_repo
from integrita.store.repositories import realtime as repo
from integrita.store.repositories.driver_sql import Batch, SqlDialect, Steps, Write


@dataclass(slots=True)
class _Decided:
    """One payment's answer and the rows that record it, before they are written."""

    response: dict[str, Any]
    decision_row: dict[str, Any]
    messages: list[dict[str, object]] = field(default_factory=list)
    challenge_row: dict[str, object] | None = None


def _mask(recipient: str) -> str:
    return recipient[:3] + "****" + recipient[-2:] if len(recipient) > 6 else "****"


def _contact(account: dict[str, Any]) -> tuple[str, str] | None:
    if account.get("phone"):
        return "sms", str(account["phone"])
    if account.get("email"):
        return "email", str(account["email"])
    return None


def _replay(txn_id: str, existing: tuple[str, dict[str, Any]], digest: str) -> dict[str, Any]:
    stored_hash, response = existing
    if stored_hash != digest:
        raise ConflictError(f"txn_id {txn_id} was already evaluated with a different event")
    return response


def _decide_one(
    record: dict[str, Any],
    event: PaymentEvent,
    digest: str,
    account: dict[str, Any],
    state: RollingState,
    blocked: bool,
    version: int,
    thresholds: dict[str, Any],
    now: datetime,
    zone: tzinfo,
    sanctions_hit: sanctions.CounterpartyHit | None = None,
) -> _Decided:
    """Run the rules on one payment and plan what records it; ``state`` is updated in place."""
    snapshot = AccountSnapshot(
        account_status=str(account["status"]),
        segment=account["segment"],
        counterparty_blocked=blocked,
        state=state,
    )
    decision = evaluate(event, snapshot, thresholds, version)
    contact = _contact(account)
    outcome = decision.decision
    reasons = [
        {"rule": r.rule, "version": r.version, "explanation": r.explanation}
        for r in decision.reasons
    ]
    if sanctions_hit is not None:
        if outcome != "reject":
            outcome = "hold"
        reasons.append(
            {
                "rule": "sanctions_match",
                "version": version,
                "explanation": sanctions_hit.explanation,
            }
        )
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
    notes: list[dict[str, Any]] = []
    messages: list[dict[str, object]] = []
    planned: challenges.PlannedChallenge | None = None
    templates = ["payment_notice"] if decision.notify else []
    if outcome == "hold":
        templates.append("payment_held")
    if contact is not None and (templates or outcome == "verify"):
        channel, recipient = contact
        language = str(account["language"])
        params = message_params(event, zone)
        for template in templates:
            messages.append(
                outbox.message(
                    channel,
                    recipient,
                    template,
                    language,
                    params,
                    f"payment:{event.txn_id}:{template}",
                    at=now,
                    priority=outbox.Priority.PAYMENT_NOTICE,
                )
            )
        if outcome == "verify":
            planned = challenges.plan(
                event.txn_id, thresholds, now, channel, recipient, language, params
            )
            messages.append(planned.message)
        # the message ids are filled in once the outbox rows are written
        notes = [
            {"key": m["idempotency_key"], "channel": channel, "template": m["template"]}
            | {"recipient": _mask(recipient)}
            for m in messages
        ]
    response: dict[str, Any] = {
        "txn_id": event.txn_id,
        "decision": outcome,
        "reasons": reasons,
        "notifications": notes,
        "challenge": None
        if planned is None
        else {
            "id": planned.challenge_id,
            "type": "one_time_code",
            "channel": contact[0] if contact else None,
            "expires_at": planned.expires_at.isoformat(),
            "max_attempts": planned.max_attempts,
        },
        "show_risk_statement": decision.show_risk_statement,
        "rule_set_version": version,
    }
    decision_row = {
        "txn_id": event.txn_id,
        "account_id": event.from_account,
        "customer_id": account["customer_id"],
        "decided_at": now,
        "event_hash": digest,
        "event": record,  # written as JSON (times as ISO 8601 text) with the row
        "decision": outcome,
        "response": response,
        "rule_set_version": version,
        "status": "decided",
        "challenge_id": planned.challenge_id if planned else None,
    }
    state.observe(event.occurred_at.timestamp(), event.kind, event.amount_cny_minor, thresholds)
    return _Decided(response, decision_row, messages, planned.row if planned else None)


Outcome = dict[str, Any] | IntegritaError


class NoActiveRuleSetError(Exception):
    """The database holds no active rule set yet: the first batch must create version 1
    (:func:`~integrita.services.realtime.rulesets.active_in`) on a session."""


def _decision_steps(
    ctx: Context,
    sql: SqlDialect,
    requests: list[PaymentRequest],
    now: datetime,
    rule_set: Callable[[], tuple[int, dict[str, Any]]] | None,
) -> Steps[list[Outcome]]:
    """A batch's unit of work, as steps any driver can carry out (see ``driver_sql``).

    ``rule_set``: where the active rule set comes from when none is stored yet (a session
    creates the defaults); without one, :class:`NoActiveRuleSetError` is raised.
    """
    outcomes: list[Outcome | None] = [None] * len(requests)
    events: dict[int, PaymentEvent] = {}
    for i, request in enumerate(requests):
        try:
            events[i] = to_event(ctx, request)
        except IntegritaError as exc:
            outcomes[i] = exc
    inputs = yield from repo.decision_inputs_steps(
        sql,
        [e.from_account for e in events.values()],
        [e.txn_id for e in events.values()],
        [(e.to_bank, e.to_account) for e in events.values()],
        now,
    )
    accounts = inputs.accounts
    for i, event in list(events.items()):
        if event.from_account not in accounts:
            outcomes[i] = InputError(
                f"account {event.from_account} is not known", field="from_account"
            )
            del events[i]
    if not events:
        return _complete(outcomes)
    if inputs.rule_set is not None:
        version, thresholds = inputs.rule_set
    elif rule_set is not None:
        version, thresholds = rule_set()
    else:
        raise NoActiveRuleSetError
    states = {account: state_of(row) for account, row in inputs.states.items()}
    answered, blocked = inputs.answered, inputs.blocked
    hits = {
        i: sanctions.counterparty_hit(ctx, requests[i].counterparty_name or "")
        for i in events
        if requests[i].counterparty_name and events[i].txn_id not in answered
    }
    decided: dict[int, _Decided] = {}
    for i, event in events.items():
        record = event_record(requests[i])
        digest = event_digest(record)
        try:
            if event.txn_id in answered:  # a retry: the same answer, nothing written
                outcomes[i] = _replay(event.txn_id, answered[event.txn_id], digest)
                continue
            planned = _decide_one(
                record,
                event,
                digest,
                accounts[event.from_account],
                states[event.from_account],
                (event.to_bank, event.to_account) in blocked,
                version,
                thresholds,
                now,
                ctx.zone,
                hits.get(i),
            )
        except IntegritaError as exc:
            outcomes[i] = exc
            continue
        decided[i] = planned
        answered[event.txn_id] = (digest, planned.response)
        outcomes[i] = planned.response
    yield from _write_steps(sql, list(decided.values()), states, now)
    return _complete(outcomes)


def _complete(outcomes: list[Outcome | None]) -> list[Outcome]:
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(outcomes), "every request gets an answer or an error"
    return done


def _write_steps(
    sql: SqlDialect, decided: list[_Decided], states: dict[str, RollingState], now: datetime
) -> Steps[None]:
    """The outbox rows first (their ids go into the answers), then the challenges, decisions
    and states together, the last step of the transaction."""
    message_ids = yield from outbox_repo.insert_new_steps(
        sql, [m for d in decided for m in d.messages]
    )
    for d in decided:
        for note in d.response["notifications"]:
            note["id"] = message_ids[note.pop("key")]
        d.response["notifications"] = [
            {k: note[k] for k in ("id", "channel", "template", "recipient")}
            for note in d.response["notifications"]
        ]
    touched = sorted({str(d.decision_row["account_id"]) for d in decided})
    yield Write(
        [
            repo.challenge_writes(sql, [d.challenge_row for d in decided if d.challenge_row]),
            repo.decision_writes(sql, [d.decision_row for d in decided]),
            repo.state_writes(sql, [{"key": a, **state_values(states[a], now)} for a in touched]),
        ],
        last=True,
    )


def _decide_on_session(
    ctx: Context, session: Session, requests: list[PaymentRequest]
) -> list[Outcome]:
    now = ctx.now()
    batch = Batch(session)
    return batch.run(
        _decision_steps(ctx, batch, requests, now, lambda: rulesets.active_in(session, now))
    )


def decide_many(ctx: Context, requests: list[PaymentRequest], *, attempt: int = 1) -> list[Outcome]:
    """Decide on many payments in one transaction; one answer or error per request, in order.

    Every answer is committed before this returns. A request that fails (unknown account,
    bad amount, a different event under a known ``txn_id``) gets its error and does not stop
    the others.
    """
    try:
        if ctx.db.is_sqlite:
            with SQLITE_WRITER, ctx.db.transaction() as session:
                return _decide_on_session(ctx, session, requests)
        with ctx.db.transaction() as session:
            return _decide_on_session(ctx, session, requests)
    except DuplicateKeyError:
        # A concurrent transaction (another process) stored a decision, a state or a message
        # with one of our keys first. Run again: the retry sees its rows, so a raced payment
        # replays the stored answer instead of deciding twice.
        if attempt >= 3:
            raise
        return decide_many(ctx, requests, attempt=attempt + 1)


async def decide_many_on(
    ctx: Context, connections: AsyncConnections, requests: list[PaymentRequest]
) -> list[Outcome]:
    """:func:`decide_many` on an event loop's own PostgreSQL connections: the loop serves
    other requests while this batch waits on the database (two round trips, the commit
    travelling with the writes)."""
    for attempt in (1, 2, 3):
        unit = partial(_decision_steps, ctx, requests=requests, now=ctx.now(), rule_set=None)
        try:
            return await connections.run(unit)
        except DuplicateKeyError:  # as in decide_many: the retry replays the raced answers
            if attempt == 3:
                raise
        except NoActiveRuleSetError:  # once in a database's life: the defaults, on a session
            return await asyncio.to_thread(decide_many, ctx, requests)
    raise AssertionError("unreachable")


def evaluate_payment(ctx: Context, request: PaymentRequest, *, actor: str) -> dict[str, Any]:
    """Decide on one payment; the decision is committed before this returns."""
    del actor  # the decision row records the channel's event; who asked is in the access log
    outcome = decide_many(ctx, [request])[0]
    if isinstance(outcome, IntegritaError):
        raise outcome
    return outcome
