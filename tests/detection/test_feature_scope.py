"""Scoring a run's evidence reads only the evidence's accounts, and gives the same features.

``score_matches`` stages the graph features and runs the feature SQL with a *scope*: the
accounts of the evidence transactions. Each account's windows then read only that account's
payments (all of them), while time keys and paths still come from the whole ledger. A
transaction both of whose accounts are in the scope must get every feature it gets over the
whole ledger — including cycles and scatter-gather, which run through accounts outside it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from integrita.analytics.engine import open_engine
from integrita.analytics.graph_features import staged_graph_features
from integrita.detection.features import feature_names, features_sql
from integrita.services.monitoring.scoring import MEMBERSHIP_SCHEMA
from tests.detection.builder import LedgerBuilder, fx
from tests.detection.test_feature_rewrite import (
    SCAN,
    _differing,
    _memberships,
    tangled_ledger,
)

SCOPE = pa.schema([("acc", pa.string())])


def _ring(b: LedgerBuilder) -> None:
    """Cycles and a scatter-gather among accounts of their own (r0..r4), on top of the tangle."""
    for day in (3, 11, 19):
        b.pay("r0", "r1", 50_000, days=day, hours=9)
        b.pay("r1", "r2", 48_000, days=day, hours=10)
        b.pay("r2", "r3", 46_000, days=day, hours=11)
        b.pay("r3", "r0", 44_000, days=day, hours=12)
        b.pay("r0", "r4", 30_000, days=day, hours=13)
        b.pay("r4", "r2", 29_000, days=day, hours=14)
        b.pay("r2", "a1", 20_000, days=day, hours=15)


def _run(
    b: LedgerBuilder,
    root: Path,
    scope: list[str] | None,
    engine: str = "duckdb",
    spark: Any = None,
) -> dict[str, dict[str, Any]]:
    eng = open_engine(engine, b.write(root), SCAN, fx(), spark=spark)
    try:
        eng.register("membership", pa.Table.from_pylist(_memberships(b), schema=MEMBERSHIP_SCHEMA))
        name = None
        if scope is not None:
            eng.register("scope", pa.Table.from_pylist([{"acc": a} for a in scope], schema=SCOPE))
            name = "scope"
        with staged_graph_features(eng, scope=name):
            rows = eng.query(f"SELECT * FROM ({features_sql(scope=name)}) AS f").to_pylist()
    finally:
        eng.close()
    return {str(r["txn_id"]): r for r in rows}


def _evidence_and_scope(
    b: LedgerBuilder, whole: dict[str, dict[str, Any]]
) -> tuple[set[str], list[str]]:
    """Evidence with a closing cycle and a scatter-gather among it, and its accounts."""
    closing = [t for t, r in whole.items() if r["cycle_4_hops_7d"] > 0]
    gathered = [t for t, r in whole.items() if r["scatter_gather_7d"] > 0]
    assert closing and gathered, "the ledger has no cycle or scatter-gather to check"
    rng = random.Random(7)
    evidence = {closing[0], gathered[0], *rng.sample(sorted(whole), 6)}
    by_id = {str(r["txn_id"]): r for r in b.rows}
    ends = [str(by_id[t][end]) for t in evidence for end in ("from_account", "to_account")]
    return evidence, sorted(set(ends))


def test_evidence_scored_on_its_accounts_alone_has_the_whole_ledgers_features(
    tmp_path: Path,
) -> None:
    b = tangled_ledger(3)
    _ring(b)
    whole = _run(b, tmp_path / "whole", None)
    assert set(feature_names()) <= set(next(iter(whole.values())))
    evidence, scope = _evidence_and_scope(b, whole)
    everyone = {r["from_account"] for r in b.rows} | {r["to_account"] for r in b.rows}
    assert len(scope) < len(everyone) - 3, "the scope leaves no account out"

    scoped = _run(b, tmp_path / "scoped", scope)

    # every transaction between scope accounts, and only those, evidence among them
    by_id = {str(r["txn_id"]): r for r in b.rows}
    inside = {
        t for t, r in by_id.items() if r["from_account"] in scope and r["to_account"] in scope
    }
    assert set(scoped) == inside
    assert evidence <= inside
    assert _differing(list(scoped.values()), [whole[t] for t in scoped]) == set()
    # the cycles through accounts outside the scope are still counted
    closing = [t for t in evidence if whole[t]["cycle_4_hops_7d"] > 0]
    assert closing
    assert all(scoped[t]["cycle_4_hops_7d"] == whole[t]["cycle_4_hops_7d"] for t in closing)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_scores_the_evidence_on_its_accounts_as_duckdb_does_on_the_whole_ledger(
    spark: Any, tmp_path: Path
) -> None:
    b = tangled_ledger(3, days=12)
    _ring(b)
    whole = _run(b, tmp_path / "duck", None)
    _, scope = _evidence_and_scope(b, whole)
    on_spark = _run(b, tmp_path / "spark", scope, "spark", spark)
    assert on_spark
    assert _differing(list(on_spark.values()), [whole[t] for t in on_spark]) == set()
