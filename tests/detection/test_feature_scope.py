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


def _run(b: LedgerBuilder, root: Path, scope: list[str] | None) -> dict[str, dict[str, Any]]:
    eng = open_engine("duckdb", b.write(root), SCAN, fx())
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


def test_evidence_scored_on_its_accounts_alone_has_the_whole_ledgers_features(
    tmp_path: Path,
) -> None:
    b = tangled_ledger(3)
    _ring(b)
    whole = _run(b, tmp_path / "whole", None)
    assert set(feature_names()) <= set(next(iter(whole.values())))
    closing = [t for t, r in whole.items() if r["cycle_4_hops_7d"] > 0]
    gathered = [t for t, r in whole.items() if r["scatter_gather_7d"] > 0]
    assert closing and gathered, "the ledger has no cycle or scatter-gather to check"
    rng = random.Random(7)
    evidence = {closing[0], gathered[0], *rng.sample(sorted(whole), 6)}
    by_id = {str(r["txn_id"]): r for r in b.rows}
    scope = sorted(
        {by_id[t]["from_account"] for t in evidence} | {by_id[t]["to_account"] for t in evidence}
    )
    everyone = {r["from_account"] for r in b.rows} | {r["to_account"] for r in b.rows}
    assert len(scope) < len(everyone) - 3, "the scope leaves no account out"

    scoped = _run(b, tmp_path / "scoped", scope)

    # every transaction between scope accounts, and only those, evidence among them
    inside = {
        t for t, r in by_id.items() if r["from_account"] in scope and r["to_account"] in scope
    }
    assert set(scoped) == inside
    assert evidence <= inside
    assert _differing(list(scoped.values()), [whole[t] for t in scoped]) == set()
    # the cycle through accounts outside the scope is still counted
    assert scoped[closing[0]]["cycle_4_hops_7d"] == whole[closing[0]]["cycle_4_hops_7d"] > 0
