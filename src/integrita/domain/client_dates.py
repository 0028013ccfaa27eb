"""Dates supplied by clients are bounded: never before the step they follow, never in the future.

A client (a page, a channel, an agency's file) may say when something happened,
because it is sometimes recorded after the fact. It may not rewrite the order of
a record's life (an STR submitted before it was determined) nor date something
ahead of the server's clock beyond a small allowance for clock skew: either would
make a deadline look met or a window look empty.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from integrita.errors import InputError

D = TypeVar("D", bound=date)


def require_within(
    value: D,
    *,
    field: str,
    earliest: D | None = None,
    earliest_is: str = "",
    latest: D | None = None,
    latest_is: str = "",
    where: str = "",
) -> D:
    """``value`` unless it lies outside [earliest, latest]; the refusal names the field and bound
    (after ``where``, e.g. "row 3: ")."""
    if earliest is not None and value < earliest:
        raise InputError(
            f"{where}{field} {value.isoformat()} is before {earliest_is or 'the earliest allowed'} "
            f"({earliest.isoformat()})",
            field=field,
        )
    if latest is not None and value > latest:
        raise InputError(
            f"{where}{field} {value.isoformat()} is after {latest_is or 'the latest allowed'} "
            f"({latest.isoformat()})",
            field=field,
        )
    return value
