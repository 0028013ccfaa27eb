"""Customer risk rating: rate the whole book, re-rate what changed, review what is due, explain a rating.

A run reads every input as columns (customers, accounts, alert, large-value and
STR counts from the database; counterparties' countries and cash from the
ledger in one DuckDB query), scores them with the registered factors and writes
the ratings in bulk inside one transaction with one audit event for the run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from integrita.analytics.risk_features import FEATURE_COLUMNS, customer_ledger_features
from integrita.domain.risk import (
    BAND_ORDER,
    FACTOR_GROUPS,
    RatingConfig,
    next_review_due,
    onboarding_rating_due,
)
from integrita.errors import InputError, NotFoundError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.risk import configuration as configuration_service
from integrita.services.risk import engine
from integrita.services.risk.factors import REGISTRY, RatingInputs
from integrita.store import Session
from integrita.store.repositories import customers as customers_repo
from integrita.store.repositories import risk as repo

Progress = Callable[[float], None]
WRITE_CHUNK = 100_000


# -- configuration (its own module; these names keep callers' imports working) --------------------

current_config = configuration_service.current_config
configuration = configuration_service.configuration
set_configuration = configuration_service.set_configuration


# -- inputs ---------------------------------------------------------------------------------------


def _positions(keys: pa.Array, customer_ids: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Index of each key in ``customer_ids`` (-1 when absent)."""
    found = pc.index_in(keys, value_set=customer_ids)
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _count_column(counts: dict[str, int], ids: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    out = np.zeros(len(ids), dtype=np.int64)
    if not counts:
        return out
    keys = pa.array(list(counts), type=pa.string())
    pos = _positions(keys, ids)
    values = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
    keep = pos >= 0
    out[pos[keep]] = values[keep]
    return out


def load_inputs(
    ctx: Context,
    session: Session,
    customer_ids: Sequence[str] | None,
    at: datetime,
    config: RatingConfig,
) -> RatingInputs:
    """Read every factor input for the customers (all when None), aligned by sorted customer id."""
    cfg = config.body
    cols = repo.customer_columns(session, customer_ids)
    ids = pa.array(cols["customer_id"], type=pa.string())
    n = len(ids)
    since = at - timedelta(days=int(cfg["behaviour_lookback_days"]))
    account_ids, owners, types = repo.open_accounts(session, customer_ids)
    owner_pos = _positions(pa.array(owners, type=pa.string()), ids)
    type_array = np.array(types, dtype=object)
    holdings: dict[str, np.ndarray[Any, np.dtype[np.bool_]]] = {}
    for account_type in sorted(set(types)):
        held = np.zeros(n, dtype=np.bool_)
        mask = (type_array == account_type) & (owner_pos >= 0)
        held[owner_pos[mask]] = True
        holdings[account_type] = held
    ledger_counts = {c: np.zeros(n, dtype=np.int64) for c in FEATURE_COLUMNS}
    if account_ids:
        features = customer_ledger_features(
            open_ledger(ctx),
            pa.table(
                {
                    "account_id": pa.array(account_ids, pa.string()),
                    "customer_id": pa.array(owners, pa.string()),
                }
            ),
            since=since,
            high_risk_countries=cfg["high_risk_countries"],
            elevated_countries=cfg["elevated_countries"],
        )
        if features.num_rows:
            pos = _positions(features["customer_id"].combine_chunks(), ids)
            keep = pos >= 0
            for c in FEATURE_COLUMNS:
                values = np.asarray(features[c].to_numpy(), dtype=np.int64)
                ledger_counts[c][pos[keep]] = values[keep]
    legal_rep = pa.array(cols["legal_representative"], type=pa.string())
    inputs = RatingInputs(
        customer_id=ids,
        customer_type=pa.array(cols["customer_type"], type=pa.string()),
        occupation=pa.array(cols["occupation_or_industry"], type=pa.string()),
        nationality=pa.array(cols["nationality"], type=pa.string()),
        residence=pa.array(cols["residence_country"], type=pa.string()),
        onboarding_channel=pa.array(cols["onboarding_channel"], type=pa.string()),
        segment=pa.array(cols["segment"], type=pa.string()),
        pep=np.array([bool(p) for p in cols["pep"]], dtype=np.bool_),
        has_legal_representative=np.asarray(
            pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(legal_rep)), 0)
            .fill_null(False)
            .to_numpy(zero_copy_only=False),
            dtype=np.bool_,
        ),
        holdings=holdings,
        alerts=_count_column(repo.alert_counts(session, since, customer_ids), ids),
        strs=_count_column(repo.event_counts(session, "str", customer_ids), ids),
        large_value=_count_column(repo.large_value_counts(session, since, customer_ids), ids),
        transactions=ledger_counts["transactions"],
        cash_transactions=ledger_counts["cash_transactions"],
        high_risk_country_transactions=ledger_counts["high_risk_country_transactions"],
        elevated_country_transactions=ledger_counts["elevated_country_transactions"],
        cross_border_transactions=ledger_counts["cross_border_transactions"],
    )
    return inputs


