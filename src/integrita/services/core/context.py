"""What every service needs: settings, the operational database and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from integrita.domain.calendar import BusinessCalendar
from integrita.settings import Settings, get_settings
from integrita.store import Database


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """Settings + database + clock, passed to services so tests can swap any of them."""

    settings: Settings
    db: Database
    clock: Callable[[], datetime] = field(default=_utcnow)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, migrate: bool = True) -> Context:
        settings = settings or get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        if migrate:
            db.upgrade()
        return cls(settings=settings, db=db)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The bank's local date now (delegation periods and review dates are local dates)."""
        return self.clock().astimezone(ZoneInfo(self.settings.bank_timezone)).date()

    @cached_property
    def calendar(self) -> BusinessCalendar:
        s = self.settings
        return BusinessCalendar.from_settings(
            s.calendar_country, s.extra_holidays, s.extra_working_days
        )
