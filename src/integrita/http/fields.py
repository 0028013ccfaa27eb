"""The field types every request shares, so that one rule holds at the whole HTTP boundary.

A request body or query is a :class:`StrictModel`: an unknown field is refused (a channel that
sends ``"newDevice": true`` learns that the field is called ``new_device`` instead of getting an
``allow`` it did not ask for), booleans are JSON ``true``/``false`` only, integers are bounded
(an id above 2^63 is not a server error but a 422), texts are capped by kind and never carry a
NUL byte, and a list where a text belongs is refused rather than stored as its Python repr.

Text caps are settings (``INTEGRITA_TEXT_LIMITS``, per kind), read when a request is validated;
the OpenAPI document declares the default caps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from integrita.domain.money import CURRENCIES, exact_minor_units
from integrita.errors import InputError
from integrita.settings import DEFAULT_TEXT_LIMITS, get_settings

#: The largest id a database row can have (a signed 64-bit integer on PostgreSQL).
INT64_MAX = 2**63 - 1
#: Pages beyond this are never useful and cost a scan of every row before them.
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 500
#: Years a report, a figure or a calendar can be asked about.
MIN_YEAR = 1990
MAX_YEAR = 2100
#: The earliest and latest dates a client may name (a query filter, a due date).
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 12, 31)


class StrictModel(BaseModel):
    """A request body or query: unknown fields are refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _text_limit(kind: str) -> int:
    limits = get_settings().text_limits
    return limits.get(kind, DEFAULT_TEXT_LIMITS[kind])


def _text_check(kind: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain a NUL character")
        limit = _text_limit(kind)
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters long; at most {limit} are accepted")
        return value

    return check


def _text(kind: str, *, min_length: int = 0) -> Any:
    return Annotated[
        StrictStr,
        Field(min_length=min_length, json_schema_extra={"maxLength": DEFAULT_TEXT_LIMITS[kind]}),
        AfterValidator(_text_check(kind)),
    ]


#: A code or key: a department code, a category, a state filter, a username (64 characters).
Code = _text("code", min_length=1)
#: A short label: a name, a title, a reference (255 characters).
Name = _text("name", min_length=1)
#: A note, a reason, a comment (8,000 characters by default).
Note = _text("note")
#: A long description: a complaint's text, a review's description (20,000 by default).
LongText = _text("long_text")
#: An identifier in a URL path (a customer, a transaction, an account).
KeyPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00/]+$")]

#: A record id in a URL path; larger than any row can have → 422, never 500.
Id = Annotated[int, Path(ge=1, le=INT64_MAX, examples=[1])]
#: A record id in a body.
BodyId = Annotated[StrictInt, Field(ge=1, le=INT64_MAX)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Bool = StrictBool


def _bounded_instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time-zone offset")
    if not (MIN_DATE <= value.astimezone(UTC).date() <= MAX_DATE):
        raise ValueError(f"must fall between {MIN_DATE} and {MAX_DATE}")
    return value


def _instant_text(value: object) -> object:
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO 8601 date and time with an offset")
    return value


#: An instant a client names: ISO 8601 text with its offset (not a Unix number), within the
#: years the platform can compute with.
Instant = Annotated[datetime, BeforeValidator(_instant_text), AfterValidator(_bounded_instant)]


def _date_text(value: object) -> object:
    if not isinstance(value, str | date):
        raise ValueError("must be an ISO 8601 date (YYYY-MM-DD)")
    return value


#: A bounded date a client names (a filter, a due date): no year 0001 or 9999.
BoundedDate = Annotated[date, BeforeValidator(_date_text), Field(ge=MIN_DATE, le=MAX_DATE)]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


#: A JSON number that is finite (Infinity and NaN refused) and not a boolean.
Number = Annotated[float, BeforeValidator(_no_bool), AfterValidator(_finite)]
Weight = Annotated[StrictFloat | StrictInt, Field(gt=0, le=1000), AfterValidator(_finite)]
Fraction = Annotated[StrictFloat | StrictInt, Field(gt=0, le=1), AfterValidator(_finite)]
Score = Annotated[StrictInt, Field(ge=1, le=5)]
SmallInt = Annotated[StrictInt, Field(ge=0, le=2**31 - 1)]
#: The version of a record a person was shown (approvals bind it; a stale one is refused).
Version = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]


def _query_bool(value: object) -> object:
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value


#: A boolean query parameter: ``true`` or ``false``, nothing else.
QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


def exact_amount(amount: str, currency_code: str, field: str = "amount") -> int | None:
    """Integer minor units of an amount a client sent, refused (naming ``field``) when finer than
    the currency's minor unit; ``None`` for an unknown currency, which the service refuses."""
    if currency_code not in CURRENCIES:
        return None
    try:
        return exact_minor_units(amount, currency_code)
    except InputError as exc:
        raise InputError(str(exc), field=field) from exc


def id_query(description: str = "") -> Any:
    """A record id as a query parameter."""
    return Query(ge=1, le=INT64_MAX, description=description)


def local_day(text: str, field: str) -> date | None:
    """A page filter's date (the bank's local date, ``YYYY-MM-DD``): empty means no filter; any
    other text must be a bounded ISO date, or the page says which field is wrong."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"{field} must be a date YYYY-MM-DD", field=field) from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise InputError(f"{field} must fall between {MIN_DATE} and {MAX_DATE}", field=field)
    return day
