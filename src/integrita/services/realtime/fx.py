"""The dated exchange-rate table used to value foreign-currency payments in CNY."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from integrita.domain.money import FxRateTable, Money
from integrita.errors import ConfigurationError
from integrita.services.core.context import Context

SHIPPED_TABLE = Path(__file__).with_name("fx_rates.json")


@lru_cache(maxsize=8)
def load_fx_table(path: Path = SHIPPED_TABLE) -> FxRateTable:
    """Read ``{"base": "CNY", "rates": {"USD": [["2025-01-01", "7.1884"], ...]}}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        table = FxRateTable(base=str(data.get("base", "CNY")))
        for code, series in data["rates"].items():
            for effective, rate in series:
                table.add(code, date.fromisoformat(effective), Decimal(str(rate)))
    except (OSError, ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise ConfigurationError(f"exchange-rate table {path} is not usable: {exc}") from exc
    return table


def fx_table(ctx: Context) -> FxRateTable:
    return load_fx_table(ctx.settings.fx_rates_path or SHIPPED_TABLE)


def to_cny_minor(table: FxRateTable, amount_minor: int, currency: str, on: date) -> int:
    if currency == table.base:
        return amount_minor
    return table.convert(Money(amount_minor, currency), on).minor