# -- runs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingPlan:
    """Which customers a run rates and why; ``customer_ids`` None means the whole book."""

    mode: str
    customer_ids: list[str] | None
    triggers: dict[str, str]
    total: int


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    mode: str
    customers: int
    config_version: int
    by_band: dict[str, int]
    seconds: float
    triggers: dict[str, int] = field(default_factory=dict)


def plan(ctx: Context, mode: str, customer_ids: Sequence[str] = ()) -> RatingPlan:
    """Work out a run: ``all`` (whole book), ``incremental`` (stale or unrated), ``due`` (review due), ``customers``."""
    with ctx.db.transaction() as session:
        if mode == "all":
            total = customers_repo.count_customers(session)
            return RatingPlan("all", None, {}, total)
        if mode == "incremental":
            last = repo.last_run(session)
            stale = repo.customers_needing_rerating(session, last.started_at if last else None)
            return RatingPlan("incremental", sorted(stale), stale, len(stale))
        if mode == "due":
            due = repo.due_customer_ids(session, ctx.local_date())
            return RatingPlan("due", sorted(due), dict.fromkeys(due, "periodic"), len(due))
        if mode == "customers":
            missing = [c for c in customer_ids if repo.customer(session, c) is None]
            if missing:
                raise NotFoundError(f"no customer {missing[0]!r}")
            ids = sorted(set(customer_ids))
            return RatingPlan("customers", ids, dict.fromkeys(ids, "manual"), len(ids))
    raise InputError(
        f"unknown rating mode {mode!r} (all, incremental, due, customers)", field="mode"
    )


