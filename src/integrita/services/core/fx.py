"""This installation's one exchange-rate table (see :mod:`integrita.domain.fx`).

``fx_rates_path`` names the bank's table; without it an ``fx_rates.json`` in the data
directory is used, and without that the shipped table. Real-time decisions and batch
detection both ask here, so they never value one payment twice.
"""

from __future__ import annotations

from integrita.domain.fx import load_fx_table
from integrita.domain.money import FxRateTable
from integrita.services.core.context import Context


def fx_table(ctx: Context) -> FxRateTable:
    s = ctx.settings
    if s.fx_rates_path is not None:
        return load_fx_table(s.fx_rates_path)
    in_data_dir = s.data_dir / "fx_rates.json"
    return load_fx_table(in_data_dir if in_data_dir.exists() else None)
