"""A view object is filled from the row's attributes of the same names; computed values win,
a field the row lacks keeps its default, and a misspelt computed name is refused."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from integrita.services.core.view_objects import view_of


@dataclass(frozen=True, slots=True)
class OverrideLikeView:
    id: int
    reason: str
    body: dict[str, int]
    revision: int = 1


def test_fields_come_from_the_rows_attributes_and_computed_values_win() -> None:
    row = SimpleNamespace(id=7, reason="source of funds explained", body={"a": 1}, extra="x")
    view = view_of(OverrideLikeView, row, body={"a": 2})
    assert view == OverrideLikeView(7, "source of funds explained", {"a": 2}, 1)


def test_a_field_the_row_lacks_keeps_its_default_unless_it_has_none() -> None:
    assert view_of(OverrideLikeView, SimpleNamespace(id=1, reason="r", body={})).revision == 1
    with pytest.raises(AttributeError):
        view_of(OverrideLikeView, SimpleNamespace(id=1, body={}))


def test_a_computed_name_that_is_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match="no field"):
        view_of(OverrideLikeView, SimpleNamespace(id=1, reason="r", body={}), revison=2)
