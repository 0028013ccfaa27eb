"""The SQL amount parser agrees with the domain's Decimal conversion on any decimal text."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from integrita.analytics.validation import AMLWORLD_SQL, resolve_currency
from integrita.domain.money import CURRENCIES, to_minor_units

NAMES = {"US Dollar": "USD", "Yen": "JPY", "Bitcoin": "XBT", "Yuan": "CNY"}


def _sql_minor(amounts: list[str], currency_names: list[str]) -> list[int | None]:
    n = len(amounts)
    batch = pa.table(
        {
            "timestamp": ["2022/09/01 00:20"] * n,
            "from_bank": ["1"] * n,
            "from_account": ["a"] * n,
            "to_bank": ["2"] * n,
            "to_account": ["b"] * n,
            "amount_received": amounts,
            "receiving_currency": currency_names,
            "amount_paid": amounts,
            "payment_currency": currency_names,
            "payment_format": ["Wire"] * n,
            "is_laundering": ["0"] * n,
            "line": list(range(n)),
        }
    )
    batch = resolve_currency(
        resolve_currency(batch, "payment_currency", "paid"), "receiving_currency", "recv"
    )
    with duckdb.connect() as con:
        con.register("batch", batch)
        rows = con.execute(
            f"SELECT line, amount_paid_minor FROM ({AMLWORLD_SQL}) ORDER BY line"
        ).fetchall()
    return [r[1] for r in rows]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 12).flatmap(
                lambda places: st.decimals(
                    min_value=0, max_value=Decimal("99999999"), places=places
                )
            ),
            st.sampled_from(sorted(NAMES)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_sql_amount_parser_matches_decimal_rounding_half_to_even(
    values: list[tuple[Decimal, str]],
) -> None:
    amounts = [format(v, "f") for v, _ in values]
    names = [name for _, name in values]
    expected = [to_minor_units(a, NAMES[name]) for a, name in zip(amounts, names, strict=True)]
    assert _sql_minor(amounts, names) == expected


def test_half_to_even_at_the_exact_midpoint() -> None:
    assert _sql_minor(
        ["0.005", "0.015", "0.025", "2.5"], ["US Dollar", "US Dollar", "US Dollar", "Yen"]
    ) == [0, 2, 2, 2]
    assert CURRENCIES["JPY"].exponent == 0


def test_every_fraction_digit_counts_towards_the_rounding() -> None:
    amounts = [
        "0.005000000000000000000001",  # a hair above half a cent, 24 digits down
        "0.005000000000000000000000",  # exactly half: to even
        "0.015000000000000000000000",
        "2.5000000000000000000000001",  # yen: above half
        "0.123456785000000000000",  # bitcoin: half, rounds to the even 8th digit
    ]
    names = ["US Dollar", "US Dollar", "US Dollar", "Yen", "Bitcoin"]
    expected = [to_minor_units(a, NAMES[n]) for a, n in zip(amounts, names, strict=True)]
    assert expected == [1, 0, 2, 3, 12345678]
    assert _sql_minor(amounts, names) == expected


def test_amounts_beyond_eighteen_digits_of_minor_units_are_refused() -> None:
    assert _sql_minor(
        [
            "999999999999999999",
            "1000000000000000000",
            "9999999999999999.99",
            "10000000000000000.00",
        ],
        ["Yen", "Yen", "US Dollar", "US Dollar"],
    ) == [999999999999999999, None, 999999999999999999, None]
    assert _sql_minor(["000000000000000000000000012.50"], ["US Dollar"]) == [1250]
