"""Dated exchange rates turned into the per-period factors the batch engines join on.

The rates themselves are the one table of :mod:`integrita.domain.fx`, which the
real-time engine reads too; a period begins at the bank's local midnight of each
effective date, the same day boundary the real-time engine values a payment by.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path

from integrita.domain.fx import load_fx_table
from integrita.domain.money import FxRateTable, currency

#: The last second a rate period can reach (9999-12-31).
_FOREVER = int(datetime(9999, 12, 31, tzinfo=UTC).timestamp())
_FACTOR = Decimal("1e-10")


def load_fx_rates(path: Path | None = None) -> FxRateTable:
    """The rates at ``path`` when it exists, else the shipped table (see :mod:`integrita.domain.fx`)."""
    return load_fx_table(path if path is not None and path.exists() else None)


def _midnight(day: date, zone: tzinfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())


def rate_periods(table: FxRateTable, zone: tzinfo = UTC) -> list[tuple[str, int, int, str, str]]:
    """(currency, valid_from_ts, valid_to_ts, CNY-minor factor, USD-minor factor) per period.

    A factor turns an amount in the currency's minor units into CNY (or USD) minor
    units at the rate in force; periods break wherever any rate changes, so the USD
    cross rate is right too. Periods start at midnight in ``zone`` (the bank's).
    """
    codes = sorted({*table.rates, "CNY"})
    starts = sorted({d for series in table.rates.values() for d, _ in series})
    rows: list[tuple[str, int, int, str, str]] = []
    for i, start in enumerate(starts):
        begin = _midnight(start, zone)
        end = _midnight(starts[i + 1], zone) if i + 1 < len(starts) else _FOREVER
        usd = table.rate("USD", start)
        for code in codes:
            try:
                cny = table.rate(code, start)
            except Exception:  # noqa: S112 - no rate yet for this currency in this period
                continue
            scale = Decimal(10) ** (2 - currency(code).exponent)
            rows.append(
                (
                    code,
                    begin,
                    end,
                    str((cny * scale).quantize(_FACTOR)),
                    str((cny / usd * scale).quantize(_FACTOR)),
                )
            )
    return rows
