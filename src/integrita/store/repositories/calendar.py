"""The loaded calendar years."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrita.store.models.calendar import CalendarYear


def years(session: Session, country: str) -> list[CalendarYear]:
    stmt = select(CalendarYear).where(CalendarYear.country == country)
    return list(session.execute(stmt.order_by(CalendarYear.year)).scalars())


def get(session: Session, country: str, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, (country, year))


def put(session: Session, row: CalendarYear) -> CalendarYear:
    """Store ``row``, replacing the same country and year if it was loaded before."""
    return session.merge(row)
