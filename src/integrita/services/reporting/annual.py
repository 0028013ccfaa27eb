"""The annual disclosure pack: every capability's figures for a year, published as a signed
snapshot, and every later change shown as a restatement.

The figures are computed from the records by each capability's ``disclosure.annual_figures``;
this module only collects them (:data:`PROVIDERS` — add a line to add a capability), freezes
them when the head of compliance publishes, and compares. Publishing is a governed step
(:data:`~integrita.domain.disclosure.DISCLOSURE_WORKFLOW`): it writes the edition and, in the
same transaction, an audit event carrying the SHA-256 of the frozen figures, so the published
numbers can be proven unchanged. A record changed after publication does not rewrite the
edition: the pack shows the published value beside the current one, as a restatement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from integrita.domain.disclosure import DISCLOSURE_WORKFLOW, Figure
from integrita.domain.permissions import Permission
from integrita.errors import InputError, NotFoundError
from integrita.services.care import disclosure as care_disclosure
from integrita.services.casework import disclosure as casework_disclosure
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.services.governance import disclosure as governance_disclosure
from integrita.services.risk import disclosure as risk_disclosure
from integrita.store.models import DisclosurePublication
from integrita.store.repositories import disclosure as repo

Provider = Callable[[Context, int], list[Figure]]

#: The capabilities that publish yearly figures, in the order the pack prints them.
PROVIDERS: tuple[Provider, ...] = (
    casework_disclosure.annual_figures,
    risk_disclosure.annual_figures,
    care_disclosure.annual_figures,
    governance_disclosure.annual_figures,
)


@dataclass(frozen=True, slots=True)
class Restatement:
    """A figure whose current value differs from the published edition's."""

    key: str
    label: str
    published: Decimal | None
    current: Decimal | None
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Edition:
    year: int
    edition: int
    sha256: str
    published_by: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class AnnualPack:
    year: int
    figures: list[Figure]
    edition: Edition | None
    restatements: list[Restatement]

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise NotFoundError(f"no figure {key!r} in the {self.year} pack")

    @property
    def sections(self) -> list[tuple[str, list[Figure]]]:
        out: dict[str, list[Figure]] = {}
        for f in self.figures:
            out.setdefault(f.section, []).append(f)
        return list(out.items())


def _check_year(ctx: Context, year: int) -> None:
    if not 1900 <= year <= ctx.local_date().year:
        raise InputError(
            f"year must be a four-digit year no later than this year, not {year}", field="year"
        )


def figures(ctx: Context, year: int, providers: Sequence[Provider] = PROVIDERS) -> list[Figure]:
    """Every provider's figures for ``year``, in provider order; keys must be unique."""
    _check_year(ctx, year)
    found: list[Figure] = []
    seen: set[str] = set()
    for provider in providers:
        for figure in provider(ctx, year):
            if figure.key in seen:
                raise ValueError(f"two providers publish the figure {figure.key}")
            seen.add(figure.key)
            found.append(figure)
    return found


def snapshot(found: Sequence[Figure]) -> list[dict[str, Any]]:
    """The figures as published: values as text (exact decimals) and the ids of their records."""
    return [
        {
            "key": f.key,
            "section": f.section,
            "label": f.label,
            "value": str(f.value),
            "unit": str(f.unit),
            "denominator": f.denominator,
            "parent": f.parent,
            "note": f.note,
            "records": [f"{r.record_type}:{r.record_id}" for r in f.rows],
        }
        for f in found
    ]


def digest(frozen: list[dict[str, Any]]) -> str:
    """SHA-256 of the canonical JSON (sorted keys) of a snapshot."""
    return hashlib.sha256(orjson.dumps(frozen, option=orjson.OPT_SORT_KEYS)).hexdigest()


def restatements(frozen: list[dict[str, Any]], current: Sequence[Figure]) -> list[Restatement]:
    """Every figure whose value or records differ between the published snapshot and now."""
    published = {f["key"]: f for f in frozen}
    now = {f.key: f for f in current}
    out = []
    for key in [*published, *(k for k in now if k not in published)]:
        old, new = published.get(key), now.get(key)
        old_value = Decimal(old["value"]) if old else None
        new_value = new.value if new else None
        old_records = set(old["records"]) if old else set()
        new_records = {f"{r.record_type}:{r.record_id}" for r in new.rows} if new else set()
        if old_value == new_value and old_records == new_records:
            continue
        out.append(
            Restatement(
                key=key,
                label=new.label if new else str(old["label"] if old else key),
                published=old_value,
                current=new_value,
                added=tuple(sorted(new_records - old_records)),
                removed=tuple(sorted(old_records - new_records)),
            )
        )
    return out


def _edition(row: DisclosurePublication) -> Edition:
    return Edition(row.year, row.edition, row.sha256, row.published_by, row.published_at)


def annual_pack(ctx: Context, year: int, user: HasRoles) -> AnnualPack:
    """The year's figures now, the latest published edition, and what changed since."""
    ensure_permitted(user, Permission.DISCLOSURE_READ)
    current = figures(ctx, year)
    with ctx.db.transaction() as session:
        row = repo.latest_publication(session, year)
        edition = _edition(row) if row else None
        frozen = list(row.figures) if row else None
    return AnnualPack(
        year=year,
        figures=current,
        edition=edition,
        restatements=restatements(frozen, current) if frozen is not None else [],
    )


def publish(ctx: Context, year: int, user: HasRoles) -> Edition:
    """Freeze the year's figures as a new edition, signed by ``user`` (the head of compliance).

    The audit event of the ``publish`` step carries the edition's SHA-256 in the same
    transaction as the edition itself.
    """
    current = figures(ctx, year)
    frozen = snapshot(current)
    sha = digest(frozen)
    record = engine.RecordRef("disclosure_pack", year)
    with ctx.db.transaction() as session:
        last = repo.latest_publication(session, year)
        edition_no = last.edition + 1 if last else 1
        engine.transition(
            session,
            DISCLOSURE_WORKFLOW,
            record,
            "published" if last else "unpublished",
            "publish",
            as_actor(user),
            at=ctx.now(),
            before={"edition": last.edition, "sha256": last.sha256} if last else None,
            after={"edition": edition_no, "sha256": sha, "figures": len(frozen)},
        )
        row = DisclosurePublication(
            year=year,
            edition=edition_no,
            figures=frozen,
            sha256=sha,
            published_by=as_actor(user).username,
            published_at=ctx.now(),
        )
        repo.add_publication(session, row)
        return _edition(row)


def verify(ctx: Context, year: int, user: HasRoles) -> bool:
    """Whether the latest edition's stored figures still hash to the SHA-256 it was signed with."""
    ensure_permitted(user, Permission.DISCLOSURE_READ)
    with ctx.db.transaction() as session:
        row = repo.latest_publication(session, year)
        if row is None:
            raise NotFoundError(f"the {year} pack has not been published")
        return digest(list(row.figures)) == row.sha256
