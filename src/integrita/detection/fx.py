"""Dated exchange rates as data, turned into the per-period factors the engines join on."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

from integrita.domain.money import FxRateTable, currency
from integrita.errors import ConfigurationError

#: The last second a rate period can reach (9999-12-31).
_FOREVER = int(datetime(9999, 12, 31, tzinfo=UTC).timestamp())
_FACTOR = Decimal("1e-10")


def load_fx_rates(path: Path | None = None) -> FxRateTable:
    """Read rates from ``path`` (JSON like ``detection/data/fx_rates.json``) or the shipped defaults."""
    if path is not None and path.exists():
        text = path.read_text(encoding="utf-8")
        source = str(path)
    else:
        text = resources.files("integrita.detection").joinpath("data/fx_rates.json").read_text()
        source = "the default fx_rates.json"
    try:
        data = json.loads(text)
        table = FxRateTable(base=data.get("base", "CNY"))
        for row in data["rates"]:
            table.add(row["currency"], date.fromisoformat(row["effective"]), Decimal(row["rate"]))
    except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
        raise ConfigurationError(f"{source}: bad exchange-rate entry ({exc})") from exc
    if table.base != "CNY":
        raise ConfigurationError(f"{source}: rates must be quoted in CNY, not {table.base}")
    if "USD" not in table.rates:
        raise ConfigurationError(f"{source}: a USD rate is needed for the USD thresholds")
    return table


def rate_periods(table: FxRateTable) -> list[tuple[str, int, int, str, str]]:
    """(currency, valid_from_ts, valid_to_ts, CNY-minor factor, USD-minor factor) per period.

    A factor turns an amount in the currency's minor units into CNY (or USD) minor
    units at the rate in force; periods break wherever any rate changes, so the USD
    cross rate is right too.
    """
    codes = sorted({*table.rates, "CNY"})
    starts = sorted({d for series in table.rates.values() for d, _ in series})
    rows: list[tuple[str, int, int, str, str]] = []
    for i, start in enumerate(starts):
        begin = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        end = (
            int(datetime.combine(starts[i + 1], datetime.min.time(), UTC).timestamp())
            if i + 1 < len(starts)
            else _FOREVER
        )
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
