"""Workbench response times with 100,000 alerts and 10,000 cases, on SQLite and PostgreSQL.

Loads alerts in bulk (each with evidence transactions that are also written to a
Parquet ledger), opens the cases through the real service (one audit event per
case), then serves the application with uvicorn on 127.0.0.1 and times the alert
queue page and the case page as a signed-in analyst. Prints one JSON object.

    .venv/bin/python benchmarks/casework.py [--alerts 100000] [--customers 10000] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyarrow as pa
import uvicorn
from sqlalchemy import insert

from integrita.api.app import create_app
from integrita.services.casework import cases
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.settings import Settings
from integrita.store import Database
from integrita.store.models import Alert

PG_ADMIN = os.environ.get(
    "INTEGRITA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2025, 1, 6, tzinfo=UTC)
PASSWORD = "benchmark password 1"


def load(ctx: Context, n_alerts: int, n_customers: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    ledger_rows = []
    alert_rows = []
    typologies = ["structuring", "rapid_movement", "fan_in", "fan_out", "cycle", "dormant_revival"]
    for i in range(n_alerts):
        customer = f"C{i % n_customers:06d}"
        account = f"A{i % n_customers:06d}"
        txn_ids = [f"T{i:07d}-{k}" for k in range(2)]
        booked = START + timedelta(minutes=i)
        for k, txn in enumerate(txn_ids):
            other = f"X{rng.randrange(50_000):06d}"
            frm, to = (account, other) if k == 0 else (other, account)
            amount = rng.randrange(1_000_00, 60_000_00)
            ledger_rows.append(
                {
                    "txn_id": txn,
                    "booked_at": booked,
                    "channel": "online",
                    "kind": "transfer",
                    "from_bank": "001",
                    "from_account": frm,
                    "to_bank": "002",
                    "to_account": to,
                    "amount_paid_minor": amount,
                    "paid_currency": "CNY",
                    "amount_received_minor": amount,
                    "received_currency": "CNY",
                    "payment_format": "Wire",
                    "counterparty_type": "third_party_personal",
                    "cross_border": False,
                }
            )
        typology = typologies[i % len(typologies)]
        alert_rows.append(
            {
                "customer_id": customer,
                "source": "detection",
                "run_id": "bench",
                "raised_at": booked,
                "dedup_key": uuid.UUID(int=rng.getrandbits(128)).hex + f"{i:08d}",
                "typologies": [typology],
                "evidence": {
                    "typologies": {
                        typology: {
                            "why": "bench",
                            "matches": [
                                {
                                    "accounts": [account],
                                    "txn_ids": txn_ids,
                                    "first_at": booked.isoformat(),
                                    "last_at": booked.isoformat(),
                                }
                            ],
                        }
                    }
                },
                "score": round(rng.random(), 4),
                "explanation": None,
                "status": "new",
                "case_id": None,
            }
        )
    open_ledger(ctx).append_table(pa.Table.from_pylist(ledger_rows))
    t1 = time.perf_counter()
    with ctx.db.transaction() as session:
        for start in range(0, len(alert_rows), 5000):
            session.execute(insert(Alert), alert_rows[start : start + 5000])
    t2 = time.perf_counter()
    result = cases.open_cases_from_alerts(ctx, actor="bench", batch_size=1000)
    t3 = time.perf_counter()
    assert result.cases_opened == n_customers, result
    return {
        "ledger_write_s": round(t1 - t0, 2),
        "alert_insert_s": round(t2 - t1, 2),
        "open_cases_s": round(t3 - t2, 2),
        "cases": result.cases_opened,
        "alerts": result.alerts_attached,
    }


def serve(ctx: Context) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def timings(client: httpx.Client, paths: list[str]) -> dict[str, float]:
    samples = []
    for path in paths:
        t = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    samples.sort()
    return {
        "requests": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "max_ms": round(samples[-1], 1),
    }


def run(backend: str, url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, object]:
    db = Database(url)
    db.upgrade()
    settings = Settings(data_dir=data_dir, database_url=url, log_json=False)
    ctx = Context(settings=settings, db=db)
    loaded = load(ctx, args.alerts, args.customers)
    users.add_user(ctx, "bench", "Bench Analyst", PASSWORD, ["analyst"])
    server, thread, base = serve(ctx)
    rng = random.Random(11)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            signed = client.post(
                "/signin", data={"username": "bench", "password": PASSWORD, "next": "/"}
            )
            assert signed.status_code in (200, 303), signed.status_code
            # Warm-up (template compilation, first DuckDB connection, connection pool).
            client.get("/alerts")
            client.get("/cases/1")
            last_page = args.alerts // 50
            alert_paths = []
            for i in range(args.requests):
                kind = i % 4
                if kind == 0:
                    alert_paths.append("/alerts")
                elif kind == 1:
                    alert_paths.append(
                        f"/alerts?status=in_case&sort=raised_at&page={rng.randrange(1, 20)}"
                    )
                elif kind == 2:
                    alert_paths.append(f"/alerts?customer_id=C{rng.randrange(args.customers):06d}")
                else:
                    alert_paths.append(f"/alerts?page={rng.randrange(1, last_page)}&sort=score")
            case_paths = [
                f"/cases/{rng.randrange(1, args.customers + 1)}" for _ in range(args.requests)
            ]
            queue_paths = ["/cases", "/cases?priority=high", "/cases?sort=updated_at&page=3"] * (
                args.requests // 6
            )
            result = {
                "backend": backend,
                **loaded,
                "alert_queue_page": timings(client, alert_paths),
                "case_page": timings(client, case_paths),
                "case_queue_page": timings(client, queue_paths),
            }
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"bench-casework-{backend}-") as tmp:
            data_dir = Path(tmp)
            if backend == "sqlite":
                results.append(run(backend, f"sqlite:///{data_dir / 'bench.db'}", data_dir, args))
                continue
            import psycopg

            name = f"integrita_bench_{os.getpid()}"
            admin = PG_ADMIN.replace("postgresql+psycopg", "postgresql")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                results.append(
                    run(backend, PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", data_dir, args)
                )
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    target = 200.0
    print(
        json.dumps(
            {
                "benchmark": "casework",
                "alerts": args.alerts,
                "customers": args.customers,
                "target_p95_ms": target,
                "results": results,
                "meets_target": all(
                    r[k]["p95_ms"] <= target  # type: ignore[index]
                    for r in results
                    for k in ("alert_queue_page", "case_page")
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