def execute(
    ctx: Context,
    rating_plan: RatingPlan,
    *,
    actor: str = "system",
    progress: Progress | None = None,
) -> RunSummary:
    """Rate the planned customers in one transaction; writes one audit event for the run."""
    started = time.perf_counter()
    at = ctx.now().astimezone(UTC)
    with ctx.db.transaction() as session:
        repo.lock_ratings(session)
        config = current_config(session, at, actor)
        run = repo.start_run(session, rating_plan.mode, config.version, at, actor)
        if rating_plan.customer_ids is not None and not rating_plan.customer_ids:
            repo.finish_run(session, run, 0, at)
            return RunSummary(
                run.id, rating_plan.mode, 0, config.version, {}, time.perf_counter() - started
            )
        inputs = load_inputs(ctx, session, rating_plan.customer_ids, at, config)
        batch = engine.score(inputs, config)
        ids: list[str] = inputs.customer_id.to_pylist()
        bands = batch.bands
        rated_on = ctx.local_date(at)
        due_by_code = np.array(
            [
                next_review_due(ctx.calendar, rated_on, config.review_months(b.value))
                for b in BAND_ORDER
            ],
            dtype=object,
        )
        dues: list[date] = list(due_by_code[batch.band_codes])
        default_trigger = "full" if rating_plan.mode == "all" else "manual"
        triggers = [rating_plan.triggers.get(c, default_trigger) for c in ids]
        payload = engine.contributions_json(batch)
        scores = np.round(batch.scores, 2).tolist()
        for start in range(0, len(ids), WRITE_CHUNK):
            end = start + WRITE_CHUNK
            repo.write_ratings(
                session,
                run_id=run.id,
                rated_at=at,
                config_version=config.version,
                customer_ids=ids[start:end],
                scores=scores[start:end],
                bands=bands[start:end],
                contributions_json=payload[start:end],
                triggers=triggers[start:end],
                next_review_due=dues[start:end],
            )
            if progress is not None:
                progress(min(end, len(ids)) - start)
        if rating_plan.mode == "all":
            repo.mark_all_events_rated(session, run.id)
        else:
            repo.mark_events_rated(session, ids, run.id)
            # New facts or a periodic review supersede a manual override.
            overridden = repo.overridden_among(session, ids)
            if overridden:
                index = {c: i for i, c in enumerate(ids) if c in overridden}
                repo.clear_overrides(session, list(index), [dues[i] for i in index.values()])
        repo.finish_run(session, run, len(ids), at)
        by_band = dict(Counter(bands))
        trigger_counts = dict(Counter(triggers))
        audit.record(
            session,
            at=at,
            actor=actor,
            action="risk.rating_run",
            entity_type="risk_rating_run",
            entity_id=run.id,
            after={
                "mode": rating_plan.mode,
                "customers": len(ids),
                "config_version": config.version,
                "by_band": by_band,
                "triggers": trigger_counts,
            },
        )
    return RunSummary(
        run.id,
        rating_plan.mode,
        len(ids),
        config.version,
        by_band,
        time.perf_counter() - started,
        trigger_counts,
    )


def rate_all(
    ctx: Context, *, actor: str = "system", progress: Progress | None = None
) -> RunSummary:
    summary = execute(ctx, plan(ctx, "all"), actor=actor, progress=progress)
    with ctx.db.transaction() as session:
        repo.refresh_planner_statistics(session)
    return summary


def rate_incremental(
    ctx: Context, *, actor: str = "system", progress: Progress | None = None
) -> RunSummary:
    return execute(ctx, plan(ctx, "incremental"), actor=actor, progress=progress)


def rate_customers(
    ctx: Context, customer_ids: Sequence[str], *, actor: str = "system"
) -> RunSummary:
    return execute(ctx, plan(ctx, "customers", customer_ids), actor=actor)


# -- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorLine:
    name: str
    group: str
    weight: float
    contribution: float
    explanation: str


@dataclass(frozen=True)
class RatingHistoryLine:
    run_id: int
    rated_at: datetime
    score: float
    band: str
    trigger: str
    config_version: int


