"""Executed payments reach the Parquet ledger in batches (appending per payment would be slow:
every append de-duplicates against the whole ledger). Idempotent: a batch is marked flushed
only after the append, and the ledger skips txn_ids it already holds, so a crash in between
stores nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.store.repositories import realtime as repo


@dataclass(frozen=True, slots=True)
class FlushResult:
    offered: int
    stored: int
    pending: int


def flush_to_ledger(ctx: Context, *, batch_size: int = 10_000) -> FlushResult:
    """Append every executed payment not yet in the ledger; returns the counts."""
    ledger = open_ledger(ctx)
    offered = stored = 0
    while True:
        with ctx.db.transaction() as session:
            batch = [(p.txn_id, dict(p.row)) for p in repo.unflushed(session, batch_size)]
        if not batch:
            break
        rows = []
        for _, row in batch:
            booked = datetime.fromisoformat(str(row["booked_at"]))
            rows.append({**row, "booked_at": booked})
        result = ledger.append_table(pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA))
        offered += result.offered
        stored += result.stored
        with ctx.db.transaction() as session:
            repo.mark_flushed(session, [t for t, _ in batch], ctx.now())
        if len(batch) < batch_size:
            break
    with ctx.db.transaction() as session:
        pending = repo.count_unflushed(session)
    return FlushResult(offered, stored, pending)
