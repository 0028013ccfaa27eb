"""Evaluate every registered rule and combine the actions into one decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrita.detection.realtime import rules as _rules  # noqa: F401  (registers the rules)
from integrita.detection.realtime.model import AccountSnapshot, PaymentEvent
from integrita.detection.realtime.registry import RULES

#: The decision an action leads to, and its severity.
_DECISION_FOR = {"notify": "notify", "verify": "verify", "hold": "hold", "reject": "reject"}
_SEVERITY = {"allow": 0, "notify": 1, "verify": 2, "hold": 3, "reject": 4}
#: Every answer the engine can give, mildest first.
OUTCOMES: tuple[str, ...] = tuple(_SEVERITY)


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    version: int
    explanation: str
    action: str


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str
    reasons: tuple[Reason, ...]
    show_risk_statement: bool

    @property
    def notify(self) -> bool:
        """Whether any rule asked to tell the customer (kept even when the payment is held)."""
        return any(r.action == "notify" for r in self.reasons)


def evaluate(
    event: PaymentEvent, account: AccountSnapshot, thresholds: dict[str, Any], version: int
) -> Decision:
    """Run every rule; the most severe action wins, and every hit is a reason."""
    reasons: list[Reason] = []
    decision = "allow"
    risk_statement = False
    for registered in RULES.values():
        if not registered.function(event, account, thresholds):
            continue
        reasons.append(Reason(registered.name, version, registered.explanation, registered.action))
        if registered.action == "risk_statement":
            risk_statement = True
            continue
        candidate = _DECISION_FOR[registered.action]
        if _SEVERITY[candidate] > _SEVERITY[decision]:
            decision = candidate
    return Decision(decision, tuple(reasons), risk_statement)
