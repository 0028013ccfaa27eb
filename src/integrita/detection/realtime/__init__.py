"""Real-time funds-protection rules: registered pure functions over a payment event, a
snapshot of the account's rolling state and the active thresholds. Each rule's docstring
is the explanation the channel and the customer see."""

from integrita.detection.realtime.engine import Decision, Reason, evaluate
from integrita.detection.realtime.model import (
    DEFAULT_THRESHOLDS,
    AccountSnapshot,
    PaymentEvent,
    RollingState,
    validate_thresholds,
)
from integrita.detection.realtime.registry import RULES, Rule

__all__ = [
    "DEFAULT_THRESHOLDS",
    "RULES",
    "AccountSnapshot",
    "Decision",
    "PaymentEvent",
    "Reason",
    "RollingState",
    "Rule",
    "evaluate",
    "validate_thresholds",
]
