"""The faster feature SQL gives every transaction the very features the model was measured on.

:mod:`tests.detection.reference_features` holds the SQL as it stood before the rewrite; both
run over the same ledger — payments stamped in the same second, an account paying itself,
counterparties met again the same day and week, many days — and must agree in every column:
counts, degrees and codes exactly, amount statistics to rounding (1e-9 relative).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from integrita.analytics.engine import ScanRange, open_engine
from integrita.analytics.graph_features import staged_graph_features
from integrita.detection.features import feature_names, features_sql
from integrita.services.monitoring.scoring import MEMBERSHIP_SCHEMA
from tests.detection.builder import LedgerBuilder, fx
from tests.detection.reference_features import reference_features_sql

SCAN = ScanRange(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def tangled_ledger(seed: int, days: int = 24) -> LedgerBuilder:
    """Payments among 14 accounts over ``days`` days, stamped to the second (as ledgers are;
    the engines round fractions of a second differently): a third share a booking second with
    another, some accounts pay themselves, amounts repeat (ties in the maxima) and vary
    widely (spread in the deviations), and a hub takes a share of all payments."""
    rng = random.Random(seed)
    b = LedgerBuilder()
    accounts = [f"a{i}" for i in range(14)]
    for day in range(days):
        stamps = [15.0, *(rng.randrange(86_400) / 3600 for _ in range(5))]  # 15 h: midnight
        for _ in range(rng.randrange(10, 30)):
            src = rng.choice(accounts)
            dst = src if rng.random() < 0.04 else rng.choice([*accounts, "hub", "hub"])
            yuan = rng.choice([500, 500, 2_000, rng.randrange(1, 90_000), rng.random() * 10])
            hours = rng.choice(stamps) if rng.random() < 0.35 else rng.randrange(86_400) / 3600
            b.pay(src, dst, yuan, days=day, hours=hours)
    return b


def _features(
    b: LedgerBuilder,
    root: Path,
    memberships: list[dict[str, str]],
    engine: str = "duckdb",
    spark: Any = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the rewritten SQL and of the reference, on engine ``engine``."""
    eng = open_engine(engine, b.write(root), SCAN, fx(), spark=spark)
    try:
        eng.register("membership", pa.Table.from_pylist(memberships, schema=MEMBERSHIP_SCHEMA))
        with staged_graph_features(eng):
            new = eng.query(f"SELECT * FROM ({features_sql()}) AS f").to_pylist()
            old = eng.query(f"SELECT * FROM ({reference_features_sql()}) AS f").to_pylist()
    finally:
        eng.close()
    return new, old


def _memberships(b: LedgerBuilder) -> list[dict[str, str]]:
    return [
        {"txn_id": str(r["txn_id"]), "typology": typology}
        for r, typology in zip(b.rows[::7], ["fan_in", "cycle", "fan_out"] * 999, strict=False)
    ]


def _differing(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> set[str]:
    """Columns in which some row of ``new`` differs from the same transaction's in ``old``."""
    assert len(new) == len(old)
    assert list(new[0]) == list(old[0])
    by_id = {r["txn_id"]: r for r in old}
    return {
        name
        for row in new
        for name, value in row.items()
        if not _same(value, by_id[row["txn_id"]][name])
    }


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        x, y = float(a), float(b)  # type: ignore[arg-type]
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_every_feature_of_every_transaction_equals_the_reference_sql(tmp_path: Path) -> None:
    for seed in (1, 2):
        b = tangled_ledger(seed)
        new, old = _features(b, tmp_path / f"s{seed}", _memberships(b))
        assert len(new) == len(b.rows)
        assert set(feature_names()) <= set(new[0])
        assert _differing(new, old) == set()
        # the ledger exercises what the rewrite changed: fan degrees above one, the same
        # counterparty met twice in a day, amount spreads and ties
        assert max(r["src_fan_out_day"] for r in new) > 2
        assert max(r["dst_fan_in_week"] for r in new) > 4
        assert any(r["src_in_amount_std_7d"] > 0 for r in new)
        assert sum(r["in_cycle"] for r in new) > 0


@pytest.mark.spark
@pytest.mark.slow
def test_spark_runs_the_rewritten_sql_to_the_same_features_as_duckdb(
    spark: Any, tmp_path: Path
) -> None:
    b = tangled_ledger(1, days=10)
    on_spark, reference_on_spark = _features(b, tmp_path / "spark", _memberships(b), "spark", spark)
    on_duckdb, _ = _features(b, tmp_path / "duck", _memberships(b))
    assert _differing(on_spark, on_duckdb) == set()
    assert _differing(on_spark, reference_on_spark) == set()
