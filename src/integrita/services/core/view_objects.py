"""Services answer with view objects, never ORM rows: a frozen dataclass filled from the row's
attributes of the same names (:func:`view_of`), so a view and its table cannot drift apart field
by field in a hand-written copy."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    V = TypeVar("V", bound=DataclassInstance)
else:
    V = TypeVar("V")


def view_of(view: type[V], row: object, **computed: Any) -> V:
    """``view`` filled from ``row``: each field is the row's attribute of the same name, unless
    ``computed`` gives it (a copy of a JSON column, a value the row does not hold). A field the
    row lacks keeps its default; without a default it is an error, as is a ``computed`` name
    that is no field of ``view``."""
    names = {f.name: f for f in fields(view)}
    unknown = set(computed) - set(names)
    if unknown:
        raise TypeError(f"{view.__name__} has no field(s) {', '.join(sorted(unknown))}")
    values = dict(computed)
    for name, spec in names.items():
        if name in values:
            continue
        if hasattr(row, name) or (spec.default is MISSING and spec.default_factory is MISSING):
            values[name] = getattr(row, name)
    return view(**values)
