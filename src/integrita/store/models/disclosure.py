"""Published editions of the annual disclosure pack: the figures frozen as signed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime


class DisclosurePublication(Base):
    """One published edition of a year's pack.

    ``figures`` is the canonical JSON of every figure with the ids of the records behind it;
    ``sha256`` is its hash, also written into the audit trail, so the published numbers can be
    proven unchanged. A later edition of the same year is a restatement, never an overwrite.
    """

    __tablename__ = "disclosure_publications"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    edition: Mapped[int] = mapped_column(Integer)
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("year", "edition", name="uq_disclosure_publications_year_edition"),
    )
