"""Backtest a detector parameter proposal on labelled history before anyone approves it.

Every detector runs over the whole ledger with the parameters in force; the proposal's detector
runs a second time with the proposed values. Both sets of matches become entity alerts as a
detection run makes them (one per customer or unowned account per local month, entity score),
and the alert budget draws its line over the ledger's span in both. The answer says, above and
below the line, how many alerts each side raises, which alerts and which true patterns (or
laundering accounts, when the labels carry no pattern ids) the proposal gains and loses.

The backtest ranks by rule and graph evidence only: scoring every backtest match with the model
would need the point-in-time features of the whole ledger (the cost of training).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from integrita.analytics.engine import ScanRange, SparkConfig, ledger_bounds, open_engine
from integrita.detection.catalogue import detectors
from integrita.detection.context import business_accounts_sql
from integrita.detection.entity_alerts import EntityAlert, group_alerts, split_at_budget
from integrita.detection.matches import Match, build_matches, run_detector, txn_ends
from integrita.detection.quality import budget_for, true_units
from integrita.domain.permissions import Permission
from integrita.errors import InputError, NotFoundError
from integrita.services.core import governed_versions as governed
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.monitoring.alert_budget import budget_in_force
from integrita.services.monitoring.detection import OWNERS_SCHEMA, batch_fx_table
from integrita.services.monitoring.detector_params import governed_set, parameters_in_force
from integrita.services.monitoring.scoring import default_labels, read_labels
from integrita.store.repositories import detection as repo


@dataclass(frozen=True, slots=True)
class SideFigures:
    """One side of the comparison (the parameters in force, or the proposal)."""

    version: int
    alerts: int
    above_line: int
    below_line: int
    cases_alerted_above_line: int
    true_alerts_above_line: int


@dataclass(frozen=True, slots=True)
class ParameterBacktest:
    detector: str
    active: SideFigures
    proposed: SideFigures
    budget: int
    budget_per_month: int
    unit: str
    true_cases: int
    alerts_gained_above_line: list[str] = field(default_factory=list)
    alerts_lost_above_line: list[str] = field(default_factory=list)
    cases_gained: list[str] = field(default_factory=list)
    cases_lost: list[str] = field(default_factory=list)
    ranked_by: str = "rule and graph evidence (no model score)"


def _key(a: EntityAlert) -> str:
    return f"{a.entity}@{a.period}"


def _alerted(above: Sequence[EntityAlert], unit: str, units: dict[str, set[str]]) -> set[str]:
    if unit == "laundering account":
        accounts = {x for a in above for x in a.accounts}
        return {u for u in units if u in accounts}
    evidence = {t for a in above for t in a.txn_ids}
    return {u for u, txns in units.items() if not txns.isdisjoint(evidence)}


def _side(
    version: int,
    alerts: list[EntityAlert],
    budget: int,
    positives: set[str],
    unit: str,
    units: dict[str, set[str]],
) -> tuple[SideFigures, list[EntityAlert], set[str]]:
    above, below = split_at_budget(alerts, budget)
    alerted = _alerted(above, unit, units)
    figures = SideFigures(
        version=version,
        alerts=len(alerts),
        above_line=len(above),
        below_line=len(below),
        cases_alerted_above_line=len(alerted),
        true_alerts_above_line=sum(1 for a in above if not a.txn_ids.isdisjoint(positives)),
    )
    return figures, above, alerted


def backtest(
    ctx: Context,
    user: HasRoles,
    detector: str,
    version: int,
    *,
    labels: Path | None = None,
    budget_per_month: int | None = None,
) -> ParameterBacktest:
    """Compare the alerts and true cases above the budget's line with version ``version`` of
    ``detector``'s parameters against the parameters in force, over the whole ledger."""
    ensure_permitted(user, Permission.DETECTION_PARAMS_BACKTEST)
    chosen = detectors()
    target = next((d for d in chosen if d.name == detector), None)
    if target is None:
        raise NotFoundError(f"unknown detector {detector!r}")
    with ctx.db.transaction() as session:
        row = governed.get(session, governed_set(target), version)
        proposal = target.params(dict(row.params))
        in_force = parameters_in_force(session, chosen, ctx.now())
        owners = repo.account_owners(session)
        per_month = budget_per_month or budget_in_force(session).alerts_per_month
    label_table = read_labels(labels or default_labels(ctx))
    ledger = open_ledger(ctx)
    bounds = ledger_bounds(ledger)
    if bounds is None:
        raise InputError("the ledger is empty: ingest transactions first", field="ledger")
    scan = ScanRange(bounds[0], datetime.fromtimestamp(bounds[1].timestamp() + 1, UTC))
    eng = open_engine(
        "duckdb",
        ledger,
        scan,
        batch_fx_table(ctx),
        spark_config=SparkConfig.from_settings(ctx.settings),
    )
    try:
        eng.register(
            "owners",
            pa.Table.from_pylist(
                [{"account_id": a, "customer_id": c, "customer_type": t} for a, c, t in owners],
                schema=OWNERS_SCHEMA,
            ),
        )
        others = [
            r
            for d in chosen
            if d.name != detector
            for r in run_detector(eng, d, in_force[d.name][1])
        ]
        before = run_detector(eng, target, in_force[detector][1])
        after = run_detector(eng, target, proposal)
        positive_ids = [
            t
            for t, f in zip(
                label_table["txn_id"].to_pylist(),
                label_table["is_laundering"].to_pylist(),
                strict=True,
            )
            if f
        ]
        eng.register("positive_ids", pa.table({"txn_id": pa.array(positive_ids, pa.string())}))
        ends = eng.query(
            "SELECT t.txn_id, t.from_account, t.to_account FROM txn AS t "
            "JOIN positive_ids AS p ON p.txn_id = t.txn_id"
        ).to_pydict()
        evidence_ends = txn_ends(eng, (r[3] for r in [*others, *before, *after]))
        business = frozenset(
            str(a) for a in eng.query(business_accounts_sql()).column("account").to_pylist()
        )
    finally:
        eng.close()
    positives = set(ends["txn_id"])
    accounts_of = {
        t: (f, to)
        for t, f, to in zip(ends["txn_id"], ends["from_account"], ends["to_account"], strict=True)
    }
    pattern_of = {
        t: p
        for t, f, p in zip(
            label_table["txn_id"].to_pylist(),
            label_table["is_laundering"].to_pylist(),
            label_table["pattern_id"].to_pylist(),
            strict=True,
        )
        if f and p and t in positives
    }
    unit, units = true_units(positives, pattern_of, accounts_of)
    owner_map = {a: c for a, c, _ in owners}
    budget = budget_for(per_month, (scan.end - scan.start).total_seconds())

    def alerts(matches: list[Match]) -> list[EntityAlert]:
        return group_alerts(
            matches,
            owner_of=owner_map.get,
            period_of=lambda ts: ctx.local_date(datetime.fromtimestamp(ts, UTC)).strftime("%Y-%m"),
            score_of={},
            accounts_of=evidence_ends,
            owners_known=bool(owner_map),
            business=business,
        )

    active_side, active_above, active_cases = _side(
        in_force[detector][0],
        alerts(build_matches(others + before)),
        budget,
        positives,
        unit,
        units,
    )
    proposed_side, proposed_above, proposed_cases = _side(
        version, alerts(build_matches(others + after)), budget, positives, unit, units
    )
    was, now = {_key(a) for a in active_above}, {_key(a) for a in proposed_above}
    return ParameterBacktest(
        detector=detector,
        active=active_side,
        proposed=proposed_side,
        budget=budget,
        budget_per_month=per_month,
        unit=unit,
        true_cases=len(units),
        alerts_gained_above_line=sorted(now - was),
        alerts_lost_above_line=sorted(was - now),
        cases_gained=sorted(proposed_cases - active_cases),
        cases_lost=sorted(active_cases - proposed_cases),
    )


def as_dict(result: ParameterBacktest) -> dict[str, Any]:
    import dataclasses

    return dataclasses.asdict(result)
