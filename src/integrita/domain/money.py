"""Money: integer minor units with an ISO 4217 currency, never a float.

Amounts arrive as decimal text (``"3697.34"``). They are converted to integer
minor units with the currency's own exponent (JPY has none, CNY two, XBT eight),
rounding half to even when a source gives more fraction digits than the currency
has (the AMLworld files print floats).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from integrita.errors import InputError


@dataclass(frozen=True, slots=True)
class Currency:
    """One currency: its code, minor-unit exponent and the names files use for it."""

    code: str
    exponent: int
    names: tuple[str, ...] = ()
    iso: bool = True


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("CNY", 2, ("Yuan", "Chinese Yuan", "Renminbi", "RMB")),
        Currency("USD", 2, ("US Dollar",)),
        Currency("EUR", 2, ("Euro",)),
        Currency("GBP", 2, ("UK Pound", "Pound Sterling")),
        Currency("JPY", 0, ("Yen",)),
        Currency("HKD", 2, ("Hong Kong Dollar",)),
        Currency("INR", 2, ("Rupee",)),
        Currency("RUB", 2, ("Ruble",)),
        Currency("CAD", 2, ("Canadian Dollar",)),
        Currency("AUD", 2, ("Australian Dollar",)),
        Currency("CHF", 2, ("Swiss Franc",)),
        Currency("MXN", 2, ("Mexican Peso",)),
        Currency("BRL", 2, ("Brazil Real", "Brazilian Real")),
        Currency("SAR", 2, ("Saudi Riyal",)),
        Currency("ILS", 2, ("Shekel",)),
        Currency("SGD", 2, ("Singapore Dollar",)),
        Currency("KRW", 0, ("Won",)),
        Currency("AED", 2, ("UAE Dirham",)),
        Currency("MOP", 2, ("Pataca",)),
        Currency("TWD", 2, ("New Taiwan Dollar",)),
        # Not ISO 4217, but AMLworld carries Bitcoin payments; XBT is the customary code.
        Currency("XBT", 8, ("Bitcoin",), iso=False),
    )
}

CURRENCY_BY_NAME: dict[str, str] = {
    name.casefold(): c.code for c in CURRENCIES.values() for name in (c.code, *c.names)
}


def currency(code: str) -> Currency:
    """Look up a currency by code; raises :class:`InputError` for an unknown one."""
    found = CURRENCIES.get(code.upper())
    if found is None:
        raise InputError(f"unknown currency {code!r}", field="currency")
    return found


def currency_code_for(name_or_code: str) -> str:
    """Map "US Dollar" or "usd" to "USD"; raises :class:`InputError` when unknown."""
    code = CURRENCY_BY_NAME.get(name_or_code.strip().casefold())
    if code is None:
        raise InputError(f"unknown currency {name_or_code!r}", field="currency")
    return code


def to_minor_units(amount: str | Decimal | int, code: str) -> int:
    """Convert a decimal amount in major units to integer minor units of ``code``."""
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError) as exc:
        raise InputError(f"amount {amount!r} is not a number", field="amount") from exc
    if not value.is_finite():
        raise InputError(f"amount {amount!r} is not a finite number", field="amount")
    scaled = (value.scaleb(currency(code).exponent)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return int(scaled)


def exact_minor_units(amount: str | Decimal | int, code: str) -> int:
    """Like :func:`to_minor_units`, but an amount finer than the currency's minor unit
    (``"50000.005"`` CNY) is refused instead of rounded: what a person or a channel submits is
    decided on exactly as sent. (Only files that print floats, like AMLworld's, are rounded.)"""
    exponent = currency(code).exponent
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError) as exc:
        raise InputError(f"amount {amount!r} is not a number", field="amount") from exc
    if not value.is_finite():
        raise InputError(f"amount {amount!r} is not a finite number", field="amount")
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InputError(
            f"{amount} has more decimals than {code} allows ({exponent}); "
            "it is refused, not rounded",
            field="amount",
        )
    return int(scaled)


def from_minor_units(minor: int, code: str) -> Decimal:
    """Integer minor units back to an exact decimal in major units."""
    return Decimal(minor).scaleb(-currency(code).exponent)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in integer minor units of one currency."""

    minor: int
    currency: str

    @classmethod
    def of(cls, amount: str | Decimal | int, code: str) -> Money:
        """``Money.of("50000.00", "CNY")`` — from major units."""
        return cls(to_minor_units(amount, code), currency(code).code)

    @property
    def major(self) -> Decimal:
        return from_minor_units(self.minor, self.currency)

    def __str__(self) -> str:
        return f"{self.major:,} {self.currency}"


@dataclass(slots=True)
class FxRateTable:
    """Dated exchange rates into one base currency.

    ``rates[code]`` holds (effective date, units of base currency per one major unit
    of ``code``) sorted by date; a conversion uses the latest rate on or before the
    transaction's date, so a payment is valued at the rate that applied that day.
    """

    base: str = "CNY"
    rates: dict[str, list[tuple[date, Decimal]]] = field(default_factory=dict)
    #: Where each rate comes from, by (currency, effective date).
    sources: dict[tuple[str, date], str] = field(default_factory=dict)

    def add(self, code: str, effective: date, rate: Decimal, *, source: str = "") -> None:
        series = self.rates.setdefault(code.upper(), [])
        if any(d == effective for d, _ in series):
            raise ValueError(f"two {code.upper()} rates effective {effective}")
        series.append((effective, rate))
        series.sort()
        self.sources[(code.upper(), effective)] = source

    def _entry(self, code: str, on: date) -> tuple[date, Decimal]:
        series = self.rates.get(code.upper())
        if not series:
            raise InputError(f"no exchange rate from {code} to {self.base}", field="currency")
        index = bisect_right([d for d, _ in series], on) - 1
        if index < 0:
            raise InputError(
                f"no exchange rate from {code} to {self.base} on or before {on}", field="currency"
            )
        return series[index]

    def rate(self, code: str, on: date) -> Decimal:
        if code.upper() == self.base:
            return Decimal(1)
        return self._entry(code, on)[1]

    def quote(self, code: str, on: date) -> tuple[Decimal, date, str]:
        """The rate in force on ``on``, the date it took effect and its source."""
        if code.upper() == self.base:
            return Decimal(1), on, "same currency"
        effective, rate = self._entry(code, on)
        return rate, effective, self.sources.get((code.upper(), effective), "")

    def convert(self, money: Money, on: date) -> Money:
        """Value ``money`` in the base currency at the rate in force on ``on``.

        Rounded half up to the base currency's minor unit, exactly as batch detection
        rounds (``ROUND`` in DuckDB and Spark), so both give one payment one value.
        """
        if money.currency == self.base:
            return money
        exact = Decimal(money.minor) * self.rate(money.currency, on)
        scale = Decimal(10) ** (currency(self.base).exponent - currency(money.currency).exponent)
        return Money(int((exact * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP)), self.base)
