"""The figures of the annual disclosure pack, and the records behind each one.

Every capability that has something to publish (case work, risk, care, the governance
registers) answers ``annual_figures(ctx, year) -> list[Figure]`` from a ``disclosure`` module of
its own package; the reporting capability collects them into the pack. A figure that counts
records carries those records as drill-down rows, so the pack can prove that the count it
prints is the number of records a reader can open — a figure without its rows is a claim, not
a figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from integrita.domain.permissions import Permission
from integrita.domain.workflow import Involvement, Step, Workflow


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    AMOUNT = "amount"
    HOURS = "hours"
    SCORE = "score"


@dataclass(frozen=True, slots=True)
class DrillRow:
    """One record behind a figure: what it is, its id, a line a person reads, its page."""

    record_type: str
    record_id: str
    label: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """One published figure.

    ``key`` is stable across years (``"aml.str.handed_over"``) and is what a restatement is
    matched on; ``label`` and ``section`` are what a reader sees. For ``Unit.COUNT`` the
    drill-down ``rows`` are the records counted, so ``len(rows) == value``; for a share the rows
    are the records of its numerator and ``denominator`` names how many records it was taken of.
    ``parent`` names the key this figure is an "of which" part of.
    """

    section: str
    key: str
    label: str
    value: Decimal
    unit: Unit
    rows: tuple[DrillRow, ...] = ()
    denominator: int | None = None
    parent: str | None = None
    note: str = ""

    @classmethod
    def count(
        cls,
        section: str,
        key: str,
        label: str,
        rows: Iterable[DrillRow],
        *,
        parent: str | None = None,
        note: str = "",
    ) -> Figure:
        """A count whose drill-down rows are exactly the records counted."""
        found = tuple(rows)
        return cls(
            section, key, label, Decimal(len(found)), Unit.COUNT, found, parent=parent, note=note
        )

    @classmethod
    def share(
        cls,
        section: str,
        key: str,
        label: str,
        numerator: Iterable[DrillRow],
        denominator: int,
        *,
        parent: str | None = None,
        note: str = "",
    ) -> Figure:
        """A percentage (one decimal) of ``denominator`` records; the rows are its numerator.

        With no records to take a share of, the value is 0 and the note says so, rather
        than a share that looks measured.
        """
        found = tuple(numerator)
        value = (
            (Decimal(len(found) * 100) / Decimal(denominator)).quantize(Decimal("0.1"))
            if denominator
            else Decimal(0)
        )
        if not denominator:
            note = note or "no records to measure"
        return cls(
            section,
            key,
            label,
            value,
            Unit.PERCENT,
            found,
            denominator=denominator,
            parent=parent,
            note=note,
        )

    def __post_init__(self) -> None:
        if self.unit is Unit.COUNT and self.rows and len(self.rows) != self.value:
            raise ValueError(
                f"figure {self.key}: {self.value} counted but {len(self.rows)} records behind it"
            )


#: A year's pack is ``unpublished`` until the head of compliance signs an edition off; each
#: further ``publish`` freezes a new edition (a restatement) beside the earlier ones.
DISCLOSURE_WORKFLOW = Workflow(
    name="disclosure",
    label="annual disclosure pack",
    states=frozenset({"unpublished", "published"}),
    steps={
        "publish": Step(
            action="publish",
            source=frozenset({"unpublished", "published"}),
            target="published",
            permission=Permission.DISCLOSURE_PUBLISH,
            meaning="sign the year's figures off and freeze them as a published edition",
            involvement=Involvement.SIGNED,
            needs_person=True,
        )
    },
)
