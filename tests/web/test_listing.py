"""The paging and filter behaviour every list page shares (web/listing.py)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from integrita.errors import InputError
from integrita.http.fields import MAX_PAGE
from integrita.web.listing import PAGE_SIZE, listing, page_number, query_link


def _request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/alerts",
            "query_string": query.encode(),
            "headers": [],
        }
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 1),
        ("page=3", 3),
        ("page=0", 1),
        ("page=-4", 1),
        ("page=abc", 1),
        (f"page={MAX_PAGE + 9}", MAX_PAGE),
    ],
)
def test_a_page_number_from_the_query_string_is_clamped_never_a_500(
    query: str, expected: int
) -> None:
    assert page_number(_request(query)) == expected


def test_a_paging_link_keeps_the_filters_and_drops_a_parameter_set_to_none() -> None:
    request = _request("status=new&page=2&sort=score&empty=")
    assert query_link(request, page=3) == "?status=new&page=3&sort=score"
    assert query_link(request, sort=None) == "?status=new&page=2"


def test_the_listing_asks_for_the_page_in_the_query_string() -> None:
    asked: list[int] = []

    def shown(number: int) -> str:
        asked.append(number)
        return f"page {number}"

    found = listing(_request("page=4"), shown, lambda: "unfiltered")
    assert asked == [4]
    context = found.context()
    assert (context["result"], context["number"], context["size"], context["error"]) == (
        "page 4",
        4,
        PAGE_SIZE,
        None,
    )
    assert context["query"](page=5) == "?page=5"


def test_a_refused_filter_shows_its_message_over_the_unfiltered_first_page() -> None:
    def shown(number: int) -> str:
        raise InputError("unknown status 'nope'", field="status")

    found = listing(_request("status=nope"), shown, lambda: "unfiltered")
    assert (found.result, found.error) == ("unfiltered", "unknown status 'nope'")


def test_a_filter_the_page_cannot_parse_shows_the_pages_own_message() -> None:
    found = listing(
        _request("min_score=high"),
        lambda number: float("high"),
        lambda: 0.0,
        unreadable="minimum score must be a number",
    )
    assert (found.result, found.error) == (0.0, "minimum score must be a number")


def test_a_value_error_on_a_page_without_a_message_for_it_is_not_hidden() -> None:
    with pytest.raises(ValueError):
        listing(_request(""), lambda number: int("x"), lambda: 0)
