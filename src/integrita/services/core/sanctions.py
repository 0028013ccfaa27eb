"""Sanctions screening as other capabilities ask for it: a payment's counterparty (real time)
and every new or changed customer (ingest, account opening).

Capabilities talk to each other only through ``services/core``: they ask this module, which
hands the request to the screening capability (imported when first asked, so a process that
never screens never loads the lists). The answer comes from an in-memory index
of the lists in force, rebuilt when a list changes, so it fits the decision's latency budget.
"""

from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class CustomerScreening:
    """What screening new or changed customers found: how many were screened, the matches
    over the threshold that are new, and the alerts they raised in case work."""

    screened: int
    new_matches: int
    alerts: int


def screen_new_or_changed_customers(
    ctx: Context, customer_ids: Sequence[str], *, trigger: str, by: str
) -> CustomerScreening:
    """Screen customers just created or changed against every list in force.

    Screening at onboarding is a duty of the bank, not a choice of whoever loaded the
    customer, so it runs for every path that writes a customer and is attributed to ``by``
    (the loading user or process); matches become alerts in case work as in a batch run."""
    from integrita.services.screening.points import screen_onboarded

    if not customer_ids:
        return CustomerScreening(0, 0, 0)
    summary = screen_onboarded(ctx, customer_ids, trigger=trigger, by=by)
    return CustomerScreening(summary.screened, summary.new_matches, summary.alerts)
