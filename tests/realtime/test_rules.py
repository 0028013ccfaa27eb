"""One or more tests per policy sentence, through the decision service on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from integrita.detection.realtime.model import (
    DEFAULT_THRESHOLDS,
    third_party_personal_sms_segments,
    validate_thresholds,
)
from integrita.domain.workflow import Actor
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.realtime import payments, rulesets
from integrita.store.repositories import outbox as outbox_repo
from tests.conftest import FixedClock
from tests.realtime.conftest import decide, rules_of

ANALYST = Actor("analyst", frozenset({"analyst"}))

Pay = Callable[..., payments.PaymentRequest]


def test_external_transfer_over_50000_sends_sms(bank: Context, payment: Pay) -> None:
    answer = decide(bank, payment(to_bank="B999", amount="50000.01"))
    assert answer["decision"] == "notify"
    assert "external_transfer_over_threshold_sms" in rules_of(answer)
    assert [n["channel"] for n in answer["notifications"]] == ["sms"]
    with bank.db.transaction() as session:
        message = outbox_repo.by_key(session, f"payment:{answer['txn_id']}:payment_notice")
        assert message is not None
        assert message.recipient == "13800000001"
        assert message.status == "pending"


def test_external_transfer_of_exactly_50000_sends_no_sms(bank: Context, payment: Pay) -> None:
    answer = decide(bank, payment(to_bank="B999", amount="50000.00"))
    assert answer["decision"] == "allow"
    assert answer["notifications"] == []


def test_internal_transfer_over_50000_sends_no_sms(bank: Context, payment: Pay) -> None:
    answer = decide(bank, payment(to_bank="B001", amount="80000.00"))
    assert "external_transfer_over_threshold_sms" not in rules_of(answer)


def test_foreign_currency_external_transfer_is_converted_at_the_rate_of_its_day(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    # 2025-03-03 uses the 2025-01-01 rate 7.1884: USD 7,000 = RMB 50,318.80 (> 50,000)
    over = decide(bank, payment(to_bank="B999", amount="7000.00", currency="USD"))
    assert over["decision"] == "notify"
    # USD 6,955.65 x 7.1884 = RMB 49,999.99: not over
    under = decide(bank, payment(to_bank="B999", amount="6955.65", currency="USD"))
    assert under["decision"] == "allow"
    # the same USD 7,000 on 2024-05-07 uses 7.0920: RMB 49,644.00, not over (the clock is
    # moved there too: a payment is decided when it happens, within its occurred_at window)
    clock.advance(days=-300)
    earlier = payment(to_bank="B999", amount="7000.00", currency="USD", occurred_at=bank.now())
    assert decide(bank, earlier)["decision"] == "allow"


def test_elderly_customer_transfer_to_third_party_personal_account_sends_sms(
    bank: Context, payment: Pay
) -> None:
    answer = decide(
        bank, payment(from_account="A2", counterparty_type="third_party_personal", amount="500")
    )
    assert answer["decision"] == "notify"
    assert "third_party_personal_account_sms" in rules_of(answer)
    assert answer["notifications"][0]["template"] == "payment_notice"


def test_every_customer_transfer_to_third_party_personal_account_sends_sms(
    bank: Context, payment: Pay
) -> None:
    answer = decide(bank, payment(counterparty_type="third_party_personal", amount="500"))
    assert answer["decision"] == "notify"
    assert rules_of(answer) == {"third_party_personal_account_sms"}
    assert [n["channel"] for n in answer["notifications"]] == ["sms"]


def test_segment_filter_limits_third_party_personal_sms_to_its_segments(
    bank: Context, payment: Pay
) -> None:
    proposer = users.add_user(bank, "mia", "Mia", None, ["mlro"])
    changes = {"third_party_personal_sms_segments": ["elderly"]}
    assert rulesets.propose(bank, proposer, changes, "elderly only").version == 2
    for name, role in (("biz", "business_approver"), ("tech", "technology_approver")):
        rulesets.approve(bank, 2, users.add_user(bank, name, name, None, [role]))
    retail = decide(bank, payment(counterparty_type="third_party_personal", amount="500"))
    elderly = decide(
        bank, payment(from_account="A2", counterparty_type="third_party_personal", amount="500")
    )
    assert retail["decision"] == "allow"
    assert elderly["decision"] == "notify"
    assert retail["rule_set_version"] == elderly["rule_set_version"] == 2


def test_version_stored_with_the_old_protected_segments_keeps_its_filter() -> None:
    stored = {**DEFAULT_THRESHOLDS, "protected_segments": ["elderly"]}
    del stored["third_party_personal_sms_segments"]
    assert third_party_personal_sms_segments(stored) == {"elderly"}
    migrated = validate_thresholds(stored)
    assert migrated["third_party_personal_sms_segments"] == ["elderly"]
    assert "protected_segments" not in migrated


def test_transfer_to_a_company_sends_no_third_party_personal_sms(
    bank: Context, payment: Pay
) -> None:
    answer = decide(bank, payment(counterparty_type="third_party_corporate", amount="500"))
    assert answer["decision"] == "allow"


def test_elderly_customer_transfer_to_a_company_sends_no_sms(bank: Context, payment: Pay) -> None:
    answer = decide(
        bank, payment(from_account="A2", counterparty_type="third_party_corporate", amount="500")
    )
    assert answer["decision"] == "allow"


def test_third_consecutive_purchase_within_10_minutes_needs_one_time_code(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    first = decide(bank, payment(kind="purchase", occurred_at=clock.now))
    clock.advance(minutes=4)
    second = decide(bank, payment(kind="redemption", occurred_at=clock.now))
    clock.advance(minutes=5)
    third = decide(bank, payment(kind="cancellation", occurred_at=clock.now))
    assert [first["decision"], second["decision"]] == ["allow", "allow"]
    assert third["decision"] == "verify"
    assert "consecutive_purchases_redemptions_cancellations_verify" in rules_of(third)
    assert third["challenge"]["type"] == "one_time_code"
    assert third["notifications"][0]["template"] == "payment_otp"


def test_three_purchases_spread_over_more_than_10_minutes_need_no_code(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    decide(bank, payment(kind="purchase", occurred_at=clock.now))
    clock.advance(minutes=6)
    decide(bank, payment(kind="purchase", occurred_at=clock.now))
    clock.advance(minutes=5)  # the first one is now 11 minutes old
    assert decide(bank, payment(kind="purchase", occurred_at=clock.now))["decision"] == "allow"


def test_third_party_transfer_from_a_new_device_needs_verification(
    bank: Context, payment: Pay
) -> None:
    answer = decide(
        bank,
        payment(counterparty_type="third_party_corporate", new_device=True, device_id="D-NEW"),
    )
    assert answer["decision"] == "verify"
    assert "third_party_transfer_new_device_or_credential_change_verify" in rules_of(answer)


def test_own_account_transfer_from_a_new_device_needs_no_verification(
    bank: Context, payment: Pay
) -> None:
    assert decide(bank, payment(new_device=True))["decision"] == "allow"


def test_third_party_transfer_after_recent_credential_change_needs_verification(
    bank: Context, payment: Pay
) -> None:
    recent = decide(
        bank,
        payment(
            counterparty_type="third_party_personal",
            credential_changed_at=bank.now() - timedelta(hours=71),
        ),
    )
    stale = decide(
        bank,
        payment(
            counterparty_type="third_party_personal",
            credential_changed_at=bank.now() - timedelta(hours=73),
        ),
    )
    assert recent["decision"] == "verify"
    # no verification after 72 h; the SMS every third-party personal transfer sends remains
    assert stale["decision"] == "notify"
    assert rules_of(stale) == {"third_party_personal_account_sms"}


def test_key_transfer_at_the_threshold_shows_the_risk_statement(
    bank: Context, payment: Pay
) -> None:
    at_threshold = decide(bank, payment(amount="100000.00"))
    below = decide(bank, payment(amount="99999.99"))
    assert at_threshold["show_risk_statement"] is True
    assert "key_transfer_risk_statement" in rules_of(at_threshold)
    assert below["show_risk_statement"] is False


def test_face_recognition_shows_the_risk_statement(bank: Context, payment: Pay) -> None:
    face = decide(bank, payment(auth_method="face"))
    certificate = decide(bank, payment(auth_method="certificate"))
    assert face["show_risk_statement"] is True
    assert face["decision"] == "allow"
    assert certificate["show_risk_statement"] is False


def _history(bank: Context, payment: Pay, count: int, amount: str) -> None:
    for _ in range(count):
        answer = decide(bank, payment(amount=amount))
        payments.record_outcome(bank, answer["txn_id"], "executed", actor="channel")


def test_amount_far_outside_the_account_history_is_held(bank: Context, payment: Pay) -> None:
    _history(bank, payment, 10, "1000.00")
    answer = decide(bank, payment(amount="20000.00"))
    assert answer["decision"] == "hold"
    assert "amount_far_outside_history_hold" in rules_of(answer)
    assert answer["notifications"][0]["template"] == "payment_held"
    assert [h["txn_id"] for h in payments.hold_queue(bank)] == [answer["txn_id"]]


def test_amount_within_the_account_history_is_not_held(bank: Context, payment: Pay) -> None:
    _history(bank, payment, 10, "1000.00")
    assert decide(bank, payment(amount="2900.00"))["decision"] == "allow"


def test_short_history_never_holds_for_amount(bank: Context, payment: Pay) -> None:
    _history(bank, payment, 9, "1000.00")
    assert decide(bank, payment(amount="20000.00"))["decision"] == "allow"


def test_transfer_to_a_blocklisted_counterparty_is_held(bank: Context, payment: Pay) -> None:
    payments.block_counterparty(bank, "B777", "MULE1", "reported mule account", user=ANALYST)
    answer = decide(bank, payment(to_bank="B777", to_account="MULE1"))
    assert answer["decision"] == "hold"
    assert "blocklisted_counterparty_hold" in rules_of(answer)


def test_payment_from_an_account_pending_verification_is_rejected(
    bank: Context, payment: Pay
) -> None:
    from integrita.store.repositories import realtime as repo

    with bank.db.transaction() as session:
        repo.set_account_status(session, "A1", "pending_verification")
    answer = decide(bank, payment())
    assert answer["decision"] == "reject"
    assert "account_not_active" in rules_of(answer)


def test_verification_without_any_contact_is_held_instead(bank: Context, payment: Pay) -> None:
    answer = decide(
        bank, payment(from_account="A4", new_device=True, counterparty_type="third_party_personal")
    )
    assert answer["decision"] == "hold"
    assert "no_contact_for_verification" in rules_of(answer)


def test_every_reason_names_its_rule_version_and_explanation(bank: Context, payment: Pay) -> None:
    answer = decide(bank, payment(to_bank="B999", amount="60000", auth_method="face"))
    assert len(answer["reasons"]) == 2
    for reason in answer["reasons"]:
        assert reason["version"] == 1
        assert len(reason["explanation"]) > 40
