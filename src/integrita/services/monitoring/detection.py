"""Batch AML monitoring: run every detector over new ledger partitions and raise entity alerts
under the MLRO's budget.

A run processes the partitions that are new since the last finished run (or gained files), plus
the look-back window the detectors need, on DuckDB or Spark, with each detector's parameter set
in force (recorded on the run). Its matches become one alert per customer — or per account where
the bank registered no owner, with a warning — per local calendar month, ranked by the entity
score (:mod:`integrita.detection.entity_score`); the run raises at most the monthly budget's share
of its period, highest scores first, and records what it left below the line. Matches that touch
only already-processed days are left alone; evidence a later run finds for a customer and month
whose alert is still open (not in a case) is added to that alert; and alerts are de-duplicated on
(entity, typologies, evidence), so re-running never raises the same alert twice. Large-value
records are written apart from alerts.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from integrita.analytics.engine import (
    QueryEngine,
    ScanRange,
    SparkConfig,
    day_of_partition,
    fx_table,
    ledger_bounds,
    open_engine,
    partition_files,
)
from integrita.detection.catalogue import detectors
from integrita.detection.context import business_accounts_sql
from integrita.detection.entity_alerts import (
    EntityAlert,
    group_alerts,
    match_parties,
    split_at_budget,
)
from integrita.detection.fx import rate_periods
from integrita.detection.large_value import DUE_WORKING_DAYS, LargeValueThresholds, large_value_sql
from integrita.detection.matches import (
    EvidenceRow,
    Match,
    build_matches,
    run_detector,
    txn_ends,
)
from integrita.detection.quality import budget_for
from integrita.errors import InputError
from integrita.services.core import audit
from integrita.services.core import fx as core_fx
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.monitoring.alert_budget import budget_in_force
from integrita.services.monitoring.alerts import AlertDraft, merge_into_open_alerts, raise_alerts
from integrita.services.monitoring.detector_params import as_json, parameters_in_force
from integrita.store.repositories import detection as repo

if TYPE_CHECKING:
    from integrita.services.monitoring.scoring import MatchScores

ENGINES = ("duckdb", "spark")

#: progress(step description, steps done, steps total)
Progress = Callable[[str, int, int], None]

OWNERS_SCHEMA = pa.schema(
    [("account_id", pa.string()), ("customer_id", pa.string()), ("customer_type", pa.string())]
)


@dataclass
class TypologySummary:
    typology: str
    title: str
    matches: int = 0
    transactions: int = 0
    accounts: int = 0
    alerts: int = 0


@dataclass
class DetectionSummary:
    """What a run did, for the terminal and the demo."""

    run_id: str
    engine: str
    new_partitions: int
    new_from: datetime | None
    scan_from: datetime | None
    scan_to: datetime | None
    typologies: list[TypologySummary] = field(default_factory=list)
    alerts_raised: int = 0
    alerts_duplicate: int = 0
    #: Open alerts of the same customer and month that this run added evidence to.
    alerts_updated: int = 0
    large_value_records: int = 0
    scored_with: str | None = None
    seconds: float = 0.0
    #: The alerts this run could raise (the monthly budget's share of its period).
    alert_budget: int | None = None
    budget_per_month: int | None = None
    alerts_below_line: int = 0
    alerts_without_owner: int = 0
    #: Matches with no customer of the bank on either side: no alert.
    matches_outside_bank: int = 0
    #: Detector -> parameter-set version used (0: parameters given to this run, not governed).
    parameter_versions: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return self.new_partitions == 0


def batch_fx_table(ctx: Context) -> pa.Table:
    """The installation's one FX table as rate periods starting at the bank's local midnight,
    so a payment gets the CNY value the real-time engine gave it."""
    return fx_table(rate_periods(core_fx.fx_table(ctx), ctx.zone))


def owners_table(owners: list[tuple[str, str, str]]) -> pa.Table:
    """The ledger's registered owners as an Arrow table (account, customer, customer type)."""
    return pa.Table.from_pylist(
        [{"account_id": a, "customer_id": c, "customer_type": t} for a, c, t in owners],
        schema=OWNERS_SCHEMA,
    )


