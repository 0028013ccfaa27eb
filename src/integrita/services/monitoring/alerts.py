"""Raising alerts: one per customer per period, never the same alert twice."""

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


def _txn_ids(evidence: Mapping[str, object]) -> set[str]:
    typologies = evidence.get("typologies")
    found: set[str] = set()
    if isinstance(typologies, dict):
        for entry in typologies.values():
            for match in entry.get("matches", []) if isinstance(entry, dict) else []:
                found.update(str(t) for t in match.get("txn_ids", []))
    return found


def _merged_evidence(old: Mapping[str, object], new: Mapping[str, object]) -> dict[str, object]:
    """``old`` with ``new``'s typologies and matches added (a match id seen again: the newer)."""
    merged: dict[str, object] = {**old, **{k: v for k, v in new.items() if k != "typologies"}}
    typologies: dict[str, dict[str, object]] = {}
    for source in (old.get("typologies"), new.get("typologies")):
        if not isinstance(source, dict):
            continue
        for name, entry in source.items():
            if not isinstance(entry, dict):
                continue
            into = typologies.setdefault(name, {"why": entry.get("why", ""), "matches": []})
            into["why"] = entry.get("why", into["why"])
            by_id = {str(m.get("match_id")): m for m in into["matches"]}  # type: ignore[attr-defined]
            by_id.update({str(m.get("match_id")): m for m in entry.get("matches", [])})
            into["matches"] = [by_id[k] for k in sorted(by_id)]
    merged["typologies"] = dict(sorted(typologies.items()))
    return merged


def merge_into_open_alerts(
    session: Session, drafts: Sequence[AlertDraft], *, at: datetime, actor: str = "system"
) -> list[str | None]:
    """Keep one alert per customer and period across runs: per draft, ``"unchanged"`` when an open
    alert (not yet in a case) of the same customer, source and period already holds all its
    evidence, ``"merged"`` when the draft's typologies and matches were added to that alert (its
    score becomes the higher of the two, with that score's explanation; one audit event), and
    None when there is no such alert — the caller raises the draft as a new alert.

    A daily run that finds more of a customer's activity in a month adds it to the alert the
    analyst has not started, instead of putting a second alert for the same month in the queue.
    """
    periods = [d.evidence.get("period") for d in drafts]
    open_alerts = alerts_repo.open_alerts_of(
        session, [d.customer_id for d, p in zip(drafts, periods, strict=True) if p], "detection"
    )
    by_key = {(a.customer_id, a.evidence.get("period")): a for a in open_alerts}
    result: list[str | None] = []
    events = []
    for d, period in zip(drafts, periods, strict=True):
        alert = by_key.get((d.customer_id, period)) if period else None
        if alert is None or d.source != alert.source:
            result.append(None)
            continue
        evidence = _merged_evidence(alert.evidence, d.evidence)
        typologies = sorted(set(alert.typologies) | set(d.typologies))
        key = dedup_key(d.customer_id, typologies, _txn_ids(evidence))
        if key == alert.dedup_key:
            result.append("unchanged")
            continue
        before = {"typologies": list(alert.typologies), "score": alert.score}
        alert.evidence, alert.typologies, alert.dedup_key = evidence, typologies, key
        if d.score is not None and (alert.score is None or d.score > alert.score):
            alert.score, alert.explanation = d.score, d.explanation
        alert.run_id = d.run_id
        result.append("merged")
        events.append(
            audit.NewEvent(
                occurred_at=at,
                actor=actor,
                action="alert.evidence_added",
                entity_type="alert",
                entity_id=str(alert.id),
                before=before,
                after={"typologies": typologies, "score": alert.score, "run_id": d.run_id},
            )
        )
    session.flush()
    audit.record_many(session, events)
    return result
