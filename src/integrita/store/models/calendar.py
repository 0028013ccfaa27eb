"""Official working-day lists the operator loaded for years the built-in calendar does not know."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime


class CalendarYear(Base):
    """One year's public holidays and make-up working days for one country, as published."""

    __tablename__ = "calendar_years"

    country: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list[str]] = mapped_column(JSON)
    working_days: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(255))
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
