"""Access to the transaction ledger configured in settings."""

from __future__ import annotations

from integrita.analytics.ledger import Ledger, LedgerStats
from integrita.services.core.context import Context


def open_ledger(ctx: Context) -> Ledger:
    s = ctx.settings
    return Ledger(
        s.resolved_ledger_dir, memory_limit=s.duckdb_memory_limit, threads=s.duckdb_threads
    )


def ledger_stats(ctx: Context) -> LedgerStats:
    return open_ledger(ctx).stats()
