"""The one dated exchange-rate table, read by real-time decisions and batch detection alike.

A payment has one CNY value: the real-time engine values it at the rate in force on
the bank's local date of the payment, and batch detection joins the same rates as
periods that begin at the bank's local midnight of each effective date
(:func:`integrita.detection.fx.rate_periods`). Each rate carries its source, so an
alert or a decision can say where the number came from.

Shape (JSON)::

    {"base": "CNY", "rates": [
        {"currency": "USD", "effective": "2025-01-01", "rate": "7.1884",
         "source": "PBOC central parity"}, ...]}
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

from integrita.domain.money import FxRateTable
from integrita.errors import ConfigurationError

SHIPPED_NAME = "the shipped fx_rates.json"


def parse_fx_table(text: str, source: str) -> FxRateTable:
    """The table in ``text`` (from ``source``, named in errors); quoted in CNY, with a USD rate."""
    try:
        data = json.loads(text)
        table = FxRateTable(base=str(data.get("base", "CNY")))
        for row in data["rates"]:
            table.add(
                str(row["currency"]),
                date.fromisoformat(row["effective"]),
                Decimal(str(row["rate"])),
                source=str(row.get("source") or source),
            )
    except (KeyError, ValueError, TypeError, ArithmeticError, AttributeError) as exc:
        raise ConfigurationError(f"{source}: bad exchange-rate entry ({exc!r})") from exc
    if table.base != "CNY":
        raise ConfigurationError(f"{source}: rates must be quoted in CNY, not {table.base}")
    if "USD" not in table.rates:
        raise ConfigurationError(f"{source}: a USD rate is needed for the USD thresholds")
    for code, series in table.rates.items():
        if any(rate <= 0 for _, rate in series):
            raise ConfigurationError(f"{source}: {code} has a rate that is not positive")
    return table


@lru_cache(maxsize=8)
def load_fx_table(path: Path | None = None) -> FxRateTable:
    """The table at ``path``, or the shipped one when ``path`` is None (read once per process)."""
    if path is None:
        text = resources.files("integrita.domain").joinpath("data/fx_rates.json").read_text()
        return parse_fx_table(text, SHIPPED_NAME)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"exchange-rate table {path} cannot be read: {exc}") from exc
    return parse_fx_table(text, str(path))
