"""The detector registry: each typology is a documented, parameterised query definition.

A detector is a function from its parameters to a :class:`DetectorQuery` — SQL in
the dialect DuckDB and Spark share, over the view ``txn`` (see
``integrita.analytics.engine``) and, where it needs to know who owns an account,
the table ``owners``. Its final statement returns one row per piece of evidence:

``match_id``  one suspicious pattern instance
``account``   an account the pattern is about (the one whose owner is alerted)
``txn_id``    a transaction that is part of the pattern

The function's docstring is what an analyst reads as the reason for the alert: a template
whose ``{name}`` fields are the detector's parameters, filled in with the values a run used
(:meth:`Detector.explain`), so an explanation never states a number the run did not use.

This module only defines what a detector is; the typologies register themselves by
importing it, and :mod:`integrita.detection.catalogue` imports both to list them — so
nothing here imports the typologies back (it used to, inside ``detectors()``: a cycle).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from integrita.errors import ConfigurationError

#: Account-to-account transfers between two different accounts: the vehicle of layering.
#: Card and bill payments to merchants, salaries and cash have their own typologies.
TRANSFER = "kind = 'transfer' AND from_account <> to_account"
#: The same condition on a ``txn`` aliased ``t``.
TRANSFER_T = "t.kind = 'transfer' AND t.from_account <> t.to_account"


@dataclass(frozen=True, slots=True)
class DetectorQuery:
    """Intermediate results to materialise (name, SQL) in order, then the evidence query."""

    stages: tuple[tuple[str, str], ...]
    evidence: str


@dataclass(frozen=True, slots=True)
class Detector:
    """One registered typology."""

    name: str
    title: str
    explanation: str
    params_type: type[Any]
    build: Callable[[Any], DetectorQuery]
    lookback: Callable[[Any], timedelta]
    default_params: Any = field(default=None)
    #: Whether matches sharing an (account, transaction) piece of evidence are one pattern.
    #: True for typologies anchored on a day or a transaction, which report the same
    #: activity from several anchors; False where the match id already names the pattern
    #: (a source and a target), so that merging would chain unrelated patterns through
    #: a busy account.
    merge_shared_evidence: bool = True

    def params(self, overrides: Mapping[str, Any] | None = None) -> Any:
        """Default parameters with ``overrides`` applied; unknown names, values of another type
        than the default's, negative numbers and a minimum over its maximum are configuration
        errors — the values are written into SQL, so nothing but checked numbers and codes
        gets there."""
        base = self.default_params
        if not overrides:
            return base
        known = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
        unknown = set(overrides) - set(known)
        if unknown:
            raise ConfigurationError(
                f"detector {self.name}: unknown parameter(s) {', '.join(sorted(unknown))}"
                f" (known: {', '.join(sorted(known))})"
            )
        values = {
            name: _checked(self.name, name, value, known[name]) for name, value in overrides.items()
        }
        try:
            chosen = dataclasses.replace(base, **values)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"detector {self.name}: {exc}") from exc
        for name in known:
            if name.startswith("min_") and f"max_{name[4:]}" in known:
                low, high = getattr(chosen, name), getattr(chosen, f"max_{name[4:]}")
                if low > high:
                    raise ConfigurationError(
                        f"detector {self.name}: {name} ({low}) is over max_{name[4:]} ({high})"
                    )
        return chosen

    def explain(self, params: Any = None) -> str:
        """The analyst's reason for an alert: the docstring template filled in with the
        parameters that produced it (the defaults when none are given)."""
        return render_explanation(self.explanation, params or self.default_params)


def _checked(detector_name: str, name: str, value: Any, default: Any) -> Any:
    where = f"detector {detector_name}: {name}"
    if isinstance(default, bool) or not isinstance(default, int | tuple):
        raise ConfigurationError(f"{where} cannot be changed")
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigurationError(f"{where} must be a whole number, not {value!r}")
        if value < 0:
            raise ConfigurationError(f"{where} must not be negative")
        return value
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{where} must be a list of codes, not {value!r}")
    return tuple(value)


def template_values(params: Any) -> dict[str, str]:
    """Each parameter as text for an explanation; ``x_cny_minor``/``x_usd_minor`` amounts also
    as ``x_cny``/``x_usd`` in major units (RMB 1,000), lists joined by commas."""
    values: dict[str, str] = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, tuple):
            values[f.name] = ", ".join(str(v) for v in value) or "none"
        else:
            values[f.name] = f"{value:,}" if isinstance(value, int) else str(value)
        if f.name.endswith("_minor") and isinstance(value, int):
            values[f.name.removesuffix("_minor")] = f"{value / 100:,.0f}"
    return values


def render_explanation(template: str, params: Any) -> str:
    """``template`` (a detector's docstring) with its ``{name}`` fields filled from ``params``."""
    return template.format(**template_values(params))


REGISTRY: dict[str, Detector] = {}

P = TypeVar("P")


def detector(
    name: str,
    *,
    title: str,
    params: P,
    lookback: Callable[[P], timedelta],
    merge_shared_evidence: bool = True,
) -> Callable[[Callable[[P], DetectorQuery]], Callable[[P], DetectorQuery]]:
    """Register a typology under ``name`` with its default parameters and look-back window."""

    def decorate(build: Callable[[P], DetectorQuery]) -> Callable[[P], DetectorQuery]:
        if name in REGISTRY:
            raise ValueError(f"detector {name!r} registered twice")
        doc = " ".join((build.__doc__ or "").split())
        if not doc:
            raise ValueError(f"detector {name!r} needs a docstring: it is the alert's explanation")
        try:
            render_explanation(doc, params)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"detector {name!r}: its docstring template names {exc}") from exc
        REGISTRY[name] = Detector(
            name=name,
            title=title,
            explanation=doc,
            params_type=type(params),
            build=build,
            lookback=lookback,
            default_params=params,
            merge_shared_evidence=merge_shared_evidence,
        )
        return build

    return decorate
