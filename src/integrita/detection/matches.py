"""Running detectors on an engine and turning their evidence rows into matches (alerts are
made from matches in :mod:`integrita.detection.entity_alerts`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import pyarrow as pa

from integrita.analytics.engine import QueryEngine
from integrita.detection.catalogue import merges_shared_evidence
from integrita.detection.registry import Detector

#: One evidence row: (detector, match_id, account, txn_id, ts, amount_cny_minor).
EvidenceRow = tuple[str, str, str, str, int, int]


def run_detector(engine: QueryEngine, det: Detector, params: Any) -> list[EvidenceRow]:
    """Materialise a detector's stages, fetch its evidence with booking time and amount."""
    query = det.build(params)
    try:
        for name, sql in query.stages:
            engine.stage(name, sql)
        table = engine.query(
            "SELECT m.match_id, m.account, m.txn_id, t.ts, t.amount_cny_minor "
            f"FROM ({query.evidence}) AS m JOIN txn AS t ON t.txn_id = m.txn_id"
        )
    finally:
        for name, _ in reversed(query.stages):
            engine.drop(name)
    cols = table.to_pydict()
    return sorted(
        {
            (det.name, str(m), str(a), str(x), int(ts), int(amt or 0))
            for m, a, x, ts, amt in zip(
                cols["match_id"],
                cols["account"],
                cols["txn_id"],
                cols["ts"],
                cols["amount_cny_minor"],
                strict=True,
            )
        }
    )


def txn_ends(engine: QueryEngine, txn_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Sender and receiver of each of ``txn_ids`` (those in the engine's ``txn``): whom a match
    between other banks' accounts concerns on our side."""
    wanted = sorted(set(txn_ids))
    if not wanted:
        return {}
    engine.register("wanted_txn", pa.table({"txn_id": pa.array(wanted, pa.string())}))
    try:
        cols = engine.query(
            "SELECT t.txn_id, t.from_account, t.to_account FROM txn AS t "
            "JOIN wanted_txn AS w ON w.txn_id = t.txn_id"
        ).to_pydict()
    finally:
        engine.drop("wanted_txn")
    return {
        str(t): (str(a), str(b))
        for t, a, b in zip(cols["txn_id"], cols["from_account"], cols["to_account"], strict=True)
    }


@dataclass
class Match:
    """One instance of a typology: the accounts it is about and the transactions that show it."""

    typology: str
    match_id: str
    accounts: set[str] = field(default_factory=set)
    txn_ids: set[str] = field(default_factory=set)
    first_ts: int = 0
    last_ts: int = 0
    amount_cny_minor: int = 0

    @cached_property
    def evidence(self) -> dict[str, object]:
        """The match as an alert shows it; computed once, as a match can go to many customers."""
        return {
            "match_id": self.match_id,
            "accounts": sorted(self.accounts),
            "txn_ids": sorted(self.txn_ids),
            "first_at": datetime.fromtimestamp(self.first_ts, UTC).isoformat(),
            "last_at": datetime.fromtimestamp(self.last_ts, UTC).isoformat(),
            "amount_cny_minor": self.amount_cny_minor,
        }


def build_matches(rows: Iterable[EvidenceRow]) -> list[Match]:
    """Group evidence into matches; matches of one typology that share a transaction of the
    same account are one match, unless the typology's match ids already name its patterns
    (``merge_shared_evidence`` off).

    Window-based typologies report the same activity from several anchor days; merging on
    shared (account, transaction) evidence turns those into the single pattern an analyst
    sees. Sharing a transaction alone is not enough: A's and B's unusual weeks both list the
    payment from A to B, and merging on it would chain every busy account of a week into one
    "match" of thousands of accounts, alerting each of their customers with all of it.
    """
    by_typology: dict[str, dict[str, list[EvidenceRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_typology[row[0]][row[1]].append(row)
    result: list[Match] = []
    for typology, groups in sorted(by_typology.items()):
        parent: dict[str, str] = {}

        def find(x: str, parent: dict[str, str] = parent) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        owner_of_evidence: dict[tuple[str, str], str] = {}
        merging = merges_shared_evidence(typology)
        for match_id in sorted(groups):
            find(match_id)
            if not merging:
                continue
            for row in groups[match_id]:
                other = owner_of_evidence.setdefault((row[2], row[3]), match_id)
                ra, rb = find(other), find(match_id)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        merged: dict[str, list[EvidenceRow]] = defaultdict(list)
        for match_id, group in groups.items():
            merged[find(match_id)].extend(group)
        for root, group in sorted(merged.items()):
            amounts: dict[str, int] = {}
            match = Match(typology, root)
            for _, _, account, txn_id, _ts, amount in group:
                match.accounts.add(account)
                amounts[txn_id] = amount
            match.txn_ids = set(amounts)
            stamps = [r[4] for r in group]
            match.first_ts, match.last_ts = min(stamps), max(stamps)
            match.amount_cny_minor = sum(amounts.values())
            result.append(match)
    return result
