"""Learned scoring: build features from the ledger, train and register models, score alerts.

Models are versioned files under ``<data_dir>/models/<version>/`` (LightGBM text
model, ``model_card.json`` and ``model_card.md``) registered in the database; the
active one scores new alerts.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from integrita.analytics.engine import (
    QueryEngine,
    ScanRange,
    SparkConfig,
    ledger_bounds,
    open_engine,
)
from integrita.analytics.graph_features import staged_graph_features
from integrita.detection import model as ml
from integrita.detection.catalogue import detectors
from integrita.detection.context import business_accounts_sql
from integrita.detection.entity_score import Calibration
from integrita.detection.features import LONGEST_WINDOW_SECONDS, feature_names, features_sql
from integrita.detection.matches import Match, build_matches, run_detector
from integrita.detection.quality import UNLABELLED
from integrita.errors import InputError, NotFoundError
from integrita.logging import get_logger
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.monitoring.calibration import calibrate
from integrita.services.monitoring.detection import batch_fx_table
from integrita.services.monitoring.feature_matrix import every_transaction, feature_rows
from integrita.services.monitoring.point_in_time import FLAGS_SCHEMA, flags_as_of, membership_sql
from integrita.store.repositories import detection as repo

Progress = Callable[[str, int, int], None]
MEMBERSHIP_SCHEMA = pa.schema([("txn_id", pa.string()), ("typology", pa.string())])
OWNERS_SCHEMA = pa.schema(
    [("account_id", pa.string()), ("customer_id", pa.string()), ("customer_type", pa.string())]
)

log = get_logger(__name__)


@dataclass
class Dataset:
    """Features, labels and pattern membership of every ledger transaction."""

    txn_ids: list[str]
    ts: np.ndarray[Any, Any]
    x: np.ndarray[Any, Any]
    y: np.ndarray[Any, Any]
    names: list[str]
    matches: list[Match]
    typology_of_label: dict[str, str]
    pattern_of_label: dict[str, str]
    accounts_of: dict[str, tuple[str, str]]
    #: Business-like accounts (:mod:`integrita.detection.context`) recognised from the data
    #: before the test split, so the backtest's context never comes from the period it tests.
    business: frozenset[str] = frozenset()


def membership_table(matches: list[Match]) -> pa.Table:
    rows = [{"txn_id": t, "typology": m.typology} for m in matches for t in sorted(m.txn_ids)]
    return pa.Table.from_pylist(rows, schema=MEMBERSHIP_SCHEMA)


def read_labels(path: Path) -> pa.Table:
    """Labels (txn_id, is_laundering, typology, pattern_id) from a CSV file or Parquet file/folder."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.exists():
        raise NotFoundError(f"labels {path} do not exist")
    if path.is_file() and path.suffix.lower() == ".csv":
        table = pacsv.read_csv(path)
    else:
        table = pq.read_table(path)
    missing = {"txn_id", "is_laundering"} - set(table.column_names)
    if missing:
        raise InputError(
            f"labels {path}: missing column(s) {', '.join(sorted(missing))}", field="labels"
        )
    flag = table["is_laundering"]
    if not pa.types.is_boolean(flag.type):
        text = pc.utf8_lower(pc.cast(flag, pa.string()))
        flag = pc.is_in(text, value_set=pa.array(["1", "true", "t", "yes"]))

    def optional(name: str) -> Any:
        column = table[name] if name in table.column_names else pa.nulls(table.num_rows)
        return pc.cast(column, pa.string())

    return pa.table(
        {
            "txn_id": pc.cast(table["txn_id"], pa.string()),
            "is_laundering": flag,
            "typology": optional("typology"),
            "pattern_id": optional("pattern_id"),
        }
    )


def default_labels(ctx: Context) -> Path:
    return ctx.settings.labels_dir


