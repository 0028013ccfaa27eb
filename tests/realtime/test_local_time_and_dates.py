"""Real time in the bank's zone: SMS texts in local time, occurred_at within its window, one FX value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from integrita.analytics.engine import ScanRange, open_engine
from integrita.services.core.context import Context
from integrita.services.monitoring.detection import batch_fx_table
from integrita.services.realtime import payments
from integrita.store.repositories import outbox as outbox_repo
from tests.conftest import FixedClock
from tests.detection.builder import LedgerBuilder
from tests.realtime.conftest import api_event

Pay = Callable[..., payments.PaymentRequest]


@pytest.fixture
def channel(make_user: Callable[..., str]) -> dict[str, str]:
    return {"authorization": f"Bearer {make_user('mobile-app', 'payment_channel')}"}


def _evaluate(client: TestClient, headers: dict[str, str], **fields: object) -> object:
    return client.post("/v1/payments/evaluate", json=api_event(**fields), headers=headers)


def test_the_sms_for_a_0900_beijing_payment_says_0900_with_its_offset(
    bank: Context, clock: FixedClock, client: TestClient, channel: dict[str, str]
) -> None:
    clock.now = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    got = _evaluate(client, channel, txn_id="SMS-1", occurred_at="2025-03-03T01:00:00+00:00").json()  # type: ignore[attr-defined]
    assert got["decision"] == "notify"
    with bank.db.transaction() as session:
        message = outbox_repo.by_key(session, "payment:SMS-1:payment_notice")
        assert message is not None
        assert message.params["time"] == "2025-03-03 09:00 UTC+08:00"


@pytest.mark.parametrize(
    "occurred_at",
    [
        "2999-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+00:00",
        1741000000,
        "2025-03-01T09:00:00+00:00",
    ],
    ids=["year 2999", "year 1", "unix integer", "two days old"],
)
def test_a_payment_dated_outside_the_window_or_by_a_number_is_refused(
    bank: Context, client: TestClient, channel: dict[str, str], occurred_at: object
) -> None:
    got = _evaluate(client, channel, occurred_at=occurred_at)
    assert got.status_code == 422  # type: ignore[attr-defined]
    assert "occurred_at" in got.text  # type: ignore[attr-defined]


def test_the_window_names_its_bound_and_allows_five_minutes_ahead(
    bank: Context, clock: FixedClock, client: TestClient, channel: dict[str, str]
) -> None:
    ahead = (clock.now + timedelta(minutes=4)).isoformat()
    assert _evaluate(client, channel, txn_id="AHEAD", occurred_at=ahead).status_code == 200  # type: ignore[attr-defined]
    too_far = (clock.now + timedelta(minutes=6)).isoformat()
    refused = _evaluate(client, channel, txn_id="FAR", occurred_at=too_far)
    assert refused.json()["field"] == "occurred_at"  # type: ignore[attr-defined]
    assert "300 s ahead" in refused.json()["detail"]  # type: ignore[attr-defined]


def test_one_event_from_2999_does_not_empty_the_purchase_window(
    bank: Context, clock: FixedClock, client: TestClient, channel: dict[str, str]
) -> None:
    def purchase(txn_id: str, at: str) -> object:
        return _evaluate(
            client,
            channel,
            txn_id=txn_id,
            occurred_at=at,
            kind="purchase",
            amount="100.00",
            to_bank="B001",
            counterparty_type="own_account",
        )

    first = purchase("P1", clock.now.isoformat()).json()  # type: ignore[attr-defined]
    clock.advance(minutes=4)
    second = purchase("P2", clock.now.isoformat()).json()  # type: ignore[attr-defined]
    poison = purchase("P-2999", "2999-01-01T00:00:00+00:00")
    clock.advance(minutes=5)
    third = purchase("P3", clock.now.isoformat()).json()  # type: ignore[attr-defined]
    assert [first["decision"], second["decision"]] == ["allow", "allow"]
    assert poison.status_code == 422  # type: ignore[attr-defined]
    assert third["decision"] == "verify"


def test_real_time_and_batch_give_one_usd_payment_one_cny_value(
    bank: Context, clock: FixedClock, payment: Pay, tmp_path: Path
) -> None:
    # 2026-01-01 00:30 in Shanghai (still 2025 in UTC): the 2026 rate applies to both.
    at = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    clock.now = at
    event = payments.to_event(bank, payment(amount="12345.67", currency="USD", occurred_at=at))
    ledger = LedgerBuilder()
    ledger.pay("A1", "X1", 12345.67, at=at, currency="USD", txn_id="FX-1")
    engine = open_engine(
        "duckdb",
        ledger.write(tmp_path / "ledger"),
        ScanRange(at - timedelta(days=1), at + timedelta(days=1)),
        batch_fx_table(bank),
    )
    try:
        batch = engine.query("SELECT amount_cny_minor FROM txn WHERE txn_id = 'FX-1'")
    finally:
        engine.close()
    assert batch.column(0).to_pylist() == [event.amount_cny_minor]
    assert event.amount_cny_minor == 8_740_734  # 12,345.67 USD x 7.0800, the 2026 rate
