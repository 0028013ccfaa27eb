"""Customer-care scale benchmark: SLA sweep and monthly report over 1,000,000 complaints; and
the complaint history import through the command line (``--import-rows``).

The complaints are generated inside the database with one INSERT ... SELECT over a
number series (no per-row Python), on SQLite and on PostgreSQL. Then the timed
parts run through the real services: ``care_sla.sweep`` (flag breaches, escalate
to department heads) and ``care_report.monthly_report`` for one month.

    .venv/bin/python benchmarks/complaints.py [--complaints 1000000] [--backend both]

    .venv/bin/python benchmarks/complaints.py --import-rows 50000 [--backend both]

writes a CFPB-layout export of that many complaints (every tenth narrative on several lines, curly
quotes, literal N/A, one bad row in a thousand), runs ``integrita care import-complaints FILE
--mapping cfpb`` as a separate process, twice (the second run stores nothing new), and reports
complaints per second of the command's wall time, start-up included.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from integrita.services.care import report as care_report
from integrita.services.care import sla as care_sla
from integrita.services.core.context import Context
from integrita.settings import Settings
from integrita.store import Database

PG_ADMIN = os.environ.get(
    "INTEGRITA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BASE = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
CUSTOMERS = 10_000
YEAR_SECONDS = 364 * 86400

# Column expressions shared by both dialects; {recv} is the receipt timestamp expression,
# {plus_h} turns an hour count into an interval added to it.
STATE = (
    "CASE WHEN n % 100 < 78 THEN 'closed' WHEN n % 100 < 82 THEN 'received' "
    "WHEN n % 100 < 88 THEN 'assigned' WHEN n % 100 < 93 THEN 'rectified' "
    "WHEN n % 100 < 97 THEN 'verified' ELSE 'customer_informed' END"
)


def _sql(dialect: str, count: int) -> str:
    spacing = max(1, YEAR_SECONDS // count)  # the complaints spread over one year
    if dialect == "sqlite":
        series = f"WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {count - 1}) "

        def ts(hours: str) -> str:
            return (
                f"strftime('%Y-%m-%d %H:%M:%S', '2025-01-01 00:00:00', "
                f"'+' || (n * {spacing} + ({hours}) * 3600) || ' seconds') || '.000000'"
            )

        cust = "'BC' || printf('%06d', n % " + str(CUSTOMERS) + ")"
        month = f"substr({ts('0')}, 1, 7)"
        source = "FROM seq"
        prefix = series
    else:

        def ts(hours: str) -> str:
            return (
                f"(TIMESTAMPTZ '2025-01-01 00:00:00+00' + (n * {spacing}) * INTERVAL '1 second' "
                f"+ ({hours}) * INTERVAL '1 hour')"
            )

        cust = "'BC' || lpad((n % " + str(CUSTOMERS) + ")::text, 6, '0')"
        month = f"to_char({ts('0')} AT TIME ZONE 'UTC', 'YYYY-MM')"
        source = f"FROM generate_series(0, {count - 1}) AS s(n)"
        prefix = ""
    responded = "n % 100 >= 82 OR n % 100 < 78"
    resolved = "n % 100 < 78 OR n % 100 >= 97"
    valid = "n % 50 <> 0"
    return (
        prefix
        + "INSERT INTO care_complaints (customer_id, product, order_id, channel, category, severity, "
        "description, attachments, state, validity, invalid_reason, department_id, received_at, "
        "received_month, first_response_at, first_response_due_at, resolution_due_at, resolved_at, "
        "resolution_seconds, first_response_breached, resolution_breached, qa_failures, satisfaction, "
        "reopen_count, closed_at, updated_at) "
        f"SELECT {cust}, 'rim-17', NULL, 'phone', 'product_quality', 'medium', 'benchmark', '[]', "
        f"{STATE}, "
        f"CASE WHEN n % 100 >= 78 AND n % 100 < 82 THEN NULL WHEN {valid} THEN 'valid' ELSE 'invalid' END, "
        f"CASE WHEN {valid} THEN NULL ELSE 'not ours' END, "
        f"CASE WHEN n % 100 >= 78 AND n % 100 < 82 THEN NULL ELSE 1 + n % 4 END, "
        f"{ts('0')}, {month}, "
        f"CASE WHEN {responded} THEN {ts('(n * 13) % 26')} ELSE NULL END, "
        f"{ts('24')}, {ts('240')}, "
        f"CASE WHEN {resolved} THEN {ts('24 + (n * 37) % 300')} ELSE NULL END, "
        f"CASE WHEN {resolved} THEN ((24 + (n * 37) % 300) * 3600.0) ELSE NULL END, "
        f"CASE WHEN ({responded}) AND (n * 13) % 26 > 24 THEN {_true(dialect)} ELSE {_false(dialect)} END, "
        f"{_false(dialect)}, 0, "
        f"CASE WHEN {resolved} THEN (CASE WHEN n % 100 < 93 THEN 5 - n % 2 ELSE 2 END) ELSE NULL END, "
        f"CASE WHEN n % 200 = 0 THEN 1 ELSE 0 END, "
        f"CASE WHEN n % 100 < 78 THEN {ts('24 + (n * 37) % 300')} ELSE NULL END, {ts('0')} "
        + source
    )


def _true(dialect: str) -> str:
    return "1" if dialect == "sqlite" else "TRUE"


def _false(dialect: str) -> str:
    return "0" if dialect == "sqlite" else "FALSE"


def _generate(db: Database, count: int) -> float:
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO care_departments (code, name) VALUES "
                "('quality', 'Quality'), ('logistics', 'Logistics'), ('sales', 'Sales'), "
                "('finance', 'Finance')"
            )
        )
        rows = [
            {
                "customer_id": f"BC{i:06d}",
                "customer_type": "organisation",
                "name": f"Bench customer {i}",
                "id_document_type": "business_license",
                "id_number": str(i),
                "segment": ("retail", "sme", "corporate")[i % 3],
                "onboarding_channel": "branch",
                "pep": False,
                "created_at": BASE,
                "updated_at": BASE,
            }
            for i in range(CUSTOMERS)
        ]
        conn.execute(
            text(
                "INSERT INTO customers (customer_id, customer_type, name, id_document_type, id_number, "
                "segment, onboarding_channel, pep, created_at, updated_at) VALUES (:customer_id, "
                ":customer_type, :name, :id_document_type, :id_number, :segment, :onboarding_channel, "
                ":pep, :created_at, :updated_at)"
            ),
            rows,
        )
        conn.execute(text(_sql(db.dialect, count)))
    # A production table is vacuumed by autovacuum; a freshly bulk-loaded one is not, and the
    # first scan would pay for setting every row's visibility hint bits.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if db.dialect == "postgresql" else "ANALYZE"))
    return time.perf_counter() - started


def _run(backend: str, url: str, data_dir: Path, count: int) -> dict[str, Any]:
    db = Database(url)
    db.upgrade()
    gen = _generate(db, count)
    ctx = Context(settings=Settings(data_dir=data_dir, database_url=url), db=db, clock=lambda: NOW)
    started = time.perf_counter()
    result = care_sla.sweep(ctx, actor="benchmark")
    sweep_s = time.perf_counter() - started
    started = time.perf_counter()
    report = care_report.monthly_report(ctx, "2025-06")
    report_s = time.perf_counter() - started
    started = time.perf_counter()
    figures = care_sla.figures(ctx)
    figures_s = time.perf_counter() - started
    db.dispose()
    assert report.overall is not None
    return {
        "backend": backend,
        "complaints": count,
        "generate_seconds": round(gen, 2),
        "sla_sweep_seconds": round(sweep_s, 2),
        "first_response_breaches": result.first_response_breaches,
        "resolution_breaches": result.resolution_breaches,
        "escalations": result.escalations,
        "monthly_report_seconds": round(report_s, 2),
        "report_month_received": report.overall.received,
        "report_on_time_rate": round(report.overall.on_time_first_response_rate or 0, 4),
        "report_satisfaction_rate": round(report.overall.satisfaction_rate or 0, 4),
        "all_months_figures_seconds": round(figures_s, 2),
        "figure_rows": len(figures),
    }


CFPB_HEADER = [
    "Date received",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "Consumer complaint narrative",
    "Company public response",
    "Company",
    "State",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Submitted via",
    "Date sent to company",
    "Company response to consumer",
    "Timely response?",
    "Consumer disputed?",
    "Complaint ID",
]
CFPB_PRODUCTS = ("Debt collection", "Mortgage", "Checking or savings account", "Student loan")
CFPB_VIA = ("Web", "Phone", "Referral", "Postal mail", "Email")
CFPB_RESPONSES = ("Closed with explanation", "Closed with monetary relief", "In progress")


def _cfpb_export(path: Path, rows: int) -> int:
    """A CFPB-layout export; returns how many of its rows are bad (one in a thousand)."""
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(CFPB_HEADER)
        for n in range(rows):
            day = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
            narrative = (
                f"Complaint {n}: the bank said \u201cwait\u201d.\nThen nothing.\n\nStill waiting."
                if n % 10 == 0
                else "N/A"
            )
            via = "Carrier pigeon" if n % 1000 == 999 else CFPB_VIA[n % len(CFPB_VIA)]
            bad += via == "Carrier pigeon"
            writer.writerow(
                [day, CFPB_PRODUCTS[n % 4], "N/A", "Managing an account", "N/A", narrative,
                 "N/A", "BENCH BANK", "NY", "10001", "N/A", "N/A", via, day,
                 CFPB_RESPONSES[n % 3], "Yes" if n % 50 else "No", "N/A", str(7_000_000 + n)]
            )  # fmt: skip
    return bad


def _run_import(backend: str, url: str, data_dir: Path, rows: int) -> dict[str, Any]:
    from integrita.services.core import users
    from integrita.store.repositories import customers as customers_repo

    db = Database(url)
    db.upgrade()
    ctx = Context(settings=Settings(data_dir=data_dir, database_url=url), db=db)
    with db.transaction() as session:
        customers_repo.upsert_customers(
            session,
            [{"customer_id": "CFPB-CONSUMER", "customer_type": "individual",
              "name": "A consumer, via the CFPB", "id_document_type": "none", "id_number": "CFPB"}],
        )  # fmt: skip
    users.add_user(ctx, "bench-officer", "Bench Officer", None, ["complaints_officer"])
    token = users.issue_token(ctx, "bench-officer", "benchmark")
    export = data_dir / "cfpb.csv"
    bad = _cfpb_export(export, rows)
    env = {
        **os.environ,
        "INTEGRITA_DATA_DIR": str(data_dir),
        "INTEGRITA_DATABASE_URL": url,
        "INTEGRITA_TOKEN": token,
        "INTEGRITA_LOG_JSON": "false",
        "COLUMNS": "400",  # the reconciliation line unwrapped
    }
    command = [sys.executable, "-m", "integrita.cli.main", "care", "import-complaints",
               str(export), "--mapping", "cfpb"]  # fmt: skip
    timings: list[float] = []
    cpu: list[float] = []
    outputs: list[str] = []
    for _ in range(2):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        timings.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        outputs.append(done.stdout.splitlines()[0])
    db.dispose()
    return {
        "backend": backend,
        "rows": rows,
        "bad_rows": bad,
        "import_seconds": round(timings[0], 2),
        "complaints_per_second": round((rows - bad) / timings[0]),
        "import_cpu_seconds": round(cpu[0], 2),
        "complaints_per_cpu_second": round((rows - bad) / cpu[0]),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "first_run": outputs[0],
        "reimport_seconds": round(timings[1], 2),
        "reimport_cpu_seconds": round(cpu[1], 2),
        "second_run": outputs[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    out: dict[str, Any] = {"benchmark": "care complaints", "targets_seconds": 10}
    run = _run
    count = args.complaints
    if args.import_rows:
        out = {"benchmark": "care complaint history import (CLI)", "target_per_second": 5000}
        run, count = _run_import, args.import_rows
    workdir = Path(tempfile.mkdtemp(prefix="care-bench-"))
    try:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite:///{workdir / 'bench.db'}"
            (workdir / "var").mkdir(parents=True, exist_ok=True)
            out["sqlite"] = run("sqlite", url, workdir / "var", count)
        if args.backend in ("postgresql", "both"):
            import psycopg

            name = f"integrita_care_bench_{os.getpid()}"
            admin = PG_ADMIN.replace("postgresql+psycopg", "postgresql")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
                (workdir / "var").mkdir(parents=True, exist_ok=True)
                out["postgresql"] = run("postgresql", url, workdir / "var", count)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
