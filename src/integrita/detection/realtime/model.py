"""Plain inputs of the real-time rules: the payment event, the account's rolling state and
the thresholds of a rule-set version (with the defaults of the bank's published practice)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrita.errors import InputError

#: Thresholds of rule-set version 1. Amounts are CNY minor units (fen).
DEFAULT_THRESHOLDS: dict[str, Any] = {
    # an external transfer over RMB 50,000 -> SMS
    "external_transfer_sms_over_minor": 5_000_000,
    # a transfer to a third party's personal account -> SMS; empty: every customer (the bank's
    # practice), otherwise only customers in these segments (e.g. ["elderly"])
    "third_party_personal_sms_segments": [],
    # >= N purchases / redemptions / cancellations within W minutes -> one-time code
    "consecutive_kinds": ["purchase", "redemption", "cancellation"],
    "consecutive_count": 3,
    "consecutive_window_minutes": 10,
    # third-party transfer from a new device or within H hours of a credential change -> verify
    "credential_change_window_hours": 72,
    # key transfers at or above this amount show the risk statement page
    "key_transfer_risk_statement_minor": 10_000_000,
    # authentication methods that always show the risk statement page
    "risk_statement_auth_methods": ["face"],
    # an amount far outside the account's history -> hold: needs this many past payments,
    # and must exceed both max(history) x factor and mean + sigmas x std, and a floor
    "outlier_min_history": 10,
    "outlier_factor_of_max": 3.0,
    "outlier_sigmas": 6.0,
    "outlier_floor_minor": 1_000_000,
    # one-time codes
    "challenge_ttl_seconds": 300,
    "challenge_max_attempts": 5,
    "challenge_min_seconds_between_attempts": 1,
    # rolling state keeps at most this many recent events within this horizon
    "state_horizon_minutes": 1440,
    "state_max_events": 200,
}


#: Allowed range (inclusive) of each numeric threshold, with why: a value outside it would
#: switch a protection off or make it unusable, e.g. ``consecutive_count=0`` challenges every
#: purchase, ``challenge_max_attempts=1000000`` lets a fraudster guess every one-time code.
THRESHOLD_RANGES: dict[str, tuple[float, float, str]] = {
    "external_transfer_sms_over_minor": (1, 10**13, "an amount above zero"),
    "consecutive_count": (1, 100, "a count of at least one"),
    "consecutive_window_minutes": (1, 1440, "a window of 1 minute to 1 day"),
    "credential_change_window_hours": (1, 720, "a window of 1 hour to 30 days"),
    "key_transfer_risk_statement_minor": (1, 10**13, "an amount above zero"),
    "outlier_min_history": (1, 10_000, "a count of at least one"),
    "outlier_factor_of_max": (1.0, 1000.0, "a factor of 1 to 1000"),
    "outlier_sigmas": (0.5, 100.0, "0.5 to 100 standard deviations"),
    "outlier_floor_minor": (1, 10**13, "an amount above zero"),
    "challenge_ttl_seconds": (30, 3600, "30 seconds to 1 hour"),
    "challenge_max_attempts": (1, 10, "1 to 10 attempts"),
    "challenge_min_seconds_between_attempts": (0, 60, "0 to 60 seconds"),
    "state_horizon_minutes": (1, 10_080, "a window of 1 minute to 7 days"),
    "state_max_events": (1, 100_000, "a count of at least one"),
}


#: The name under which versions approved before the filter became optional stored it.
LEGACY_SEGMENT_FILTER = "protected_segments"


def third_party_personal_sms_segments(t: dict[str, Any]) -> frozenset[str]:
    """The segments the third-party personal-account SMS is limited to; empty means everyone.

    A version approved while the rule covered protected segments only stored the filter as
    ``protected_segments``: its approved filter stays in force until a new version replaces it.
    """
    if "third_party_personal_sms_segments" in t:
        return frozenset(t["third_party_personal_sms_segments"])
    return frozenset(t.get(LEGACY_SEGMENT_FILTER, ()))


def validate_thresholds(values: dict[str, Any]) -> dict[str, Any]:
    """Check names, types and allowed ranges; returns a complete threshold dict.

    A refusal names the threshold and the range it must lie in.
    """
    merged = dict(DEFAULT_THRESHOLDS)
    values = dict(values)
    if LEGACY_SEGMENT_FILTER in values:
        legacy = values.pop(LEGACY_SEGMENT_FILTER)
        values.setdefault("third_party_personal_sms_segments", legacy)
    for name, value in values.items():
        if name not in DEFAULT_THRESHOLDS:
            known = ", ".join(sorted(DEFAULT_THRESHOLDS))
            raise InputError(f"unknown threshold {name!r}; known: {known}", field=name)
        default = DEFAULT_THRESHOLDS[name]
        if isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"threshold {name} must be a list of strings", field=name)
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"threshold {name} must be a non-negative number", field=name)
            merged[name] = float(value)
            continue
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"threshold {name} must be a non-negative integer", field=name)
        merged[name] = value
    for name, (low, high, meaning) in THRESHOLD_RANGES.items():
        value = merged[name]
        if not low <= value <= high:
            raise InputError(
                f"threshold {name}={value} is out of range: it must be {meaning} "
                f"({low:g} to {high:g})",
                field=name,
            )
    if merged["consecutive_window_minutes"] > merged["state_horizon_minutes"]:
        raise InputError(
            "consecutive_window_minutes must lie within state_horizon_minutes (the rolling "
            "state forgets older payments, so a longer window could never be counted)",
            field="consecutive_window_minutes",
        )
    if merged["consecutive_count"] > merged["state_max_events"]:
        raise InputError(
            "consecutive_count must not exceed state_max_events (the rolling state keeps no more)",
            field="consecutive_count",
        )
    return merged


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A payment a channel is about to execute, with its context."""

    txn_id: str
    occurred_at: datetime
    channel: str
    kind: str
    from_bank: str
    from_account: str
    to_bank: str
    to_account: str
    amount_minor: int
    currency: str
    amount_cny_minor: int
    counterparty_type: str
    device_id: str | None = None
    new_device: bool = False
    auth_method: str = "password"
    credential_changed_at: datetime | None = None
    to_name: str | None = None

    @property
    def external(self) -> bool:
        """Leaves this bank: the receiving bank differs from the sending bank."""
        return self.to_bank != self.from_bank

    @property
    def to_third_party(self) -> bool:
        return self.counterparty_type in ("third_party_personal", "third_party_corporate")