def build_dataset(
    ctx: Context,
    labels: Path | None = None,
    *,
    engine: str = "duckdb",
    progress: Progress | None = None,
) -> Dataset:
    """Run every detector over the whole ledger and compute features for every transaction."""
    ledger = open_ledger(ctx)
    bounds = ledger_bounds(ledger)
    if bounds is None:
        raise InputError("the ledger is empty: ingest transactions first", field="ledger")
    label_table = read_labels(labels or default_labels(ctx))
    scan = ScanRange(bounds[0], datetime.fromtimestamp(bounds[1].timestamp() + 1, UTC))
    fx = batch_fx_table(ctx)
    with ctx.db.transaction() as session:
        owners = repo.account_owners(session)
    eng = open_engine(
        engine,
        ledger,
        scan,
        fx,
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
        return dataset_from_engine(eng, label_table, progress=progress)
    finally:
        eng.close()


def dataset_from_engine(
    eng: QueryEngine,
    label_table: pa.Table,
    *,
    params: dict[str, dict[str, Any]] | None = None,
    progress: Progress | None = None,
    every_days: int = 1,
) -> Dataset:
    """Detect as of the end of the data (the matches alerts carry), then compute point-in-time
    features for every transaction in the engine's ``txn`` view: typology membership from
    detectors run as of each day's start (:mod:`.point_in_time`), never from later data."""
    report = progress or (lambda _s, _d, _t: None)
    chosen = detectors()
    rows = []
    for n, det in enumerate(chosen):
        report(f"detector {det.name}", n, len(chosen) + 2)
        rows.extend(run_detector(eng, det, det.params((params or {}).get(det.name))))
    matches = build_matches(rows)
    report("point-in-time typology membership", len(chosen), len(chosen) + 2)
    eng.register("flags", flags_as_of(eng, chosen, params, every_days=every_days))
    eng.stage("membership", membership_sql())
    report("features", len(chosen) + 1, len(chosen) + 2)
    names = feature_names()
    try:
        with staged_graph_features(eng):
            found = every_transaction(
                eng, ["txn_id", "ts", "from_account", "to_account"], order_by="f.ts, f.txn_id"
            )
    finally:
        eng.drop("membership")
    table = found.keys
    ids = table["txn_id"].to_pylist()
    positive = {
        t
        for t, flag in zip(
            label_table["txn_id"].to_pylist(), label_table["is_laundering"].to_pylist(), strict=True
        )
        if flag
    }
    typology_of = {
        t: (k or UNLABELLED)
        for t, f, k in zip(
            label_table["txn_id"].to_pylist(),
            label_table["is_laundering"].to_pylist(),
            label_table["typology"].to_pylist(),
            strict=True,
        )
        if f
    }
    pattern_of = {
        t: p
        for t, f, p in zip(
            label_table["txn_id"].to_pylist(),
            label_table["is_laundering"].to_pylist(),
            label_table["pattern_id"].to_pylist(),
            strict=True,
        )
        if f and p
    }
    accounts_of = dict(
        zip(
            ids,
            zip(table["from_account"].to_pylist(), table["to_account"].to_pylist(), strict=True),
            strict=True,
        )
    )
    y = np.fromiter((t in positive for t in ids), dtype=bool, count=len(ids))
    ts = np.asarray(table["ts"])
    _, _, te = ml.temporal_split(ts, embargo_seconds=LONGEST_WINDOW_SECONDS)
    test_from = int(ts[te].min()) if len(te) else None
    business = frozenset(
        str(a) for a in eng.query(business_accounts_sql(test_from)).column("account").to_pylist()
    )
    return Dataset(
        ids,
        np.asarray(table["ts"]),
        found.x,
        y,
        names,
        matches,
        typology_of,
        pattern_of,
        accounts_of,
        business,
    )


def models_dir(ctx: Context) -> Path:
    return ctx.settings.data_dir / "models"


def _card_markdown(card: dict[str, Any]) -> str:
    lines = [f"# Scoring model {card['version']}", "", f"Trained {card['trained_at']}.", ""]
    lines += ["## Data", "", "```json", json.dumps(card["data"], indent=2), "```", ""]
    lines += ["## Features", "", *[f"- `{f}`" for f in card["features"]], ""]
    lines += [
        "## Metrics (minority class)",
        "",
        "| split | precision | recall | F1 |",
        "| --- | --- | --- | --- |",
    ]
    for split, m in card["metrics"].items():
        lines.append(f"| {split} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |")
    lines += ["", f"Alert threshold (best F1 on validation): {card['threshold']:.4f}", ""]
    return "\n".join(lines)


def train_model(
    ctx: Context, labels: Path | None = None, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Train on the ledger with the temporal split, write the model and its card, activate it."""
    data = build_dataset(ctx, labels, progress=progress)
    trained = ml.train(data.x, data.y, data.ts, data.names, embargo_seconds=LONGEST_WINDOW_SECONDS)
    _, va, _ = ml.temporal_split(data.ts, embargo_seconds=LONGEST_WINDOW_SECONDS)
    with ctx.db.transaction() as session:
        owners = {a: c for a, c, _ in repo.account_owners(session)}
    calibration = calibrate(
        data, va, np.asarray(trained.booster.predict(data.x[va])), trained.threshold, owners
    )
    now = ctx.now()
    version = f"m{now.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    folder = models_dir(ctx) / version
    folder.mkdir(parents=True, exist_ok=True)
    trained.booster.save_model(str(folder / "model.txt"))
    card: dict[str, Any] = {
        "version": version,
        "trained_at": now.isoformat(),
        "algorithm": "LightGBM gradient-boosted trees (binary)",
        "data": {
            "transactions": len(data.txn_ids),
            "first_booked_at": datetime.fromtimestamp(int(data.ts.min()), UTC).isoformat(),
            "last_booked_at": datetime.fromtimestamp(int(data.ts.max()), UTC).isoformat(),
            "split": "temporal: first 60 % train, next 20 % validation, last 20 % test, "
            f"rows within {LONGEST_WINDOW_SECONDS // 86400} days after a part left out",
            **trained.rows,
        },
        "features": trained.feature_names,
        "metrics": trained.metrics,
        "threshold": trained.threshold,
        "entity_calibration": calibration.as_dict(),
        "best_iteration": int(
            trained.booster.best_iteration or trained.booster.current_iteration()
        ),
    }
    (folder / "model_card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    (folder / "model_card.md").write_text(_card_markdown(card), encoding="utf-8")
    with ctx.db.transaction() as session:
        repo.add_model(session, version=version, created_at=now, path=str(folder), card=card)
        repo.activate_model(session, version)
        audit.record(
            session,
            at=now,
            actor="system",
            action="scoring_model.trained",
            entity_type="scoring_model",
            entity_id=version,
            after={"metrics": card["metrics"], "active": True},
        )
    return card


def _load(path: str) -> Any:
    import lightgbm as lgb

    return lgb.Booster(model_file=str(Path(path) / "model.txt"))


def evaluate_model(
    ctx: Context, version: str | None = None, labels: Path | None = None
) -> dict[str, Any]:
    """Re-test a registered model on the current ledger's last 20 % (by time)."""
    with ctx.db.transaction() as session:
        found = repo.get_model(session, version) if version else repo.active_model(session)
        if found is None:
            raise NotFoundError(f"no scoring model {version or '(active)'}: train one first")
        path, card = found.path, dict(found.card)
    data = build_dataset(ctx, labels)
    booster = _load(path)
    _, _, te = ml.temporal_split(data.ts, embargo_seconds=LONGEST_WINDOW_SECONDS)
    score = booster.predict(data.x[te])
    threshold = float(card["threshold"])  # type: ignore[arg-type]
    return {
        "version": card["version"],
        "test": ml.binary_metrics(data.y[te], score >= threshold),
        "rows": len(te),
    }


def list_models(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        return [
            {"version": m.version, "active": m.active, "path": m.path, "card": dict(m.card)}
            for m in repo.list_models(session)
        ]


@dataclass
class MatchScores:
    """The active model's scores of evidence transactions (and their explanations on request),
    the model version, and the entity-score calibration fitted when the model was trained."""

    scores: dict[str, float]
    version: str | None
    calibration: Calibration
    #: The model's threshold: a score at or over it corroborates context-explained evidence.
    threshold: float | None = None
    #: What :meth:`explain` needs: the booster, the scored rows' features and their row by id.
    _booster: Any = None
    _x: Any = None
    _row_of: dict[str, int] = field(default_factory=dict)

    def explain(self, txn_ids: Iterable[str]) -> dict[str, list[dict[str, object]]]:
        """The features that pushed each of ``txn_ids``' scores up most (SHAP contributions).

        Asked for only the transactions the raised alerts show: contributions cost far more
        than predictions (5.6 s of an 8.2 s detection run on a 100,000-transaction bank, when
        every evidence transaction was explained)."""
        ids = sorted({t for t in txn_ids if t in self._row_of})
        if not ids:
            return {}
        rows = [self._row_of[t] for t in ids]
        why = ml.explain(self._booster, self._x[rows], feature_names())
        return dict(zip(ids, why, strict=True))


#: Both accounts of every evidence transaction (table ``evidence_txn``).
_EVIDENCE_ACCOUNTS = (
    "SELECT from_account AS acc FROM txn WHERE txn_id IN (SELECT txn_id FROM evidence_txn) "
    "UNION SELECT to_account AS acc FROM txn WHERE txn_id IN (SELECT txn_id FROM evidence_txn)"
)


def score_matches(ctx: Context, eng: QueryEngine, matches: list[Match]) -> MatchScores:
    """Score the evidence transactions with the active model: a score per txn id, and the
    means to explain any of them (:meth:`MatchScores.explain`)."""
    with ctx.db.transaction() as session:
        active = repo.active_model(session)
        path = active.path if active else None
        version = active.version if active else None
        calibration = Calibration.of(active.card.get("entity_calibration") if active else None)
        card_threshold = active.card.get("threshold") if active else None
    threshold = None if card_threshold is None else float(card_threshold)  # type: ignore[arg-type]
    if path is None or not matches:
        return MatchScores({}, version, calibration, threshold)
    booster = _load(path)
    names = feature_names()
    if booster.feature_name() != names:  # a model of other features scores nothing
        log.warning(
            "the active model was trained on other features than this version computes: "
            "alerts are ranked without it until a model is trained again",
            extra={"model_version": version},
        )
        return MatchScores({}, None, Calibration())
    # what this run knows: the accounts of its matches, as training's daily runs knew theirs
    flags = sorted({(a, m.typology) for m in matches for a in m.accounts})
    eng.register(
        "flags",
        pa.Table.from_pylist(
            [{"account": a, "day": 0, "typology": k} for a, k in flags], schema=FLAGS_SCHEMA
        ),
    )
    eng.register("evidence_txn", membership_table(matches))
    eng.stage("membership", membership_sql(by_day=False))
    # the evidence's accounts: their windows are all its features need (a bank's whole ledger
    # through every window cost minutes at 5,000,000 transactions)
    eng.stage("evidence_accounts", _EVIDENCE_ACCOUNTS)
    try:
        with staged_graph_features(eng, scope="evidence_accounts"):
            found = feature_rows(
                eng.query_batches(
                    f"SELECT * FROM ({features_sql(scope='evidence_accounts')}) AS f "
                    "WHERE f.txn_id IN (SELECT txn_id FROM evidence_txn)"
                ),
                names,
                ["txn_id"],
            )
    finally:
        eng.drop("evidence_accounts")
        eng.drop("membership")
    x = found.x
    scores = booster.predict(x)
    ids = found.keys["txn_id"].to_pylist()
    return MatchScores(
        {t: float(s) for t, s in zip(ids, scores, strict=True)},
        version,
        calibration,
        threshold,
        booster,
        x,
        {t: i for i, t in enumerate(ids)},
    )
