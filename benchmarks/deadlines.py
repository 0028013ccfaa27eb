"""The deadline list with 100,000 open records, and days outside the calendar's years.

Loads open large-value records (pending, due on working days spread over 2025-2026)
in bulk, then times the deadline service and ``GET /v1/deadlines`` when every record
is overdue or due soon (the whole list is computed and returned), and the refusal of
``today=9999-12-31`` and ``today=0001-01-01``. Prints one JSON object.

    .venv/bin/python benchmarks/deadlines.py [--records 100000] [--repeat 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import insert

from integrita.api.app import create_app
from integrita.domain.calendar import BusinessCalendar
from integrita.services.casework import deadlines
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.settings import Settings
from integrita.store import Database
from integrita.store.models import LargeValueRecord

TODAY = date(2026, 12, 1)
T = TypeVar("T")


def load(ctx: Context, n: int) -> float:
    started = time.perf_counter()
    first = date(2025, 1, 2)
    rows = [
        {
            "txn_id": f"T{i:07d}",
            "rule": "cash_50000",
            "customer_id": f"C{i % 20_000:06d}",
            "account_id": f"A{i % 20_000:06d}",
            "booked_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=7 * i),
            "amount_minor": 6_000_000,
            "currency": "CNY",
            "amount_cny_minor": 6_000_000,
            "due_on": first + timedelta(days=i * 700 // n),
            "status": "pending",
        }
        for i in range(n)
    ]
    with ctx.db.transaction() as session:
        for i in range(0, n, 10_000):
            session.execute(insert(LargeValueRecord), rows[i : i + 10_000])
    return time.perf_counter() - started


def timed(func: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    """Median wall-clock and median CPU seconds of ``repeat`` calls, and the last result
    (CPU seconds too, as the machine may be shared with other work)."""
    walls, cpus = [], []
    result: T | None = None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    assert result is not None
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "var"
        url = args.database_url or f"sqlite:///{data_dir / 'integrita.db'}"
        settings = Settings(data_dir=data_dir, database_url=url)
        data_dir.mkdir(parents=True)
        db = Database(url)
        db.upgrade()
        ctx = Context(settings=settings, db=db)
        load_seconds = load(ctx, args.records)
        started = time.perf_counter()
        index_days = BusinessCalendar.from_settings("CN").working_days_between(
            date(2004, 1, 1), date(2026, 12, 31)
        )
        index_seconds = time.perf_counter() - started
        user = users.add_user(ctx, "mo", "MLRO", "benchmark password 1", ["mlro"])
        token = users.issue_token(ctx, "mo", "bench")
        headers = {"authorization": f"Bearer {token}"}
        service_s, service_cpu, result = timed(
            lambda: deadlines.deadlines(ctx, user, today=TODAY), args.repeat
        )
        listed = len(result.overdue) + len(result.due_soon)
        client = TestClient(create_app(ctx))
        api_s, api_cpu, response = timed(
            lambda: client.get(f"/v1/deadlines?today={TODAY}", headers=headers), args.repeat
        )
        assert response.status_code == 200
        far: dict[str, float] = {}
        for day in ("9999-12-31", "0001-01-01"):
            seconds, _, refused = timed(
                lambda day=day: client.get(f"/v1/deadlines?today={day}", headers=headers),  # type: ignore[misc]
                args.repeat,
            )
            assert refused.status_code == 422
            far[day] = round(seconds, 4)
        db.dispose()
    print(
        json.dumps(
            {
                "benchmark": "deadlines",
                "database": url.split(":", 1)[0],
                "open_records": args.records,
                "listed": listed,
                "load_seconds": round(load_seconds, 2),
                "calendar_index_days": index_days,
                "calendar_index_build_seconds": round(index_seconds, 4),
                "service_seconds_median": round(service_s, 3),
                "service_cpu_seconds_median": round(service_cpu, 3),
                "api_seconds_median": round(api_s, 3),
                "api_cpu_seconds_median": round(api_cpu, 3),
                "load_average_1min": round(os.getloadavg()[0], 1),
                "refused_422_seconds_median": far,
                "repeat": args.repeat,
            }
        )
    )


if __name__ == "__main__":
    main()
