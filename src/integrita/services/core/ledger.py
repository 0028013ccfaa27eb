"""Access to the transaction ledger configured in settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrita.analytics.ledger import Ledger, LedgerStats
from integrita.analytics.ledger_compaction import CompactionPolicy, CompactionResult, compact
from integrita.services.core.context import Context


def open_ledger(ctx: Context) -> Ledger:
    s = ctx.settings
    return Ledger(
        s.resolved_ledger_dir, memory_limit=s.duckdb_memory_limit, threads=s.duckdb_threads
    )


def ledger_stats(ctx: Context) -> LedgerStats:
    return open_ledger(ctx).stats()


def compact_ledger(
    ctx: Context,
    *,
    partitions: Iterable[str] | None = None,
    min_files: int | None = None,
    on_partition: Callable[[str], None] | None = None,
) -> CompactionResult:
    """Merge the ledger's small files per booking day (all days, or the named partitions)."""
    policy = CompactionPolicy() if min_files is None else CompactionPolicy(min_files=min_files)
    return compact(
        open_ledger(ctx), partitions=partitions, policy=policy, on_partition=on_partition
    )
