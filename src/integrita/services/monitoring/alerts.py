"""Raising alerts: one per customer per run, never the same alert twice."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from integrita.services.core import audit
from integrita.store import Session
from integrita.store.repositories import alerts as alerts_repo


def dedup_key(customer_id: str, typologies: Iterable[str], evidence_txn_ids: Iterable[str]) -> str:
    """The same customer, typologies and evidence always give the same key."""
    material = "|".join(
        [customer_id, ",".join(sorted(set(typologies))), ",".join(sorted(set(evidence_txn_ids)))]
    )
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    id: int
    customer_id: str
    typologies: tuple[str, ...]
    score: float | None


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert to raise: whose, why (typologies and evidence), and how it scored."""

    customer_id: str
    source: str
    typologies: Iterable[str]
    evidence: Mapping[str, object]
    evidence_txn_ids: Iterable[str]
    score: float | None = None
    explanation: list[dict[str, object]] | None = None
    run_id: str | None = None


def raise_alerts(
    session: Session, drafts: Sequence[AlertDraft], *, at: datetime, actor: str = "system"
) -> list[RaisedAlert | None]:
    """Store alerts inside the caller's transaction, in one bulk insert with their audit events.

    Returns, per draft, the raised alert, or None when the same alert (customer,
    typologies, evidence) already exists or appears earlier in ``drafts``.
    """
    keyed = []
    for d in drafts:
        typology_list = sorted(set(d.typologies))
        keyed.append((dedup_key(d.customer_id, typology_list, d.evidence_txn_ids), typology_list))
    known = alerts_repo.existing_dedup_keys(session, sorted({k for k, _ in keyed}))
    rows: list[dict[str, object]] = []
    fresh: list[int] = []
    for i, (d, (key, typology_list)) in enumerate(zip(drafts, keyed, strict=True)):
        if key in known:
            continue
        known.add(key)
        fresh.append(i)
        rows.append(
            {
                "customer_id": d.customer_id,
                "source": d.source,
                "run_id": d.run_id,
                "raised_at": at,
                "dedup_key": key,
                "typologies": typology_list,
                "evidence": dict(d.evidence),
                "score": d.score,
                "explanation": d.explanation,
                "status": "new",
            }
        )
    ids = alerts_repo.add_many(session, rows)
    result: list[RaisedAlert | None] = [None] * len(drafts)
    events = []
    for i, alert_id in zip(fresh, ids, strict=True):
        d, typology_list = drafts[i], keyed[i][1]
        result[i] = RaisedAlert(alert_id, d.customer_id, tuple(typology_list), d.score)
        events.append(
            audit.NewEvent(
                occurred_at=at,
                actor=actor,
                action="alert.raised",
                entity_type="alert",
                entity_id=str(alert_id),
                after={
                    "customer_id": d.customer_id,
                    "typologies": typology_list,
                    "score": d.score,
                    "source": d.source,
                },
            )
        )
    audit.record_many(session, events)
    return result


def raise_alert(
    session: Session,
    *,
    at: datetime,
    customer_id: str,
    source: str,
    typologies: Iterable[str],
    evidence: Mapping[str, object],
    evidence_txn_ids: Iterable[str],
    score: float | None = None,
    explanation: list[dict[str, object]] | None = None,
    run_id: str | None = None,
    actor: str = "system",
) -> RaisedAlert | None:
    """Store one alert (a batch of one); returns None when the same alert already exists."""
    draft = AlertDraft(
        customer_id, source, typologies, evidence, evidence_txn_ids, score, explanation, run_id
    )
    return raise_alerts(session, [draft], at=at, actor=actor)[0]
