"""The API keeps answering while another process holds SQLite's write lock.

Issue 17 (Concurrency): an operator job holding the lock for 3 s stalled every request,
health included, and 10 s gave "database is locked" and a 500. Here another process takes
the write lock (``BEGIN IMMEDIATE``) as such a job would and holds it while the tests call
the running server over HTTP.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.realtime import payments
from integrita.settings import Settings
from integrita.store import Database
from tests.conftest import PASSWORD, FixedClock, LiveServer
from tests.realtime.conftest import api_event, seed_bank

LOCKER = (
    "import sqlite3, sys, time\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "db.execute('BEGIN IMMEDIATE')\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "db.execute('COMMIT')\n"
)


@pytest.fixture
def server(
    sqlite_template: Path, tmp_path: Path, clock: FixedClock
) -> Iterator[tuple[Context, str, str]]:
    """The application on a SQLite file, served over HTTP, with a payment channel's token."""
    path = tmp_path / "integrita.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{path}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url, busy_timeout_seconds=settings.sqlite_busy_seconds)
    ctx = Context(settings=settings, db=db, clock=clock)
    seed_bank(ctx)
    users.add_user(ctx, "app", "App", PASSWORD, ["payment_channel"])
    token = users.issue_token(ctx, "app", "test")
    live = LiveServer(ctx)
    # FastAPI builds each route's state on the first request that reaches its router (1.8 s
    # on a loaded test machine, with the interpreter lock held): done before the lock.
    assert httpx.get(f"{live.url}/signin").status_code == 200
    yield ctx, live.url, token
    live.stop()
    db.dispose()


#: A health check that waited on the lock took the lock's remaining seconds (3 s before the
#: fix). One second tells waiting from not waiting even on a loaded CI machine, where the
#: 100 ms once asserted here flaked; the printed maximum is the figure to read on a quiet one.
HEALTH_DID_NOT_WAIT = 1.0


def _hold_write_lock(ctx: Context, seconds: float) -> subprocess.Popen[str]:
    path = ctx.settings.resolved_database_url.removeprefix("sqlite:///")
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, path, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
    return locker


def _pay(url: str, token: str, txn_id: str, out: dict[str, object]) -> None:
    start = time.perf_counter()
    response = httpx.post(
        f"{url}/v1/payments/evaluate",
        json=api_event(txn_id=txn_id, amount="100.00", counterparty_type="own_account"),
        headers={"authorization": f"Bearer {token}"},
        timeout=60,
    )
    out.update(response=response, seconds=time.perf_counter() - start)


def _health_latencies(url: str, during: float) -> list[float]:
    latencies = []
    deadline = time.monotonic() + during
    with httpx.Client(timeout=10) as client:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            assert client.get(f"{url}/v1/health").status_code == 200
            latencies.append(time.perf_counter() - start)
            time.sleep(0.1)
    return latencies


def test_health_answers_without_waiting_and_a_payment_waits_out_a_3_second_lock(
    server: tuple[Context, str, str],
) -> None:
    ctx, url, token = server
    locker = _hold_write_lock(ctx, 3)
    paid: dict[str, object] = {}
    payment = threading.Thread(target=_pay, args=(url, token, "LOCK-3S", paid))
    payment.start()
    latencies = _health_latencies(url, during=2.0)
    payment.join(timeout=30)
    locker.wait(timeout=10)
    print(
        f"3 s lock: health max {max(latencies) * 1000:.1f} ms over {len(latencies)} probes; "
        f"payment answered in {paid['seconds']:.2f} s"
    )
    assert max(latencies) < HEALTH_DID_NOT_WAIT
    response = paid["response"]
    assert isinstance(response, httpx.Response) and response.status_code == 200
    assert response.json()["decision"] == "allow"
    assert payments.get_decision(ctx, "LOCK-3S")["status"] == "decided"


def test_a_lock_held_for_10_seconds_gives_a_clean_503_with_retry_after(
    server: tuple[Context, str, str],
) -> None:
    ctx, url, token = server
    locker = _hold_write_lock(ctx, 10)
    paid: dict[str, object] = {}
    payment = threading.Thread(target=_pay, args=(url, token, "LOCK-10S", paid))
    payment.start()
    signed: dict[str, httpx.Response] = {}
    signin = threading.Thread(
        target=lambda: signed.update(
            r=httpx.post(
                f"{url}/signin", data={"username": "app", "password": PASSWORD}, timeout=60
            )
        )
    )
    signin.start()  # a page that writes (the sign-in is counted and audited)
    latencies = _health_latencies(url, during=ctx.settings.sqlite_busy_seconds + 1)
    payment.join(timeout=30)
    signin.join(timeout=30)
    locker.wait(timeout=20)
    response = paid["response"]
    assert isinstance(response, httpx.Response)
    print(
        f"10 s lock: payment {response.status_code} after {paid['seconds']:.2f} s, "
        f"health max {max(latencies) * 1000:.1f} ms"
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "busy" in response.json()["detail"]
    assert signed["r"].status_code == 503 and signed["r"].headers["retry-after"] == "5"
    assert max(latencies) < HEALTH_DID_NOT_WAIT
    retried = {}
    _pay(url, token, "LOCK-10S", retried)  # after the lock: the same payment goes through
    assert isinstance(retried["response"], httpx.Response)
    assert retried["response"].status_code == 200
