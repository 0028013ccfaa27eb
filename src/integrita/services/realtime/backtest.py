"""Replay the ledger through a rule-set version and count, per day, the notifications,
verifications and holds it would have produced, beside the active version."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.detection.realtime import AccountSnapshot, PaymentEvent, RollingState, evaluate
from integrita.errors import InputError
from integrita.services.core import governed_versions as governed
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.realtime import rulesets
from integrita.services.realtime.fx import fx_table, to_cny_minor
from integrita.store.repositories import realtime as repo

COUNTED = ("notify", "verify", "hold", "reject")


@dataclass(frozen=True, slots=True)
class BacktestReport:
    version: int
    active_version: int
    transactions: int
    #: day -> {"candidate": {...counts}, "active": {...counts}}
    days: dict[str, dict[str, dict[str, int]]]

    def totals(self, which: str) -> dict[str, int]:
        out = dict.fromkeys(COUNTED, 0)
        for day in self.days.values():
            for key, value in day[which].items():
                out[key] += value
        return out


def _replay(
    rows: list[dict[str, Any]],
    thresholds: dict[str, Any],
    version: int,
    segments: dict[str, str],
    blocked: set[tuple[str, str]],
    ctx: Context,
) -> dict[str, dict[str, int]]:
    table = fx_table(ctx)
    states: dict[str, RollingState] = defaultdict(RollingState)
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    unvalued = 0
    for row in rows:
        booked: datetime = row["booked_at"]
        account = str(row["from_account"])
        amount = int(row["amount_paid_minor"])
        code = str(row["paid_currency"])
        try:
            cny = to_cny_minor(table, amount, code, booked.date())
        except InputError:
            unvalued += 1  # a currency without a rate that day cannot be valued: not counted
            continue
        event = PaymentEvent(
            txn_id=str(row["txn_id"]),
            occurred_at=booked,
            channel=str(row["channel"]),
            kind=str(row["kind"]),
            from_bank=str(row["from_bank"]),
            from_account=account,
            to_bank=str(row["to_bank"]),
            to_account=str(row["to_account"]),
            amount_minor=amount,
            currency=code,
            amount_cny_minor=cny,
            counterparty_type=str(row["counterparty_type"]),
        )
        state = states[account]
        snapshot = AccountSnapshot(
            segment=segments.get(account),
            counterparty_blocked=(event.to_bank, event.to_account) in blocked,
            state=state,
        )
        decision = evaluate(event, snapshot, thresholds, version)
        counts = per_day[booked.date().isoformat()]
        if decision.notify:
            counts["notify"] += 1
        if decision.decision in ("verify", "hold", "reject"):
            counts[decision.decision] += 1
        state.observe(booked.timestamp(), event.kind, cny, thresholds)
        state.record_executed(cny)
    return per_day


def backtest(ctx: Context, version: int, *, where: str = "TRUE") -> BacktestReport:
    """Replay the ledger rows matching ``where`` under ``version`` and the active version."""
    with ctx.db.transaction() as session:
        active_version, active_thresholds = rulesets.active_in(session, ctx.now())
        candidate = governed.get(session, rulesets.RULE_SET, version)
        thresholds = dict(candidate.thresholds)
        segments = repo.segments_by_account(session)
        blocked = repo.blocked_set(session)
    rows = open_ledger(ctx).read(where).to_pylist()
    cand = _replay(rows, thresholds, version, segments, blocked, ctx)
    act = _replay(rows, active_thresholds, active_version, segments, blocked, ctx)
    days = sorted(set(cand) | set(act))
    empty = dict.fromkeys(COUNTED, 0)
    return BacktestReport(
        version,
        active_version,
        len(rows),
        {d: {"candidate": cand.get(d, empty), "active": act.get(d, empty)} for d in days},
    )
