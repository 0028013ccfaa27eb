"""What every paged list page shares: the page number from the query string, links that keep the
filters while changing one parameter, and a listing that shows a refused filter as a message over
the unfiltered first page (never a 500)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request

from integrita.errors import IntegritaError
from integrita.http.fields import MAX_PAGE

#: Rows on one page of a list page.
PAGE_SIZE = 50

Result = TypeVar("Result")


def query_link(request: Request, **override: object) -> str:
    """The current query string with some parameters replaced (for sort and paging links)."""
    params = {k: v for k, v in request.query_params.items() if v}
    for key, value in override.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params)


def page_number(request: Request) -> int:
    """The ``page`` query parameter, clamped to what a page can show; 1 when absent or not a
    number."""
    value = request.query_params.get("page")
    try:
        return min(MAX_PAGE, max(1, int(value))) if value else 1
    except ValueError:
        return 1


@dataclass(frozen=True, slots=True)
class Listing(Generic[Result]):
    """One page of a list as the templates read it."""

    request: Request
    result: Result
    number: int
    error: str | None

    def context(self) -> dict[str, Any]:
        """The template variables every list page uses: ``result``, ``number``, ``size``,
        ``error`` and ``query`` (a link to this list with some parameters changed)."""
        return {
            "result": self.result,
            "number": self.number,
            "size": PAGE_SIZE,
            "error": self.error,
            "query": lambda **kw: query_link(self.request, **kw),
        }


def listing(
    request: Request,
    shown: Callable[[int], Result],
    unfiltered: Callable[[], Result],
    *,
    unreadable: str | None = None,
) -> Listing[Result]:
    """The page the query string asks for from ``shown`` (called with the page number).

    A filter the service refuses comes back as the error over ``unfiltered`` (the first page
    without filters), so the person sees why and can correct it. Where a page parses a filter
    itself (a number, say), ``unreadable`` is the message for a value that does not parse.
    """
    number = page_number(request)
    try:
        return Listing(request, shown(number), number, None)
    except IntegritaError as exc:
        error = str(exc)
    except ValueError:
        if unreadable is None:
            raise
        error = unreadable
    return Listing(request, unfiltered(), number, error)