def _new_range(
    partitions: dict[str, int], processed: dict[str, int]
) -> tuple[list[str], datetime | None, datetime | None]:
    fresh = sorted(p for p, n in partitions.items() if processed.get(p) != n)
    if not fresh:
        return [], None, None
    first = day_of_partition(fresh[0])
    last = day_of_partition(max(partitions))
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    return fresh, start, end


def run_detection(
    ctx: Context,
    engine: str = "duckdb",
    progress: Progress | None = None,
    *,
    only: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    full: bool = False,
    spark: Any = None,
    spark_master: str | None = None,
) -> DetectionSummary:
    """Run the detectors over what is new in the ledger and store alerts and large-value records.

    ``full`` re-processes the whole ledger (alerts already raised are still not repeated).
    ``spark_master`` (with ``engine="spark"``) runs on that master instead of the configured
    one, e.g. a standalone cluster ``spark://host:7077``.
    ``params`` replaces parameters in force for this run only (a backtest's or a benchmark's
    setting); such detectors are recorded with version 0.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}", field="engine")
    started = datetime.now(UTC)
    run_id = f"run-{ctx.now().strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    chosen = detectors(only)
    overrides = params or {}
    ledger = open_ledger(ctx)
    partitions = partition_files(ledger)
    with ctx.db.transaction() as session:
        processed = {} if full else repo.processed_partitions(session)
        owners = repo.account_owners(session)
        in_force = parameters_in_force(session, chosen, ctx.now())
        budget = budget_in_force(session)
    used = {
        d.name: d.params({**as_json(in_force[d.name][1]), **overrides[d.name]})
        if d.name in overrides
        else in_force[d.name][1]
        for d in chosen
    }
    fresh, new_from, scan_to = _new_range(partitions, processed)
    summary = DetectionSummary(run_id, engine, len(fresh), new_from, None, scan_to)
    summary.typologies = [TypologySummary(d.name, d.title) for d in chosen]
    summary.parameter_versions = {
        d.name: 0 if d.name in overrides else in_force[d.name][0] for d in chosen
    }
    if not fresh or new_from is None or scan_to is None:
        return summary
    summary.budget_per_month = budget.alerts_per_month
    summary.alert_budget = budget_for(budget.alerts_per_month, (scan_to - new_from).total_seconds())
    bounds = ledger_bounds(ledger)
    lookback = max((d.lookback(used[d.name]) for d in chosen), default=timedelta())
    scan_from = new_from - lookback
    if bounds is not None:
        scan_from = max(scan_from, bounds[0].replace(hour=0, minute=0, second=0, microsecond=0))
    summary.scan_from = scan_from
    total_steps = len(chosen) + 2
    report = progress or (lambda _s, _d, _t: None)

    eng = open_engine(
        engine,
        ledger,
        ScanRange(scan_from, scan_to),
        batch_fx_table(ctx),
        spark_config=SparkConfig.from_settings(ctx.settings, spark_master),
        spark=spark,
    )
    try:
        eng.register("owners", owners_table(owners))
        _check_rates(eng)
        rows: list[EvidenceRow] = []
        for n, det in enumerate(chosen):
            report(f"detector {det.name}", n, total_steps)
            rows.extend(run_detector(eng, det, used[det.name]))
        report("large-value reports", len(chosen), total_steps)
        large = eng.query(large_value_sql(LargeValueThresholds(), int(new_from.timestamp())))
        report("scoring", len(chosen) + 1, total_steps)
        new_ts = int(new_from.timestamp())
        matches = [m for m in build_matches(rows) if m.last_ts >= new_ts]
        from integrita.services.monitoring.scoring import score_matches

        scored = score_matches(ctx, eng, matches)
        # only matches none of whose accounts is ours are routed through their transactions'
        # other ends; looking up every evidence transaction held millions of pairs at 5M
        owned = {a for a, _, _ in owners}
        ends = txn_ends(
            eng, (t for m in matches if owned and not (m.accounts & owned) for t in m.txn_ids)
        )
        business = frozenset(
            str(a) for a in eng.query(business_accounts_sql()).column("account").to_pylist()
        )
    finally:
        eng.close()
    summary.scored_with = scored.version
    owner_map = {a: c for a, c, _ in owners}
    alerts = group_alerts(
        matches,
        owner_of=owner_map.get,
        period_of=lambda ts: ctx.local_date(datetime.fromtimestamp(ts, UTC)).strftime("%Y-%m"),
        score_of=scored.scores,
        calibration=scored.calibration,
        accounts_of=ends,
        owners_known=bool(owner_map),
        business=business,
        corroborating_score=scored.threshold,
    )
    summary.matches_outside_bank = sum(
        1
        for m in matches
        if not match_parties(m, owner_map.get, ends, owners_known=bool(owner_map))
    )
    if summary.matches_outside_bank:
        summary.warnings.append(
            f"{summary.matches_outside_bank} match(es) involve no customer of the bank on either "
            "side: no alert (another bank's customers are for that bank to investigate)"
        )
    why = {d.name: d.explain(used[d.name]) for d in chosen}
    _store(ctx, summary, matches, alerts, large, partitions, scored, why)
    report("done", total_steps, total_steps)
    summary.seconds = (datetime.now(UTC) - started).total_seconds()
    return summary


def _check_rates(eng: QueryEngine) -> None:
    from integrita.errors import ConfigurationError

    missing = eng.query(
        "SELECT DISTINCT paid_currency FROM txn WHERE amount_cny_minor IS NULL"
    ).column(0)
    if len(missing):
        raise ConfigurationError(
            "no exchange rate for currency "
            + ", ".join(sorted(str(c) for c in missing.to_pylist()))
            + " on some booking days: add it to fx_rates.json in the data directory"
        )


#: At most this many alerts below the line are listed on the run (all are counted).
BELOW_LINE_LISTED = 1000


def _draft(
    alert: EntityAlert,
    why: dict[str, str],
    scored: MatchScores,
    reasons: dict[str, list[dict[str, object]]],
    run_id: str,
) -> AlertDraft:
    from integrita.detection.entity_score import explain_score

    best = alert.best_txn
    model: list[dict[str, object]] = [{"txn_id": best}, *reasons.get(best, [])] if best else []
    return AlertDraft(
        customer_id=alert.entity,
        source="detection",
        typologies=alert.typologies,
        evidence=alert.evidence(why),
        evidence_txn_ids=alert.txn_ids,
        score=round(alert.score, 6),
        explanation=[
            *explain_score(alert.evidence_figures(scored.scores), scored.calibration),
            *model,
        ],
        run_id=run_id,
    )


def _store(
    ctx: Context,
    summary: DetectionSummary,
    matches: list[Match],
    alerts: list[EntityAlert],
    large: pa.Table,
    partitions: dict[str, int],
    scored: MatchScores,
    why: dict[str, str],
) -> None:
    per = {t.typology: t for t in summary.typologies}
    for m in matches:
        t = per[m.typology]
        t.matches += 1
        t.transactions += len(m.txn_ids)
        t.accounts += len(m.accounts)
    line = scored.calibration.alert_line
    above, below = split_at_budget(alerts, summary.alert_budget, line)
    summary.alerts_below_line = len(below)
    explained = sum(1 for a in alerts if a.explained)
    if explained:
        summary.warnings.append(
            f"{explained} alert(s) held only evidence that the accounts' business explains "
            "(organisations, merchants, payroll) with nothing corroborating it: left below the line"
        )
    summary.alerts_without_owner = sum(1 for a in above if not a.owned)
    if summary.alerts_without_owner:
        summary.warnings.append(
            f"{summary.alerts_without_owner} alert(s) name an account whose owner the bank did "
            "not register: load the customers and accounts (integrita ingest) so alerts name them"
        )
    if below:
        summary.warnings.append(
            f"{len(below)} alert(s) fell below the budget's line ({summary.alert_budget} for this "
            f"run's period at {summary.budget_per_month} a month)"
            + (
                ""
                if line is None
                else f" or under the alert line chosen on labelled history (score {line:.4f})"
            )
            + "; the run lists them"
        )
    now = ctx.now()
    with ctx.db.transaction() as session:
        repo.add_run(
            session,
            run_id=summary.run_id,
            engine=summary.engine,
            status="done",
            started_at=now,
            finished_at=now,
            new_from=summary.new_from,
            scan_from=summary.scan_from,
            scan_to=summary.scan_to,
            partitions=partitions,
            matches=dict(Counter(m.typology for m in matches)),
            model_version=summary.scored_with,
            alert_budget=summary.alert_budget,
            alerts_below_line=len(below),
            below_line=[
                {
                    "entity": a.entity,
                    "period": a.period,
                    "score": round(a.score, 6),
                    "typologies": a.typologies,
                    "transactions": len(a.txn_ids),
                }
                for a in below[:BELOW_LINE_LISTED]
            ],
            alerts_without_owner=summary.alerts_without_owner,
            parameter_versions=summary.parameter_versions,
        )
        # the model's reasons for the transaction each raised alert shows, those only
        reasons = scored.explain(a.best_txn for a in above if a.best_txn)
        drafts = [_draft(a, why, scored, reasons, summary.run_id) for a in above]
        merged = merge_into_open_alerts(session, drafts, at=now)
        summary.alerts_updated = merged.count("merged")
        summary.alerts_duplicate = merged.count("unchanged")
        fresh = [i for i, outcome in enumerate(merged) if outcome is None]
        raised = raise_alerts(session, [drafts[i] for i in fresh], at=now)
        for i, one in zip(fresh, raised, strict=True):
            if one is None:
                summary.alerts_duplicate += 1
                continue
            summary.alerts_raised += 1
            for typology in above[i].typologies:
                per[typology].alerts += 1
        summary.large_value_records = _store_large_value(ctx, session, large)
        run = repo.get_run(session, summary.run_id)
        assert run is not None
        run.alerts_raised = summary.alerts_raised
        run.alerts_duplicate = summary.alerts_duplicate
        run.large_value_records = summary.large_value_records
        audit.record(
            session,
            at=now,
            actor="system",
            action="detection.run_finished",
            entity_type="detection_run",
            entity_id=summary.run_id,
            after={
                "engine": summary.engine,
                "alerts_raised": summary.alerts_raised,
                "alerts_updated": summary.alerts_updated,
                "alert_budget": summary.alert_budget,
                "alerts_below_line": len(below),
                "alerts_without_owner": summary.alerts_without_owner,
                "parameter_versions": summary.parameter_versions,
                "large_value_records": summary.large_value_records,
                "matches": run.matches,
            },
        )


def _store_large_value(ctx: Context, session: Any, large: pa.Table) -> int:
    cols = large.to_pydict()
    if not cols or not cols.get("txn_id"):
        return 0
    known = repo.existing_large_value_keys(session, sorted(set(cols["txn_id"])))
    rows = []
    seen: set[tuple[str, str]] = set()
    for i, txn_id in enumerate(cols["txn_id"]):
        key = (txn_id, cols["rule"][i])
        if key in known or key in seen:
            continue
        seen.add(key)
        booked = datetime.fromtimestamp(int(cols["ts"][i]), UTC)
        rows.append(
            {
                "txn_id": txn_id,
                "rule": cols["rule"][i],
                "customer_id": cols["customer_id"][i],
                "account_id": cols["account_id"][i],
                "booked_at": booked,
                "amount_minor": int(cols["amount_minor"][i]),
                "currency": cols["currency"][i],
                "amount_cny_minor": int(cols["amount_cny_minor"][i]),
                "due_on": ctx.calendar.due_date(ctx.local_date(booked), DUE_WORKING_DAYS),
                "status": "pending",
            }
        )
    return repo.add_large_value_records(session, rows)
