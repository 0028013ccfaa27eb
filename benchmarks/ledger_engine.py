"""The set-up the speed benchmarks share: a DuckDB engine over the whole ledger.

Used by ``detection_speed.py`` (scoring speed), ``graph_features_speed.py`` and
``features_before_after.py``; not a benchmark itself (it prints nothing).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from integrita.analytics.engine import QueryEngine
    from integrita.analytics.ledger import Ledger


def whole_ledger_engine(ledger: Ledger) -> QueryEngine:
    """A DuckDB engine whose ``txn`` is every transaction of ``ledger`` (first to last booking,
    both included), with the product's FX table and an empty ``membership`` table, so the
    model's feature SQL runs as it does without any typology evidence."""
    import pyarrow as pa

    from integrita.analytics.engine import ScanRange, fx_table, ledger_bounds, open_engine
    from integrita.detection.fx import load_fx_rates, rate_periods
    from integrita.services.monitoring.scoring import MEMBERSHIP_SCHEMA

    bounds = ledger_bounds(ledger)
    if bounds is None:
        raise SystemExit(f"the ledger at {ledger.root} is empty")
    eng = open_engine(
        "duckdb",
        ledger,
        ScanRange(bounds[0], bounds[1] + timedelta(seconds=1)),
        fx_table(rate_periods(load_fx_rates())),
    )
    eng.register("membership", pa.Table.from_pylist([], schema=MEMBERSHIP_SCHEMA))
    return eng


def bank_ledger(bank_dir: Path, transactions: int | None, workdir: Path) -> tuple[Ledger, int]:
    """A ledger under ``workdir`` holding a generated bank's transactions in booking order (the
    first ``transactions`` of them when given), and how many it holds."""
    import pyarrow.parquet as pq

    from integrita.analytics.ledger import Ledger
    from integrita.analytics.schema import LEDGER_SCHEMA

    table = pq.read_table(bank_dir / "transactions.parquet").sort_by(
        [("booked_at", "ascending"), ("txn_id", "ascending")]
    )
    if transactions is not None:
        table = table.slice(0, transactions)
    ledger = Ledger(workdir / "ledger")
    (workdir / ".staging").mkdir()
    ledger.append_table(table.cast(LEDGER_SCHEMA))
    return ledger, table.num_rows
