"""A case's evidence: the transactions its alerts point at, the accounts involved and the money flow."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from integrita.analytics.evidence import transactions_by_id
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger

MAX_EVIDENCE_TRANSACTIONS = 500


def collect_ids(evidence: object, key: str) -> set[str]:
    """Every string under ``key`` anywhere in an alert's evidence JSON (detection nests it by typology)."""
    found: set[str] = set()
    stack: list[object] = [evidence]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for k, v in item.items():
                if k == key and isinstance(v, list):
                    found.update(str(x) for x in v)
                elif k == key and isinstance(v, str):
                    found.add(v)
                else:
                    stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)
    return found


@dataclass(frozen=True, slots=True)
class EvidenceTransaction:
    txn_id: str
    booked_at: datetime
    kind: str
    from_bank: str
    from_account: str
    to_bank: str
    to_account: str
    amount_minor: int
    currency: str
    payment_format: str
    from_country: str | None
    to_country: str | None


def _day_range(evidences: list[object]) -> tuple[date | None, date | None]:
    """The booking days the evidence spans (from detection's first_at/last_at), a day either side.

    None when any alert lacks the times: then every partition is read.
    """
    days: list[date] = []
    for evidence in evidences:
        stamps = collect_ids(evidence, "first_at") | collect_ids(evidence, "last_at")
        if not stamps:
            return None, None
        try:
            days.extend(datetime.fromisoformat(s).astimezone(UTC).date() for s in stamps)
        except ValueError:
            return None, None
    if not days:
        return None, None
    return min(days) - timedelta(days=1), max(days) + timedelta(days=1)


def evidence_transactions(ctx: Context, evidences: Iterable[object]) -> list[EvidenceTransaction]:
    """Read the alerts' evidence transactions from the ledger (at most 500, in booking order)."""
    evidence_list = list(evidences)
    ids: set[str] = set()
    for evidence in evidence_list:
        ids |= collect_ids(evidence, "txn_ids") | collect_ids(evidence, "txn_id")
    if not ids:
        return []
    chosen = sorted(ids)[:MAX_EVIDENCE_TRANSACTIONS]
    first_day, last_day = _day_range(evidence_list)
    rows = transactions_by_id(open_ledger(ctx), chosen, first_day=first_day, last_day=last_day)
    return [
        EvidenceTransaction(
            txn_id=r["txn_id"],
            booked_at=r["booked_at"],
            kind=r["kind"],
            from_bank=r["from_bank"],
            from_account=r["from_account"],
            to_bank=r["to_bank"],
            to_account=r["to_account"],
            amount_minor=int(r["amount_paid_minor"]),
            currency=r["paid_currency"],
            payment_format=r["payment_format"],
            from_country=r.get("from_country"),
            to_country=r.get("to_country"),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class FlowNode:
    account: str
    x: float
    y: float
    own: bool  # an account of the customer under investigation


@dataclass(frozen=True, slots=True)
class FlowEdge:
    source: FlowNode
    target: FlowNode
    amount_minor: int
    currency: str
    count: int
    width: float

    def endpoints(self) -> tuple[float, float, float, float]:
        """The line between the two circles' rims, so arrowheads stay visible."""
        dx, dy = self.target.x - self.source.x, self.target.y - self.source.y
        length = math.hypot(dx, dy) or 1.0
        start = node_radius(self.source) + 1
        end = node_radius(self.target) + 2
        return (
            self.source.x + dx * start / length,
            self.source.y + dy * start / length,
            self.target.x - dx * end / length,
            self.target.y - dy * end / length,
        )


def node_radius(node: FlowNode) -> int:
    return 14 if node.own else 9


@dataclass(frozen=True, slots=True)
class MoneyFlow:
    nodes: list[FlowNode]
    edges: list[FlowEdge]
    width: int
    height: int


def money_flow(
    transactions: list[EvidenceTransaction], own_accounts: set[str], *, size: int = 520
) -> MoneyFlow:
    """The subgraph around the customer: own accounts in the centre, counterparties on a ring.

    Edges are summed per (sender, receiver, currency); their width grows with the
    logarithm of the amount so one large payment does not hide the rest.
    """
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for t in transactions:
        entry = totals[(t.from_account, t.to_account, t.currency)]
        entry[0] += t.amount_minor
        entry[1] += 1
    accounts = sorted({a for key in totals for a in key[:2]})
    own = [a for a in accounts if a in own_accounts]
    others = [a for a in accounts if a not in own_accounts]
    centre = size / 2
    nodes: dict[str, FlowNode] = {}
    for i, account in enumerate(own):
        angle = 2 * math.pi * i / max(len(own), 1)
        radius = 0 if len(own) == 1 else size * 0.12
        nodes[account] = FlowNode(
            account, centre + radius * math.cos(angle), centre + radius * math.sin(angle), True
        )
    for i, account in enumerate(others):
        angle = 2 * math.pi * i / max(len(others), 1) - math.pi / 2
        nodes[account] = FlowNode(
            account,
            centre + size * 0.38 * math.cos(angle),
            centre + size * 0.38 * math.sin(angle),
            False,
        )
    biggest = max((v[0] for v in totals.values()), default=1) or 1
    edges = [
        FlowEdge(
            nodes[src],
            nodes[dst],
            amount,
            currency,
            count,
            1 + 5 * math.log1p(amount) / math.log1p(biggest),
        )
        for (src, dst, currency), (amount, count) in sorted(totals.items())
    ]
    return MoneyFlow(list(nodes.values()), edges, size, size)
