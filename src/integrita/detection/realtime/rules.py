"""The default policy, following the bank's published customer-funds-protection practice."""

from __future__ import annotations

from typing import Any

from integrita.detection.realtime.model import (
    AccountSnapshot,
    PaymentEvent,
    third_party_personal_sms_segments,
)
from integrita.detection.realtime.registry import rule

_PAYMENT_KINDS = frozenset({"transfer", "bill_payment", "card_payment", "purchase"})


@rule("account_not_active", "reject")
def account_not_active(event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]) -> bool:
    """The paying account is not active (pending verification, frozen, dormant or closed), so the
    payment cannot be executed."""
    return account.account_status != "active"


@rule("external_transfer_over_threshold_sms", "notify")
def external_transfer_over_threshold_sms(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """A transfer to another bank over the SMS threshold (RMB 50,000 by default): the customer is
    told by SMS so that an unexpected payment is noticed at once."""
    return (
        event.kind == "transfer"
        and event.external
        and event.amount_cny_minor > int(t["external_transfer_sms_over_minor"])
    )


@rule("third_party_personal_account_sms", "notify")
def third_party_personal_account_sms(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """A transfer to a third party's personal account: the customer is told by SMS, as such
    transfers are the usual end of a scam. Every customer by default, as the bank's practice
    reads; a rule-set version may limit it to segments (``third_party_personal_sms_segments``)."""
    if event.kind != "transfer" or event.counterparty_type != "third_party_personal":
        return False
    segments = third_party_personal_sms_segments(t)
    return not segments or account.segment in segments


@rule("consecutive_purchases_redemptions_cancellations_verify", "verify")
def consecutive_purchases_redemptions_cancellations_verify(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """Several purchases, redemptions or cancellations in quick succession (3 within 10 minutes by
    default): an additional one-time code confirms that the customer is really acting."""
    kinds = frozenset(t["consecutive_kinds"])
    if event.kind not in kinds:
        return False
    now = event.occurred_at.timestamp()
    earlier = account.state.count_within(now, float(t["consecutive_window_minutes"]), kinds)
    return earlier + 1 >= int(t["consecutive_count"])


@rule("third_party_transfer_new_device_or_credential_change_verify", "verify")
def third_party_transfer_new_device_or_credential_change_verify(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """A transfer to a third party's account from a new device, or soon after the customer's
    credentials were changed (72 hours by default): a one-time code verifies the customer."""
    if event.kind != "transfer" or not event.to_third_party:
        return False
    if event.new_device:
        return True
    changed = event.credential_changed_at
    if changed is None:
        return False
    age_hours = (event.occurred_at - changed).total_seconds() / 3600
    return 0 <= age_hours <= float(t["credential_change_window_hours"])


@rule("key_transfer_risk_statement", "risk_statement")
def key_transfer_risk_statement(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """A key transfer at or above the risk-statement threshold: the channel shows the risk
    statement page before the customer confirms."""
    return event.kind == "transfer" and event.amount_cny_minor >= int(
        t["key_transfer_risk_statement_minor"]
    )


@rule("face_recognition_risk_statement", "risk_statement")
def face_recognition_risk_statement(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """The customer authenticated by face recognition: the channel shows the risk statement page
    so that the customer confirms knowingly."""
    return event.auth_method in set(t["risk_statement_auth_methods"])


@rule("amount_far_outside_history_hold", "hold")
def amount_far_outside_history_hold(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """The amount is far outside this account's own history (above three times its largest past
    payment and six standard deviations above its mean, by default): held for review."""
    state = account.state
    if event.kind not in _PAYMENT_KINDS or state.history_count < int(t["outlier_min_history"]):
        return False
    amount = event.amount_cny_minor
    return (
        amount >= int(t["outlier_floor_minor"])
        and amount > state.history_max * float(t["outlier_factor_of_max"])
        and amount > state.history_mean + float(t["outlier_sigmas"]) * state.history_std
    )


@rule("blocklisted_counterparty_hold", "hold")
def blocklisted_counterparty_hold(
    event: PaymentEvent, account: AccountSnapshot, t: dict[str, Any]
) -> bool:
    """The receiving account is on the bank's internal blocklist: held for review."""
    return account.counterparty_blocked
