"""Benchmark: rate 1,000,000 customers, then re-rate after 10,000 changes, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/risk.py [--customers 1000000] [--changes 10000] [--backends sqlite,postgresql]

Builds a synthetic book (customers, 1-2 accounts each, a Parquet ledger with
cross-border and cash transactions), times ``rate_all`` (targets <= 60 s) and,
after recording ``--changes`` risk events (STRs and key-data changes) for
distinct customers, times the incremental run (target <= 5 s). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.risk import events, rating
from integrita.settings import Settings
from integrita.store import Database

PG_ADMIN = os.environ.get("INTEGRITA_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2025, 6, 30, 12, tzinfo=UTC)


def build_book(db: Database, n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    ids = [f"C{i:08d}" for i in range(n)]
    org = rng.random(n) < 0.1
    nat = rng.choice(
        ["CN", "HK", "US", "SG", "AE", "IR"], n, p=[0.93, 0.025, 0.02, 0.015, 0.009, 0.001]
    )
    occupations = np.array(
        ["teacher", "engineer", "jewellery", "trading", "self_employed", "retired"]
    )
    occ = occupations[rng.integers(0, len(occupations), n)]
    chan = rng.choice(
        ["branch", "online", "mobile", "agent", "representative"],
        n,
        p=[0.5, 0.15, 0.25, 0.05, 0.05],
    )
    pep = rng.random(n) < 0.003
    onboard = NOW - timedelta(days=400)
    onboard_text = onboard.strftime("%Y-%m-%d %H:%M:%S.%f")
    customers = [
        (
            ids[i],
            "organisation" if org[i] else "individual",
            f"Customer {i}",
            "resident_id",
            ids[i],
            str(nat[i]),
            str(nat[i]),
            str(occ[i]),
            str(chan[i]),
            "Rep" if org[i] else None,
            bool(pep[i]),
            "sme" if org[i] else "retail",
            onboard_text if db.is_sqlite else onboard,
            onboard_text if db.is_sqlite else onboard,
            onboard_text if db.is_sqlite else onboard,
        )
        for i in range(n)
    ]
    second = rng.random(n) < 0.5
    types = np.array(
        ["personal", "personal_savings", "credit_card", "securities", "corporate_settlement"]
    )
    accounts: list[tuple[Any, ...]] = []
    account_ids: list[str] = []
    owners: list[str] = []
    for i in range(n):
        for k in range(2 if second[i] else 1):
            aid = f"A{i:08d}{k}"
            t = "corporate_settlement" if org[i] and k == 0 else str(types[rng.integers(0, 4)])
            accounts.append((aid, "B0001", ids[i], t, "active", "CNY", "2024-01-01"))
            account_ids.append(aid)
            owners.append(ids[i])
    customer_cols = (
        "customer_id, customer_type, name, id_document_type, id_number, nationality, residence_country, "
        "occupation_or_industry, onboarding_channel, legal_representative, pep, segment, onboarded_at, "
        "created_at, updated_at"
    )
    account_cols = "account_id, bank_id, customer_id, account_type, status, currency, opened_on"
    raw: Any = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.is_sqlite:
            cur.executemany(
                f"INSERT INTO customers ({customer_cols}) VALUES ({', '.join('?' * 15)})", customers
            )
            cur.executemany(
                f"INSERT INTO accounts ({account_cols}) VALUES ({', '.join('?' * 7)})", accounts
            )
        else:
            with cur.copy(f"COPY customers ({customer_cols}) FROM STDIN") as copy:
                for row in customers:
                    copy.write_row(row)
            with cur.copy(f"COPY accounts ({account_cols}) FROM STDIN") as copy:
                for row in accounts:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    return account_ids, owners


def build_ledger(
    ctx: Context, account_ids: list[str], transactions: int, rng: np.random.Generator
) -> None:
    accounts = np.array(account_ids)
    kinds = rng.choice(
        ["transfer", "cash_deposit", "cash_withdrawal", "purchase"],
        transactions,
        p=[0.6, 0.1, 0.1, 0.2],
    )
    foreign = rng.random(transactions) < 0.05
    to_country = np.where(
        foreign, rng.choice(["HK", "US", "AE", "SY"], transactions, p=[0.5, 0.35, 0.1, 0.05]), "CN"
    )
    end = np.datetime64(NOW.replace(tzinfo=None) - timedelta(days=1), "s")
    booked = end - (rng.random(transactions) * 300 * 86400).astype("timedelta64[s]")
    table = pa.table(
        {
            "txn_id": pa.array([f"T{i:09d}" for i in range(transactions)]),
            "booked_at": pa.array(booked.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
            "channel": pa.array(np.full(transactions, "online")),
            "kind": pa.array(kinds),
            "from_bank": pa.array(np.full(transactions, "B0001")),
            "from_account": pa.array(accounts[rng.integers(0, len(accounts), transactions)]),
            "to_bank": pa.array(np.full(transactions, "B0002")),
            "to_account": pa.array([f"X{i % 50_000}" for i in range(transactions)]),
            "amount_paid_minor": pa.array(rng.integers(100, 10_000_000, transactions)),
            "paid_currency": pa.array(np.full(transactions, "CNY")),
            "amount_received_minor": pa.array(rng.integers(100, 10_000_000, transactions)),
            "received_currency": pa.array(np.full(transactions, "CNY")),
            "payment_format": pa.array(np.full(transactions, "Wire")),
            "counterparty_type": pa.array(np.full(transactions, "unknown")),
            "cross_border": pa.array(foreign),
            "from_country": pa.array(np.full(transactions, "CN")),
            "to_country": pa.array(to_country),
        }
    )
    open_ledger(ctx).append_table(table)


def run_backend(backend: str, customers: int, changes: int, transactions: int) -> dict[str, Any]:
    rng = np.random.default_rng(8)
    workdir = Path(tempfile.mkdtemp(prefix=f"risk-bench-{backend}-"))
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        import psycopg

        pg_name = f"risk_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = (
            "postgresql+psycopg://" + PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0] + f"/{pg_name}"
        )
    try:
        db = Database(url)
        db.upgrade()
        settings = Settings(data_dir=workdir / "var", database_url=url)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ctx = Context(settings=settings, db=db, clock=lambda: NOW)
        t0 = time.perf_counter()
        account_ids, _ = build_book(db, customers, rng)
        build_ledger(ctx, account_ids, transactions, rng)
        setup = time.perf_counter() - t0

        t0, c0 = time.perf_counter(), time.process_time()
        full = rating.rate_all(ctx)
        full_seconds, full_cpu = time.perf_counter() - t0, time.process_time() - c0

        changed = rng.choice(customers, changes, replace=False)
        with db.transaction() as session:
            for j, i in enumerate(changed):
                kind = "str" if j % 2 == 0 else "key_data_change"
                events.record_risk_event(session, f"C{i:08d}", kind, f"bench-{j}", NOW)
        t0, c0 = time.perf_counter(), time.process_time()
        incremental = rating.rate_incremental(ctx)
        incremental_seconds = time.perf_counter() - t0
        incremental_cpu = time.process_time() - c0
        db.dispose()
        return {
            "customers": customers,
            "accounts": len(account_ids),
            "ledger_transactions": transactions,
            "setup_seconds": round(setup, 1),
            "rate_all_seconds": round(full_seconds, 2),
            "rate_all_python_cpu_seconds": round(full_cpu, 2),
            "rate_all_customers_per_second": round(full.customers / full_seconds),
            "by_band": full.by_band,
            "changes": changes,
            "incremental_customers": incremental.customers,
            "incremental_seconds": round(incremental_seconds, 2),
            "incremental_python_cpu_seconds": round(incremental_cpu, 2),
            "targets_met": {
                "rate_all_le_60s": full_seconds <= 60,
                "incremental_le_5s": incremental_seconds <= 5,
            },
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name is not None:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=2_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = {}
    for backend in args.backends.split(","):
        results[backend] = run_backend(backend, args.customers, args.changes, args.transactions)
        print(backend, json.dumps(results[backend]), file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    print(
        json.dumps(
            {
                "benchmark": "risk",
                "cpus": os.cpu_count(),
                "load_average_1m_at_end": round(load, 1),
                **results,
            }
        )
    )


if __name__ == "__main__":
    main()
