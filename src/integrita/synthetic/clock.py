"""Time in the synthetic bank: the ledger's days, their weights and times of day.

Customers live in China (UTC+8) and the ledger is in UTC, so a purchase at
12:30 local time is booked at 04:30 UTC. Days carry weights for the weekly and
monthly rhythm: shopping rises on weekends and public holidays, office
payments fall; spending lifts for a few days after the 10th and 15th paydays.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from integrita.domain.calendar import BusinessCalendar

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]

LOCAL_OFFSET_SECONDS = 8 * 3600

# Relative weight of each local hour 00..23.
SHOPPING_HOURS = np.array(
    [2, 1, 0.5, 0.3, 0.3, 0.5, 1, 3, 5, 6, 7, 8, 10, 9, 7, 7, 7, 8, 10, 12, 12, 10, 7, 4],
    dtype=np.float64,
)
OFFICE_HOURS = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1,
        5,
        10,
        12,
        11,
        6,
        7,
        11,
        12,
        11,
        9,
        4,
        2,
        1.5,
        1,
        0.6,
        0.3,
    ],
    dtype=np.float64,
)
PERSONAL_HOURS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 3, 6, 8, 9, 9, 8, 7, 7, 7, 7, 8, 9, 10, 11, 10, 7, 3],
    dtype=np.float64,
)
PAYROLL_HOURS = np.array([0] * 8 + [4, 10, 8, 3] + [0] * 12, dtype=np.float64)


def stream_rng(seed: int, name: str) -> np.random.Generator:
    """An independent generator per named stream, so adding a stream never shifts another."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))
    )


@dataclass(frozen=True, slots=True)
class Clock:
    """The ledger's period and its day weights."""

    start: date
    days: int
    working: npt.NDArray[np.bool_]
    day_of_month: Int64

    @classmethod
    def of(cls, start: date, days: int) -> Clock:
        calendar = BusinessCalendar(country="CN")
        dates = [start + timedelta(days=d) for d in range(days)]
        return cls(
            start=start,
            days=days,
            # synthetic data is not statutory: years without an official list are provisional
            working=np.array(
                [calendar.is_working_day(d, provisional=True) for d in dates], dtype=bool
            ),
            day_of_month=np.array([d.day for d in dates], dtype=np.int64),
        )

    @property
    def start_second(self) -> int:
        return (self.start - date(1970, 1, 1)).days * 86_400

    @property
    def end_second(self) -> int:
        """The instant the period ends: local midnight after its last local day (the bank's
        day, UTC+8), so no transaction lands on the day after the period, e.g. on "today" for a
        period that ends yesterday."""
        return self.start_second + self.days * 86_400 - LOCAL_OFFSET_SECONDS

    def weights(self, working: float, rest: float, payday_lift: float = 0.0) -> Float:
        """Day weights with mean 1: ``working`` for working days, ``rest`` for the others."""
        w = np.where(self.working, working, rest).astype(np.float64)
        if payday_lift:
            w *= 1.0 + payday_lift * ((self.day_of_month >= 10) & (self.day_of_month <= 17))
        return np.asarray(w / w.mean(), dtype=np.float64)

    def events(
        self, rng: np.random.Generator, rates: Float, day_weights: Float
    ) -> tuple[Int64, Int64]:
        """Poisson events: actor ``i`` acts about ``rates[i]`` times a day, on days drawn by weight.

        Returns the actor index and the day index of every event.
        """
        counts = rng.poisson(rates * self.days)
        actors = np.repeat(np.arange(rates.size, dtype=np.int64), counts)
        cdf = np.cumsum(day_weights)
        days = np.searchsorted(cdf, rng.random(actors.size) * cdf[-1], side="right")
        return actors, np.minimum(days, self.days - 1).astype(np.int64)

    def times(self, rng: np.random.Generator, days: Int64, hours: Float) -> Int64:
        """UTC epoch seconds on local ``days`` at local hours drawn from ``hours``, inside the period."""
        cdf = np.cumsum(hours)
        hour = np.searchsorted(cdf, rng.random(days.size) * cdf[-1], side="right")
        local = days * 86_400 + np.minimum(hour, 23) * 3_600 + rng.integers(0, 3_600, days.size)
        utc = self.start_second + local - LOCAL_OFFSET_SECONDS
        # Early hours of the first local day fall before the period in UTC: keep them on day one.
        utc = np.where(utc < self.start_second, utc + LOCAL_OFFSET_SECONDS, utc)
        return np.clip(utc, self.start_second, self.end_second - 1).astype(np.int64)

    def monthly(self, day_of_month: Int64) -> tuple[Int64, Int64]:
        """For actors with a fixed day of the month: (actor index, day index) of each occurrence."""
        hits = self.day_of_month[None, :] == day_of_month[:, None]
        actor, day = np.nonzero(hits)
        return actor.astype(np.int64), day.astype(np.int64)

    def previous_working_day(self, days: Int64) -> Int64:
        """Move each day back to the nearest working day (payroll is not paid on holidays)."""
        index = np.where(self.working, np.arange(self.days), -1)
        last_working = np.maximum.accumulate(index)
        moved = last_working[days]
        return np.where(moved < 0, days, moved).astype(np.int64)
