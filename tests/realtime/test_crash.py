"""Kill the server with SIGKILL in the middle of a load run: after a restart every decision
that was answered is in the store, exactly once, with the same answer, and no notification is
delivered twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrita.services.core import outbox, users
from integrita.services.core.context import Context
from integrita.store.repositories import outbox as outbox_repo
from integrita.store.repositories import realtime as repo
from tests.realtime.conftest import BANK, RecordingAdapter, seed_bank

TOTAL = 160


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(ctx: Context, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INTEGRITA_DATABASE_URL": ctx.db.url,
        "INTEGRITA_DATA_DIR": str(ctx.settings.data_dir),
        "INTEGRITA_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "integrita.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"server did not start: {log.read_text()[-2000:]}")


def _event(i: int) -> dict[str, Any]:
    external = i % 3 == 0
    return {
        "txn_id": f"CR{i:05d}",
        "occurred_at": datetime.now(UTC).isoformat(),
        "channel": "online",
        "kind": "purchase" if i % 7 == 0 else "transfer",
        "from_bank": BANK,
        "from_account": ("A1", "A2", "A3")[i % 3],
        "to_bank": "B999" if external else BANK,
        "to_account": f"Z{i % 11}",
        "amount": "60000.00" if external else f"{100 + i}.00",
        "currency": "CNY",
        "counterparty_type": "third_party_personal" if i % 5 == 0 else "third_party_corporate",
    }


@pytest.mark.slow
def test_sigkill_during_load_loses_no_answered_decision_and_sends_nothing_twice(
    ctx: Context, tmp_path: Path
) -> None:
    seed_bank(ctx)
    users.add_user(ctx, "channel", "Channel", None, ["payment_channel"])
    token = users.issue_token(ctx, "channel", "crash")
    headers = {"authorization": f"Bearer {token}"}
    log = tmp_path / "server.log"
    port = _free_port()
    server = _start(ctx, port, log)
    events = {f"CR{i:05d}": _event(i) for i in range(TOTAL)}
    answered: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    client = httpx.Client(timeout=5)

    def send(txn_id: str) -> None:
        try:
            response = client.post(
                f"http://127.0.0.1:{port}/v1/payments/evaluate",
                json=events[txn_id],
                headers=headers,
            )
        except httpx.HTTPError:
            return
        if response.status_code == 200:
            with lock:
                answered[txn_id] = response.json()

    def killer() -> None:
        while len(answered) < TOTAL // 4:
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)

    try:
        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(send, events))
        kill_thread.join(timeout=30)
        server.wait(timeout=10)
        assert server.returncode == -signal.SIGKILL
        answered_before_kill = dict(answered)
        assert TOTAL // 4 <= len(answered_before_kill) < TOTAL, "the kill must land mid-run"

        with ctx.db.transaction() as session:
            stored = set(repo.decision_ids(session))
        assert set(answered_before_kill) <= stored  # every answered decision survived

        server = _start(ctx, port, log)  # restart; the channel retries everything
        answered.clear()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(send, events))
        assert len(answered) == TOTAL
        for txn_id, body in answered_before_kill.items():
            assert answered[txn_id] == body  # same decision, not a second one
    finally:
        client.close()
        server.kill()
        server.wait(timeout=10)

    with ctx.db.transaction() as session:
        assert repo.count_decisions(session) == TOTAL
        messages = outbox_repo.all_messages(session)
    keys = Counter(m.idempotency_key for m in messages)
    assert keys and max(keys.values()) == 1
    expected = sum(len(body["notifications"]) for body in answered.values())
    assert len(messages) == expected
    ctx.clock = lambda: datetime.now(UTC)  # the server stamped messages with the real time
    sms, email = RecordingAdapter(), RecordingAdapter()
    outbox.dispatch_once(ctx, {"sms": sms, "email": email}, limit=10_000)
    outbox.dispatch_once(ctx, {"sms": sms, "email": email}, limit=10_000)
    delivered = Counter(m.message_id for m in sms.sent + email.sent)
    assert len(delivered) == expected and max(delivered.values()) == 1
