"""The demo's synthetic period ends yesterday (the bank's local date), and the large-value
records whose due date passed during it were submitted then: the backlog is current."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrita.demo import history
from integrita.services.casework import filings
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.ingest.ingest import ingest_path
from integrita.services.monitoring.detection import run_detection
from integrita.synthetic import build_bank, write_bank

DAYS = 35


def test_the_demo_bank_ends_yesterday_and_leaves_few_large_value_records_overdue(
    goaml_ctx: Context,
) -> None:
    ctx = goaml_ctx
    config = history.bank_config(ctx, customers=150, days=DAYS, seed=7)
    out = ctx.settings.data_dir / "bank"
    write_bank(build_bank(config), out)
    ingest_path(ctx, out)
    with open_ledger(ctx).connect() as con:
        row = con.execute(
            "SELECT epoch(min(booked_at)), epoch(max(booked_at)) FROM ledger"
        ).fetchone()
    assert row is not None
    first, last = (datetime.fromtimestamp(float(v), UTC) for v in row)
    yesterday = ctx.local_date() - timedelta(days=1)
    assert ctx.local_date(last) == yesterday
    assert ctx.local_date(first) == yesterday - timedelta(days=DAYS - 1)

    run_detection(ctx, "duckdb")
    actor = history.HISTORY_FILER
    pending = filings.large_value_register(ctx, actor, status="pending", size=1).total
    overdue_before = filings.large_value_register(
        ctx, actor, status="pending", overdue=True, size=1
    )
    assert overdue_before.total > 5  # found all at once today: most are already past due

    submitted = history.submit_past_large_value(ctx)

    assert submitted == overdue_before.total
    assert (
        filings.large_value_register(ctx, actor, overdue=True, status="pending", size=1).total == 0
    )
    still_pending = filings.large_value_register(ctx, actor, status="pending", size=200).rows
    assert len(still_pending) == pending - submitted
    # what stays pending was booked in the last days, and is due today or later
    assert all(r.due_on >= ctx.local_date() for r in still_pending)
    assert all(ctx.local_date(r.booked_at) >= yesterday - timedelta(days=10) for r in still_pending)
    submitted_rows = filings.large_value_register(ctx, actor, status="submitted", size=200).rows
    assert all(ctx.local_date(r.submitted_at) == r.due_on for r in submitted_rows)
