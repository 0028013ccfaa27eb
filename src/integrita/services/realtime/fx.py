"""Valuing a foreign-currency payment in CNY with the installation's one FX table."""

from __future__ import annotations

from datetime import date

from integrita.domain.money import FxRateTable, Money
from integrita.services.core.fx import fx_table

__all__ = ["fx_table", "to_cny_minor"]


def to_cny_minor(table: FxRateTable, amount_minor: int, currency: str, on: date) -> int:
    """``amount_minor`` of ``currency`` in CNY minor units at the rate of the bank's local day ``on``."""
    if currency == table.base:
        return amount_minor
    return table.convert(Money(amount_minor, currency), on).minor
