"""Batch AML monitoring: run every detector over new ledger partitions, raise one alert per customer.

A run processes the partitions that are new since the last finished run (or
gained files), plus the look-back window the detectors need, on DuckDB or Spark.
Matches that touch only already-processed days are left alone, and alerts are
de-duplicated on (customer, typologies, evidence), so re-running never raises the
same alert twice. Large-value records are written apart from alerts.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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
from integrita.detection.fx import rate_periods
from integrita.detection.large_value import DUE_WORKING_DAYS, LargeValueThresholds, large_value_sql
from integrita.detection.matches import (
    EvidenceRow,
    Match,
    build_matches,
    group_by_customer,
    run_detector,
)
from integrita.detection.registry import Detector
from integrita.errors import InputError
from integrita.services.core import audit
from integrita.services.core import fx as core_fx
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.monitoring.alerts import AlertDraft, raise_alerts
from integrita.store.repositories import detection as repo

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
    large_value_records: int = 0
    scored_with: str | None = None
    seconds: float = 0.0

    @property
    def nothing_new(self) -> bool:
        return self.new_partitions == 0


def batch_fx_table(ctx: Context) -> pa.Table:
    """The installation's one FX table as rate periods starting at the bank's local midnight,
    so a payment gets the CNY value the real-time engine gave it."""
    return fx_table(rate_periods(core_fx.fx_table(ctx), ctx.zone))


def _owners_table(owners: list[tuple[str, str, str]]) -> pa.Table:
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
    fresh, new_from, scan_to = _new_range(partitions, processed)
    summary = DetectionSummary(run_id, engine, len(fresh), new_from, None, scan_to)
    summary.typologies = [TypologySummary(d.name, d.title) for d in chosen]
    if not fresh or new_from is None or scan_to is None:
        return summary
    bounds = ledger_bounds(ledger)
    lookback = max(
        (d.lookback(d.params(overrides.get(d.name))) for d in chosen), default=timedelta()
    )
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
        eng.register("owners", _owners_table(owners))
        _check_rates(eng)
        rows: list[EvidenceRow] = []
        for n, det in enumerate(chosen):
            report(f"detector {det.name}", n, total_steps)
            rows.extend(run_detector(eng, det, det.params(overrides.get(det.name))))
        report("large-value reports", len(chosen), total_steps)
        large = eng.query(large_value_sql(LargeValueThresholds(), int(new_from.timestamp())))
        report("scoring", len(chosen) + 1, total_steps)
        new_ts = int(new_from.timestamp())
        matches = [m for m in build_matches(rows) if m.last_ts >= new_ts]
        from integrita.services.monitoring.scoring import score_matches

        scores, explanations, version = score_matches(ctx, eng, matches)
    finally:
        eng.close()
    summary.scored_with = version
    _store(ctx, summary, chosen, matches, large, owners, partitions, scores, explanations)
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


def _store(
    ctx: Context,
    summary: DetectionSummary,
    chosen: list[Detector],
    matches: list[Match],
    large: pa.Table,
    owners: list[tuple[str, str, str]],
    partitions: dict[str, int],
    scores: dict[str, float],
    explanations: dict[str, list[dict[str, object]]],
) -> None:
    owner_map = {a: c for a, c, _ in owners}
    why = {d.name: d.explanation for d in chosen}
    per = {t.typology: t for t in summary.typologies}
    for m in matches:
        t = per[m.typology]
        t.matches += 1
        t.transactions += len(m.txn_ids)
        t.accounts += len(m.accounts)
    grouped = group_by_customer(matches, owner_map.get)
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
        )
        drafts = []
        for alert in grouped:
            scored = [(scores[t], t) for t in alert.txn_ids if t in scores]
            best = max(scored) if scored else None
            drafts.append(
                AlertDraft(
                    customer_id=alert.customer_id,
                    source="detection",
                    typologies=alert.typologies,
                    evidence=alert.evidence(why),
                    evidence_txn_ids=alert.txn_ids,
                    score=round(best[0], 6) if best else None,
                    explanation=(
                        [{"txn_id": best[1]}, *explanations.get(best[1], [])] if best else None
                    ),
                    run_id=summary.run_id,
                )
            )
        for alert, raised in zip(grouped, raise_alerts(session, drafts, at=now), strict=True):
            if raised is None:
                summary.alerts_duplicate += 1
                continue
            summary.alerts_raised += 1
            for typology in alert.typologies:
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