@dataclass(frozen=True)
class RatingBreakdown:
    """What the customer and case pages show: the rating, why, and what is pending."""

    customer_id: str
    score: float
    band: str
    effective_band: str
    override_band: str | None
    override_id: int | None
    rated_at: datetime
    next_review_due: date
    review_overdue: bool
    config_version: int
    trigger: str
    factors: list[FactorLine]
    pending_events: list[str]
    history: list[RatingHistoryLine]

    @property
    def groups(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.factors:
            totals[line.group] = round(totals.get(line.group, 0.0) + line.contribution, 2)
        return totals


def rating_breakdown(ctx: Context, customer_id: str) -> RatingBreakdown | None:
    """The customer's current rating with each factor's contribution; None when never rated."""
    with ctx.db.transaction() as session:
        state = repo.status(session, customer_id)
        if state is None:
            return None
        rating = repo.rating(session, customer_id, state.run_id)
        config_row = repo.get_config(session, state.config_version)
        if rating is None or config_row is None:
            return None
        body: dict[str, Any] = dict(config_row.body)
        names: list[str] = list(body["factors"])
        weights: dict[str, float] = body["weights"]
        total_weight = sum(float(weights[n]) for n in names)
        contributions = list(rating.contributions)
        factors = [
            FactorLine(
                name,
                FACTOR_GROUPS[name],
                round(100 * float(weights[name]) / total_weight, 2),
                float(contributions[j]) if j < len(contributions) else 0.0,
                REGISTRY[name].explanation if name in REGISTRY else "",
            )
            for j, name in enumerate(names)
        ]
        factors.sort(key=lambda f: -f.contribution)
        pending = [
            f"{e.kind} {e.reference} ({e.occurred_at:%Y-%m-%d})"
            for e in repo.events_for(session, customer_id)
            if e.run_id is None
        ]
        history = [
            RatingHistoryLine(r.run_id, r.rated_at, r.score, r.band, r.trigger, r.config_version)
            for r in repo.rating_history(session, customer_id)
        ]
        return RatingBreakdown(
            customer_id=customer_id,
            score=state.score,
            band=state.band,
            effective_band=state.override_band or state.band,
            override_band=state.override_band,
            override_id=state.override_id,
            rated_at=state.rated_at,
            next_review_due=state.next_review_due,
            review_overdue=state.next_review_due < ctx.local_date(),
            config_version=state.config_version,
            trigger=rating.trigger,
            factors=factors,
            pending_events=pending,
            history=history,
        )


def band_distribution(ctx: Context) -> dict[str, int]:
    """Customers per effective band (after approved overrides), in band order."""
    with ctx.db.transaction() as session:
        counts = repo.effective_band_counts(session)
    return {b.value: counts.get(b.value, 0) for b in BAND_ORDER}


@dataclass(frozen=True)
class DueItem:
    customer_id: str
    reason: str  # "periodic review" | "first rating"
    band: str | None
    due_on: date
    overdue: bool


def due_for_review(ctx: Context, *, on: date | None = None, limit: int = 200) -> list[DueItem]:
    """Customers whose periodic review is due and new customers awaiting their first rating."""
    today = on or ctx.local_date()
    items: list[DueItem] = []
    with ctx.db.transaction() as session:
        config = current_config(session, ctx.now())
        days = int(config.body["onboarding_rating_working_days"])
        for cid, onboarded in repo.unrated_customers(session, limit):
            start = ctx.local_date(onboarded or ctx.now())
            due = onboarding_rating_due(ctx.calendar, start, days)
            items.append(DueItem(cid, "first rating", None, due, due < today))
        for state in repo.due_for_review(session, today, limit):
            items.append(
                DueItem(
                    state.customer_id,
                    "periodic review",
                    state.override_band or state.band,
                    state.next_review_due,
                    state.next_review_due < today,
                )
            )
    items.sort(key=lambda i: (i.due_on, i.customer_id))
    return items[:limit]


#: The most overdue reviews a list shows (a book with more has a backlog no list will fix).
OVERDUE_LIMIT = 5000


def overdue_reviews(ctx: Context) -> list[DueItem]:
    """Periodic reviews and first ratings whose due date lies before today (the bank's local
    date): the backlog the MLRO answers for."""
    return [i for i in due_for_review(ctx, limit=OVERDUE_LIMIT) if i.overdue]


@dataclass(frozen=True)
class StatusRow:
    customer_id: str
    score: float
    band: str
    effective_band: str
    rated_at: datetime
    next_review_due: date


def list_statuses(
    ctx: Context, band: str | None, limit: int = 100, offset: int = 0
) -> list[StatusRow]:
    """Rated customers, highest score first, optionally of one effective band."""
    with ctx.db.transaction() as session:
        return [
            StatusRow(
                s.customer_id,
                s.score,
                s.band,
                s.override_band or s.band,
                s.rated_at,
                s.next_review_due,
            )
            for s in repo.list_statuses(session, band or None, limit, offset)
        ]
