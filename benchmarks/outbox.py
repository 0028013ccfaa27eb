"""Outbox dispatch benchmark; prints one JSON object per database.

A local SMS gateway (``integrita.demo.sms_gateway``, uvicorn + uvloop) runs in its own process
on 127.0.0.1 and records the first arrival of each idempotency key.

1. Throughput: ``--messages`` payment notices are queued; the concurrent dispatcher
   (``integrita outbox dispatch``, one process) delivers them; messages/s from its start to
   the gateway's last arrival, and the CPU milliseconds per message of the dispatcher process
   and of the gateway (a figure the machine's other load hardly moves).
2. One-time codes under a backlog: ``--backlog`` notices are queued, the dispatcher starts,
   and payments that need a one-time code are decided in this process at ``--code-rate`` per
   second (through the real decision service: challenge + code + notice). Latency of a code
   = its arrival at the gateway - its decision (the outbox row's ``created_at``): p50/p99/max.

Usage: ``PYTHONPATH=src:. python benchmarks/outbox.py [--messages 20000] [--backlog 10000]
[--codes 150] [--code-rate 25] [--dispatchers 1] [--skip-postgres]``. Finishes in about a minute per database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realtime import ACCOUNTS, _drop_pg, _free_port, _pg_url, _seed

PARAMS = {
    "account_tail": "0001",
    "amount": "1,000.00",
    "currency": "CNY",
    "kind": "transfer",
    "to_name": "X",
    "time": "now",
}


def _gateway() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "integrita.demo.sms_gateway", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{url}/stats", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gateway did not start")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stats(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/stats", timeout=30).json())


def _dispatcher(db_url: str, data_dir: Path, gateway: str, follow: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INTEGRITA_DATABASE_URL": db_url,
        "INTEGRITA_DATA_DIR": str(data_dir),
        "INTEGRITA_LOG_LEVEL": "WARNING",
        "INTEGRITA_SMS_WEBHOOK_URL": f"{gateway}/sms",
    }
    command = [sys.executable, "-m", "integrita.cli.main", "outbox", "dispatch"]
    return subprocess.Popen(
        command + (["--follow"] if follow else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _queue_notices(ctx: Any, n: int, prefix: str) -> None:
    from integrita.services.core import outbox

    for start in range(0, n, 5000):
        now = ctx.now()
        rows = [
            outbox.message(
                "sms",
                f"1390{i:07d}",
                "payment_notice",
                "zh",
                PARAMS,
                f"{prefix}:{i}",
                at=now,
                priority=outbox.Priority.PAYMENT_NOTICE,
            )
            for i in range(start, min(start + 5000, n))
        ]
        with ctx.db.transaction() as session:
            outbox.enqueue_many(session, rows)


def _status(ctx: Any) -> dict[str, int]:
    from integrita.services.core import outbox

    return outbox.status(ctx)


def _wait_until_sent(ctx: Any, total: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = _status(ctx)
        done = sum(n for k, n in counts.items() if k.endswith((":delivered", ":dead", ":expired")))
        if done >= total:
            return time.monotonic()
        time.sleep(0.05)
    raise RuntimeError(f"not all {total} messages were sent within {timeout} s: {_status(ctx)}")


def bench(db_url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from integrita.services.core.context import Context
    from integrita.services.core.outbox_adapters import delivery_key
    from integrita.services.realtime import decisions, payments
    from integrita.settings import Settings
    from integrita.store import Database
    from integrita.store.repositories import outbox as outbox_repo

    _seed(db_url, data_dir)
    db = Database(db_url)
    ctx = Context(settings=Settings(data_dir=data_dir, database_url=db_url), db=db)
    gateway, gateway_url = _gateway()
    result: dict[str, Any] = {"database": db.dialect}
    try:
        # 1. throughput
        _queue_notices(ctx, args.messages, "tp")
        gateway_cpu = _cpu_seconds(gateway.pid)
        started = time.time()
        dispatchers = [
            _dispatcher(db_url, data_dir, gateway_url, follow=False)
            for _ in range(args.dispatchers)
        ]
        # nothing polls the database meanwhile: the dispatchers stop when the queue is empty,
        # and the end is the gateway's last arrival (a status query every 50 ms, as before,
        # took CPU and the SQLite file from the processes measured)
        dispatcher_cpu = 0.0
        for process in dispatchers:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            dispatcher_cpu += usage.ru_utime + usage.ru_stime
        stats = _stats(gateway_url)
        finished = max(stats["first_seen"].values())
        result["throughput"] = {
            "dispatchers": args.dispatchers,
            "messages": args.messages,
            "seconds": round(finished - started, 2),
            "messages_per_second": round(args.messages / (finished - started), 1),
            "gateway_received": len(stats["counts"]),
            # CPU the processes used, whatever else ran on the machine (dispatcher: from its
            # start, imports included)
            "dispatcher_cpu_ms_per_message": round(dispatcher_cpu * 1000 / args.messages, 3),
            "gateway_cpu_ms_per_message": round(
                (_cpu_seconds(gateway.pid) - gateway_cpu) * 1000 / args.messages, 3
            ),
        }
        _wait_until_sent(ctx, args.messages, 10)
        # 2. one-time codes behind a backlog of notices
        _queue_notices(ctx, args.backlog, "backlog")
        received = len(_stats(gateway_url)["counts"])
        dispatcher = _dispatcher(db_url, data_dir, gateway_url, follow=True)
        while len(_stats(gateway_url)["counts"]) < received + 200:  # it is draining the backlog
            time.sleep(0.05)
        txn_ids = []
        backlog_at_codes = []
        interval = 1.0 / args.code_rate
        next_at = time.monotonic()
        for i in range(args.codes):
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            request = payments.PaymentRequest(
                txn_id=f"OTP{i:06d}",
                occurred_at=datetime.now(UTC),
                channel="mobile",
                kind="transfer",
                from_bank="B001",
                from_account=f"A{i % ACCOUNTS:05d}",
                to_bank="B001",
                to_account=f"Z{i}",
                amount="100.00",
                currency="CNY",
                counterparty_type="third_party_corporate",
                new_device=True,
            )
            answer = decisions.evaluate_payment(ctx, request, actor="bench")
            assert answer["decision"] == "verify", answer
            txn_ids.append(request.txn_id)
            if i % 25 == 0:
                with ctx.db.transaction() as session:
                    backlog_at_codes.append(
                        sum(n for k, n in outbox_repo.status_counts(session).items()
                            if k.endswith(":pending") or k.endswith(":sending"))
                    )  # fmt: skip
        total = args.messages + args.backlog + args.codes
        _wait_until_sent(ctx, total, 120)
        dispatcher.terminate()
        dispatcher.wait(timeout=30)
        seen = _stats(gateway_url)["first_seen"]
        latencies = []
        with ctx.db.transaction() as session:
            for txn_id in txn_ids:
                row = outbox_repo.by_key(session, f"payment:{txn_id}:payment_otp")
                assert row is not None and row.status == "delivered", row
                arrived = seen[delivery_key(row.id)]
                latencies.append(arrived - row.created_at.timestamp())
        latencies.sort()
        result["one_time_codes_under_backlog"] = {
            "backlog_notices": args.backlog,
            "codes": len(latencies),
            "code_rate_per_second": args.code_rate,
            "waiting_messages_sampled_while_codes_were_decided": backlog_at_codes,
            "p50_seconds": round(statistics.median(latencies), 3),
            "p99_seconds": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 3),
            "max_seconds": round(latencies[-1], 3),
        }
        result["status"] = _status(ctx)
    finally:
        gateway.kill()
        gateway.wait()
        db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--codes", type=int, default=150)
    parser.add_argument("--code-rate", type=float, default=25.0)
    parser.add_argument("--dispatchers", type=int, default=1, help="processes for part 1")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="integrita-outbox-bench-") as tmp:
        data_dir = Path(tmp)
        url = f"sqlite:///{data_dir / 'bench.db'}"
        print(json.dumps(bench(url, data_dir / "sqlite", args)), flush=True)
        if not args.skip_postgres:
            pg = _pg_url()
            if pg is None:
                print(json.dumps({"database": "postgresql", "skipped": "not reachable"}))
                return
            try:
                print(json.dumps(bench(pg, data_dir / "pg", args)), flush=True)
            finally:
                _drop_pg(pg)


if __name__ == "__main__":
    main()
