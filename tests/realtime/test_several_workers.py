"""Several API worker processes against one PostgreSQL decide a payment stream exactly as one
process does.

The stream is replayed twice on fresh databases: once to ``integrita serve --workers 1`` and
once to ``--workers 3``. Eight senders run at once; each owns a share of the accounts and sends
its accounts' payments in order (a customer's payments are ordered by the channel), but every
request opens a new connection, so the kernel spreads one account's payments over the three
workers. Account state (velocity, daily totals, known payees) lives in the database, so the
decisions — outcome, reasons, notifications — must be the same, payment by payment.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_ADMIN_URL, _pg_reachable, require

ACCOUNTS = 40
PAYMENTS_PER_ACCOUNT = 12
SENDERS = 8


def _stream(base: datetime) -> list[dict[str, Any]]:
    """Bursts of transfers per account: velocity, new payees, large and third-party payments."""
    rng = random.Random(20261207)
    events = []
    for a in range(ACCOUNTS):
        for j in range(PAYMENTS_PER_ACCOUNT):
            events.append(
                {
                    "txn_id": f"W{a:03d}-{j:03d}",
                    "occurred_at": (base + timedelta(seconds=40 * j + a)).isoformat(),
                    "channel": rng.choice(["mobile", "online"]),
                    "kind": "transfer",
                    "from_bank": "B001",
                    "from_account": f"A{a:05d}",
                    "to_bank": rng.choice(["B001", "B999"]),
                    "to_account": f"Z{rng.randrange(8)}",
                    "amount": f"{rng.choice([80, 900, 4_800, 20_000, 60_000]) + rng.random():.2f}",
                    "currency": "CNY",
                    "counterparty_type": rng.choice(
                        ["own_account", "third_party_personal", "third_party_corporate"]
                    ),
                    "new_device": rng.random() < 0.1,
                }
            )
    return events


def _fresh_database() -> str:
    import psycopg

    name = f"integrita_w_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop(url: str) -> None:
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _seed(url: str, data_dir: Path) -> str:
    """Customers, accounts and contacts for the stream's accounts; a channel's API token."""
    from integrita.services.core import users
    from integrita.services.core.context import Context
    from integrita.settings import Settings
    from integrita.store import Database
    from integrita.store.repositories import customers as customers_repo
    from integrita.store.repositories import realtime as realtime_repo

    db = Database(url)
    db.upgrade("heads")
    ctx = Context(settings=Settings(data_dir=data_dir, database_url=url), db=db)
    with db.transaction() as session:
        customers_repo.upsert_customers(
            session,
            [
                {
                    "customer_id": f"C{i:05d}",
                    "customer_type": "individual",
                    "name": f"Customer {i}",
                    "id_document_type": "resident_id",
                    "id_number": f"ID{i:08d}",
                    "segment": "elderly" if i % 5 == 0 else "retail",
                }
                for i in range(ACCOUNTS)
            ],
        )
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": f"A{i:05d}",
                    "bank_id": "B001",
                    "customer_id": f"C{i:05d}",
                    "account_type": "personal",
                    "status": "active",
                    "currency": "CNY",
                    "opened_on": date(2020, 1, 1),
                }
                for i in range(ACCOUNTS)
            ],
        )
        for i in range(ACCOUNTS):
            realtime_repo.upsert_contact(session, f"C{i:05d}", f"1380{i:07d}", None, "zh")
    users.add_user(ctx, "channel", "Channel", None, ["payment_channel"])
    token = users.issue_token(ctx, "channel", "workers test")
    db.dispose()
    return token


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _group_size(pgid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    count += 1
            except (OSError, ValueError, IndexError):
                continue
    return count


def _replay(workers: int, stream: list[dict[str, Any]], tmp: Path) -> dict[str, Any]:
    """Decisions of a server with ``workers`` processes on a fresh database, by txn_id."""
    import httpx

    url = _fresh_database()
    data_dir = tmp / f"workers-{workers}"
    token = _seed(url, data_dir)
    port = _free_port()
    env = {
        **os.environ,
        "INTEGRITA_DATABASE_URL": url,
        "INTEGRITA_DATA_DIR": str(data_dir),
        "INTEGRITA_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "integrita.cli.main", "serve", "--port", str(port),
         "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # a loaded 2-core machine starts 3 workers slowly
        while True:
            try:
                if httpx.get(f"{base_url}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        # uvicorn's supervisor plus one process per worker
        assert _group_size(server.pid) >= workers + (1 if workers > 1 else 0)
        headers = {"Authorization": f"Bearer {token}"}
        by_sender: dict[int, list[dict[str, Any]]] = {}
        for event in stream:
            by_sender.setdefault(int(event["from_account"][1:]) % SENDERS, []).append(event)

        def send(events: list[dict[str, Any]]) -> dict[str, Any]:
            answers = {}
            for event in events:  # in order; a new connection each time
                answer = httpx.post(
                    f"{base_url}/v1/payments/evaluate", json=event, headers=headers, timeout=30
                )
                assert answer.status_code == 200, answer.text
                body = answer.json()
                answers[event["txn_id"]] = (
                    body["decision"],
                    sorted((r["rule"], r["explanation"]) for r in body["reasons"]),
                    sorted((n["channel"], n["template"]) for n in body["notifications"]),
                    body["challenge"] is not None,
                )
            return answers

        with ThreadPoolExecutor(SENDERS) as pool:
            decisions: dict[str, Any] = {}
            for part in pool.map(send, by_sender.values()):
                decisions.update(part)
        return decisions
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        _drop(url)


@pytest.mark.postgres
@pytest.mark.slow
def test_three_workers_decide_a_replayed_stream_as_one_worker_does(tmp_path: Path) -> None:
    problem = _pg_reachable()
    require(problem is None, problem or "")
    stream = _stream(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))
    one = _replay(1, stream, tmp_path)
    three = _replay(3, stream, tmp_path)
    assert len(one) == len(stream)
    assert len({d[0] for d in one.values()}) >= 3  # the stream exercises several outcomes
    differing = {t: (one[t], three[t]) for t in one if one[t] != three[t]}
    assert not differing, f"{len(differing)} decisions differ: {list(differing.items())[:5]}"
