"""Issue 22, item 1: delivery receipts a gateway calls back with later
(``POST /v1/outbox/receipts``), recorded on the message by the gateway's reference or the
idempotency key, idempotent on repeats, unknown references answered as such."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from integrita.services.core import outbox
from integrita.services.core.context import Context
from integrita.services.core.outbox_adapters import Delivery, delivery_key
from integrita.store.repositories import outbox as outbox_repo
from tests.conftest import FixedClock
from tests.realtime.conftest import NOTICE_PARAMS, enqueue_notices


def _sent(ctx: Context, key: str, delivery: Delivery | None) -> int:
    """A notice enqueued and claimed; delivered with ``delivery`` (or left in sending)."""
    (message_id,) = enqueue_notices(ctx, [key])
    (claimed,) = [m for m in outbox.claim(ctx, 10) if m.id == message_id]
    if delivery is not None:
        outbox.record(ctx, [outbox.SendOutcome(claimed, delivery)])
    return message_id


def _receipt(ctx: Context, message_id: int) -> tuple[str | None, Any]:
    with ctx.db.transaction() as session:
        row = outbox_repo.get(session, message_id)
        assert row is not None
        return row.receipt_status, row.receipt_at


@pytest.fixture
def gateway(make_user: Callable[..., str]) -> dict[str, str]:
    return {"authorization": f"Bearer {make_user('sms-gateway', 'notification_gateway')}"}


def _post(client: TestClient, headers: dict[str, str], *receipts: dict[str, str]) -> Any:
    return client.post("/v1/outbox/receipts", json={"receipts": list(receipts)}, headers=headers)


AT = "2025-03-03T09:00:05+08:00"


def test_a_receipt_is_recorded_by_the_gateway_reference_and_a_repeat_changes_nothing(
    ctx: Context, client: TestClient, gateway: dict[str, str]
) -> None:
    message_id = _sent(ctx, "r-1", Delivery("gw-77", receipt="accepted"))
    assert _receipt(ctx, message_id)[0] == "accepted"
    answer = _post(client, gateway, {"reference": "gw-77", "status": "delivered", "at": AT})
    assert answer.status_code == 200, answer.text
    assert answer.json()["recorded"] == 1
    status, at = _receipt(ctx, message_id)
    assert status == "delivered" and at.isoformat() == "2025-03-03T01:00:05+00:00"
    assert outbox.receipt_counts(ctx) == {"delivered": 1}
    again = _post(client, gateway, {"reference": "gw-77", "status": "delivered", "at": AT})
    assert again.json()["receipts"] == [{"reference": "gw-77", "outcome": "unchanged"}]


def test_a_receipt_named_by_the_idempotency_key_finds_a_message_still_being_recorded(
    ctx: Context, client: TestClient, gateway: dict[str, str]
) -> None:
    message_id = _sent(ctx, "r-2", None)  # the callback outran the send's answer
    answer = _post(
        client, gateway, {"reference": delivery_key(message_id), "status": "delivered", "at": AT}
    )
    assert answer.json()["recorded"] == 1
    # the send's own answer ("accepted") does not overwrite the receipt called back already
    with ctx.db.transaction() as session:
        row = outbox_repo.get(session, message_id)
        assert row is not None and row.status == "sending"
    from integrita.store.repositories.outbox_dispatch import ClaimedMessage

    pending = ClaimedMessage(
        message_id, "r-2", "sms", "13800000009", "payment_notice", "en", NOTICE_PARAMS, 2, 1,
        ctx.now(), None,
    )  # fmt: skip
    outbox.record(ctx, [outbox.SendOutcome(pending, Delivery("gw-1", receipt="accepted"))])
    assert _receipt(ctx, message_id)[0] == "delivered"


def test_an_unknown_reference_is_answered_unknown_and_nothing_is_stored(
    ctx: Context, client: TestClient, gateway: dict[str, str]
) -> None:
    message_id = _sent(ctx, "r-3", Delivery("gw-3"))
    answer = _post(
        client,
        gateway,
        {"reference": "gw-nobody", "status": "delivered", "at": AT},
        {"reference": delivery_key(999_999), "status": "failed", "at": AT},
        {"reference": "gw-3", "status": "failed", "at": AT},
    )
    body = answer.json()
    assert (body["recorded"], body["unknown"]) == (1, 2)
    assert [r["outcome"] for r in body["receipts"]] == ["unknown", "unknown", "recorded"]
    assert _receipt(ctx, message_id)[0] == "failed"


def test_an_interim_status_arriving_after_a_final_one_does_not_replace_it(
    ctx: Context, client: TestClient, gateway: dict[str, str], clock: FixedClock
) -> None:
    message_id = _sent(ctx, "r-4", Delivery("gw-4"))
    final = {"reference": "gw-4", "status": "delivered", "at": "2025-03-03T09:00:09+08:00"}
    late = {"reference": "gw-4", "status": "queued", "at": "2025-03-03T09:00:10+08:00"}
    assert [r["outcome"] for r in _post(client, gateway, final, late).json()["receipts"]] == [
        "recorded",
        "unchanged",
    ]
    assert _receipt(ctx, message_id)[0] == "delivered"


def test_receipts_need_the_gateway_role_and_a_strict_body(
    ctx: Context, client: TestClient, gateway: dict[str, str], make_user: Callable[..., str]
) -> None:
    _sent(ctx, "r-5", Delivery("gw-5"))
    channel = {"authorization": f"Bearer {make_user('mobile-app', 'payment_channel')}"}
    receipt = {"reference": "gw-5", "status": "delivered", "at": AT}
    assert _post(client, channel, receipt).status_code == 403
    assert _post(client, {}, receipt).status_code == 401
    unknown_field = _post(client, gateway, {**receipt, "delivered": True})
    assert unknown_field.status_code == 422 and "delivered" in unknown_field.text
    no_offset = _post(client, gateway, {**receipt, "at": "2025-03-03T09:00:05"})
    assert no_offset.status_code == 422
    made_up = _post(client, gateway, {**receipt, "status": "read-by-customer"})
    assert made_up.status_code == 422


def test_the_demo_gateway_answers_accepted_then_calls_back_delivered(
    ctx: Context, live_server: Any, make_user: Callable[..., str]
) -> None:
    """End to end over HTTP: dispatcher → demo gateway (its own process) → receipts route."""
    import subprocess
    import sys
    import time

    import httpx

    from integrita.services.core import outbox_dispatch
    from integrita.services.core.event_loop import run_to_completion
    from integrita.services.core.outbox_adapters import AsyncWebhookSmsAdapter
    from tests.realtime.test_crash import _free_port

    token = make_user("sms-gateway", "notification_gateway")
    port = _free_port()
    receipts_to = f"{live_server.url}/v1/outbox/receipts"
    command = [sys.executable, "-m", "integrita.demo.sms_gateway", "--port", str(port)]
    command += ["--receipts-to", receipts_to, "--receipts-token", token]
    gateway = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the demo gateway did not start"
                time.sleep(0.1)
        ids = enqueue_notices(ctx, [f"cb-{i}" for i in range(3)])
        adapter = AsyncWebhookSmsAdapter(f"http://127.0.0.1:{port}/sms")
        totals = run_to_completion(outbox_dispatch.dispatch(ctx, {"sms": adapter}))
        assert totals.delivered == 3
        deadline = time.monotonic() + 20
        while {_receipt(ctx, i)[0] for i in ids} != {"delivered"}:
            assert time.monotonic() < deadline, [_receipt(ctx, i) for i in ids]
            time.sleep(0.1)
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
