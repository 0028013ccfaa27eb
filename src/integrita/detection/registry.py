"""The detector registry: each typology is a documented, parameterised query definition.

A detector is a function from its parameters to a :class:`DetectorQuery` — SQL in
the dialect DuckDB and Spark share, over the view ``txn`` (see
``integrita.analytics.engine``) and, where it needs to know who owns an account,
the table ``owners``. Its final statement returns one row per piece of evidence:

``match_id``  one suspicious pattern instance
``account``   an account the pattern is about (the one whose owner is alerted)
``txn_id``    a transaction that is part of the pattern

The function's docstring is what an analyst reads as the reason for the alert.

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
        """Default parameters with ``overrides`` applied; unknown names are a configuration error."""
        base = self.default_params
        if not overrides:
            return base
        known = {f.name for f in dataclasses.fields(base)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigurationError(
                f"detector {self.name}: unknown parameter(s) {', '.join(sorted(unknown))}"
                f" (known: {', '.join(sorted(known))})"
            )
        try:
            return dataclasses.replace(base, **overrides)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"detector {self.name}: {exc}") from exc


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
