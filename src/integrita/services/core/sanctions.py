"""Sanctions screening of a payment's counterparty, as the real-time capability asks for it.

Capabilities talk to each other only through ``services/core``: real time asks this module,
which hands the name to the screening capability (imported when first asked, so a process that
never screens a counterparty never loads the lists). The answer comes from an in-memory index
of the lists in force, rebuilt when a list changes, so it fits the decision's latency budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrita.services.core.context import Context


@dataclass(frozen=True, slots=True)
class CounterpartyHit:
    """A counterparty name over the screening threshold, explained for the hold queue."""

    source: str
    entity_id: str
    caption: str
    score: float
    explanation: str


def counterparty_hit(ctx: Context, name: str) -> CounterpartyHit | None:
    """The strongest list match for ``name`` over the threshold, or None."""
    from integrita.services.screening.points import screen_counterparty

    found = screen_counterparty(ctx, name)
    if found is None:
        return None
    fired = ", ".join(f.name.replace("_", " ") for f in found.features if f.contribution)
    return CounterpartyHit(
        found.source,
        found.entity_id,
        found.caption,
        found.score,
        f"The payee {name!r} matches {found.caption} on the {found.source} list "
        f"({found.entity_id}, score {found.score:.2f}: {fired or 'name'}): held for review.",
    )
