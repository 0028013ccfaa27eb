"""Raising alerts: one per customer per run, never the same alert twice."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from integrita.services import audit
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
    """Store an alert inside the caller's transaction; returns None when the same alert already exists."""
    typology_list = sorted(set(typologies))
    key = dedup_key(customer_id, typology_list, evidence_txn_ids)
    if alerts_repo.find_by_dedup_key(session, key) is not None:
        return None
    alert = alerts_repo.add(
        session,
        customer_id=customer_id,
        source=source,
        run_id=run_id,
        raised_at=at,
        dedup_key=key,
        typologies=typology_list,
        evidence=dict(evidence),
        score=score,
        explanation=explanation,
        status="new",
    )
    audit.record(
        session,
        at=at,
        actor=actor,
        action="alert.raised",
        entity_type="alert",
        entity_id=alert.id,
        after={
            "customer_id": customer_id,
            "typologies": typology_list,
            "score": score,
            "source": source,
        },
    )
    return RaisedAlert(alert.id, customer_id, tuple(typology_list), score)
