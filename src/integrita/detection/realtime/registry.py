"""The rule registry: each real-time rule is a pure function registered with the action it
asks for; its docstring is the explanation given with a decision."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrita.detection.realtime.model import AccountSnapshot, PaymentEvent

#: Actions in increasing severity; ``risk_statement`` only sets ``show_risk_statement``.
ACTIONS = ("risk_statement", "notify", "verify", "hold", "reject")

RuleFunction = Callable[[PaymentEvent, AccountSnapshot, dict[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    action: str
    function: RuleFunction
    explanation: str


RULES: dict[str, Rule] = {}


def rule(name: str, action: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register ``function`` as rule ``name`` asking for ``action`` when it returns True."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def register(function: RuleFunction) -> RuleFunction:
        if name in RULES:
            raise ValueError(f"rule {name!r} registered twice")
        doc = inspect.getdoc(function)
        if not doc:
            raise ValueError(f"rule {name!r} needs a docstring: it is the explanation")
        RULES[name] = Rule(name, action, function, " ".join(doc.split()))
        return function

    return register
