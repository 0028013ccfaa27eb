"""Kill the concurrent dispatcher (SIGKILL) while sends are in flight to a real HTTP gateway,
restart it: every message is delivered, and each one the gateway received twice is recorded
as a duplicate (the gateway dropped the repeat by its idempotency key)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from integrita.services.core import outbox
from integrita.services.core.context import Context
from integrita.services.core.outbox import Priority
from integrita.services.core.outbox_adapters import delivery_key
from integrita.store.repositories import outbox as outbox_repo
from tests.realtime.test_crash import _free_port

TOTAL = 400
#: the port and the log follow; each answer is held 0.3 s after its arrival is logged
GATEWAY_ARGS = ("--delay", "0.3", "--port")
LEASE = 2.0


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    log = tmp_path / "gateway.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "integrita.demo.sms_gateway",
            *GATEWAY_ARGS,
            str(port),
            "--log",
            str(log),
        ],
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/stats", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the test gateway did not start")
    yield f"{url}/sms", log
    process.kill()
    process.wait()


def _dispatcher(ctx: Context, url: str, *, follow: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INTEGRITA_DATABASE_URL": ctx.db.url,
        "INTEGRITA_DATA_DIR": str(ctx.settings.data_dir),
        "INTEGRITA_LOG_LEVEL": "WARNING",
        "INTEGRITA_SMS_WEBHOOK_URL": url,
        "INTEGRITA_OUTBOX_LEASE_SECONDS": str(LEASE),
        "INTEGRITA_OUTBOX_SMS_CONCURRENCY": "32",
    }
    command = [sys.executable, "-m", "integrita.cli.main", "outbox", "dispatch", "--limit", "50"]
    return subprocess.Popen(
        command + (["--follow"] if follow else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _arrivals(log: Path) -> Counter[str]:
    return Counter(line.split("\t")[0] for line in log.read_text().splitlines() if line)


@pytest.mark.slow
def test_dispatcher_killed_mid_send_loses_nothing_and_duplicates_are_flagged(
    ctx: Context, gateway: tuple[str, Path]
) -> None:
    url, log = gateway
    now = datetime.now(UTC)
    params = {"account_tail": "1", "amount": "1", "currency": "CNY", "kind": "transfer"}
    params |= {"to_name": "X", "time": "now"}
    with ctx.db.transaction() as session:
        for i in range(TOTAL):
            outbox.enqueue(
                session, "sms", "13800000009", "payment_notice", "en", params, f"kill-{i}",
                at=now, priority=Priority.PAYMENT_NOTICE,
            )  # fmt: skip
    first = _dispatcher(ctx, url, follow=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_arrivals(log)) < TOTAL // 4:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    received_before_restart = _arrivals(log)
    assert 0 < len(received_before_restart) < TOTAL
    with ctx.db.transaction() as session:
        in_doubt = [m for m in outbox_repo.all_messages(session) if m.status == "sending"]
    assert in_doubt, "the kill left no send in flight: nothing was tested"
    time.sleep(LEASE + 0.5)  # the dead dispatcher's claims lapse
    second = _dispatcher(ctx, url, follow=False)
    assert second.wait(timeout=120) == 0
    arrivals = _arrivals(log)
    with ctx.db.transaction() as session:
        messages = outbox_repo.all_messages(session)
    assert {m.status for m in messages} == {"delivered"}
    assert set(arrivals) == {delivery_key(m.id) for m in messages}  # no loss
    repeated = {key for key, n in arrivals.items() if n > 1}
    flagged = {delivery_key(m.id) for m in messages if m.duplicate}
    assert repeated, "no send was repeated after the kill"
    # a repeat is flagged once the dispatcher hears the gateway's answer; only a dispatcher that
    # was killed between repeating a send and hearing the answer leaves one unflagged
    assert flagged <= repeated
    unheard = {key for key in repeated - flagged if received_before_restart[key] < 2}
    assert not unheard, f"repeats after the restart not flagged: {sorted(unheard)}"
    assert len(flagged) >= len(repeated) - sum(n > 1 for n in received_before_restart.values())
    assert all(n <= 2 for n in arrivals.values())
    assert {m.receipt_status for m in messages} == {"delivered"}