@dataclass(slots=True)
class RollingState:
    """Per-account state kept incrementally: recent events and running amount statistics."""

    recent: list[tuple[float, str, int]] = field(default_factory=list)
    history_count: int = 0
    history_mean: float = 0.0
    history_m2: float = 0.0
    history_max: int = 0

    def count_within(self, now: float, minutes: float, kinds: frozenset[str]) -> int:
        start = now - minutes * 60
        return sum(1 for at, kind, _ in self.recent if at >= start and kind in kinds)

    def sum_within(self, now: float, minutes: float) -> int:
        start = now - minutes * 60
        return sum(amount for at, _, amount in self.recent if at >= start)

    @property
    def history_std(self) -> float:
        return (
            math.sqrt(self.history_m2 / (self.history_count - 1)) if self.history_count > 1 else 0.0
        )

    def observe(self, at: float, kind: str, amount: int, thresholds: dict[str, Any]) -> None:
        """Add an evaluated payment to the recent window, dropping what fell out of the horizon."""
        start = at - float(thresholds["state_horizon_minutes"]) * 60
        kept = [e for e in self.recent if e[0] >= start]
        kept.append((at, kind, amount))
        limit = int(thresholds["state_max_events"])
        self.recent = kept[-limit:]

    def record_executed(self, amount: int) -> None:
        """Welford's update of the executed-amount statistics."""
        self.history_count += 1
        delta = amount - self.history_mean
        self.history_mean += delta / self.history_count
        self.history_m2 += delta * (amount - self.history_mean)
        self.history_max = max(self.history_max, amount)


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """What the rules may know about the paying account besides its rolling state."""

    account_status: str = "active"
    segment: str | None = None
    counterparty_blocked: bool = False
    state: RollingState = field(default_factory=RollingState)
