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
    """On top of the tangle, accounts of their own: a cycle of five payments
    r0 → r1 → r5 → r2 → r3 → r0, and a scatter-gather r6 → {r7, r8} → r9; in each, one payment
    runs between two accounts that no evidence payment touches (r1 → r5, r6 → r7)."""
    for day in (3, 11, 19):
        b.pay("r0", "r1", 50_000, days=day, hours=9)
        b.pay("r1", "r5", 48_000, days=day, hours=10)
        b.pay("r5", "r2", 46_000, days=day, hours=11)
        b.pay("r2", "r3", 44_000, days=day, hours=12)
        b.pay("r3", "r0", 42_000, days=day, hours=13)
        b.pay("r6", "r7", 30_000, days=day, hours=14)
        b.pay("r6", "r8", 29_000, days=day, hours=14.5)
        b.pay("r7", "r9", 28_000, days=day, hours=15)
        b.pay("r8", "r9", 27_000, days=day, hours=15.5)


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
    """Evidence: the payments closing the cycle (r3 → r0) and the scatter-gather (r8 → r9) on
    day 11, and payments drawn from the tangle; and the evidence's accounts."""
    by_id = {str(r["txn_id"]): r for r in b.rows}

    def paid(src: str, dst: str) -> list[str]:
        return [t for t, r in by_id.items() if (r["from_account"], r["to_account"]) == (src, dst)]

    tangle = sorted(t for t, r in by_id.items() if not str(r["from_account"]).startswith("r"))
    evidence = {paid("r3", "r0")[1], paid("r8", "r9")[1], *random.Random(7).sample(tangle, 6)}
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
    # the cycle and the scatter-gather are still counted, though each runs over a payment
    # between accounts outside the scope (dropping the payments that touch no scope account
    # would lose both)
    assert not {"r1", "r5", "r6", "r7"} & set(scope)
    closing = next(t for t in evidence if by_id[t]["from_account"] == "r3")
    gathering = next(t for t in evidence if by_id[t]["from_account"] == "r8")
    assert scoped[closing]["cycle_5_hops_7d"] == whole[closing]["cycle_5_hops_7d"] > 0
    assert scoped[gathering]["scatter_gather_7d"] == whole[gathering]["scatter_gather_7d"] > 0


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
