"""Governed detector parameters: versions of each detector's thresholds and windows, proposed by
the MLRO and in force only after a business and a technology approval by two other people.

Version 1 of every detector is its registered defaults, created on first use. Every step goes
through the workflow engine (:data:`DETECTOR_PARAMETERS_WORKFLOW`); a detection run reads the
versions in force (:func:`parameters_in_force`) and records them; a proposal can be backtested on
labelled history (:mod:`.params_backtest`) before anyone approves it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.detection.catalogue import detectors
from integrita.detection.registry import Detector
from integrita.domain.detection_governance import DETECTOR_PARAMETERS_WORKFLOW
from integrita.domain.permissions import Permission
from integrita.errors import ConfigurationError, InputError, NotFoundError
from integrita.services.core import governed_versions as governed
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.store import Session
from integrita.store.repositories import detection as repo


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterSetView(governed.VersionView):
    detector: str
    params: dict[str, Any]
    explanation: str


def as_json(params: Any) -> dict[str, Any]:
    """A parameter dataclass as stored: tuples become lists."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(params).items()
    }


def _detector(name: str) -> Detector:
    try:
        (found,) = detectors([name])
    except ConfigurationError as exc:
        raise NotFoundError(str(exc)) from exc
    return found


def governed_set(det: Detector) -> governed.GovernedSet:
    """The detector's parameter sets as a governed set: checked as the detector checks them."""

    def check(values: dict[str, Any]) -> dict[str, Any]:
        try:
            return as_json(det.params(values))
        except ConfigurationError as exc:
            raise InputError(str(exc), field="changes") from exc

    return governed.GovernedSet(
        table=repo.parameter_sets(det.name),
        workflow=DETECTOR_PARAMETERS_WORKFLOW,
        record_type="detector_parameters",
        values_field="params",
        value_noun="parameter",
        approve_business=Permission.DETECTION_PARAMS_APPROVE_BUSINESS,
        approve_technology=Permission.DETECTION_PARAMS_APPROVE_TECHNOLOGY,
        check=check,
    )


def _view(row: Any) -> ParameterSetView:
    det = _detector(row.detector)
    return ParameterSetView(
        detector=row.detector,
        params=dict(row.params),
        explanation=det.explain(det.params(dict(row.params))),
        **governed.version_fields(row),
    )


def _active(session: Session, det: Detector, at: datetime, found: Any = None) -> Any:
    """The detector's active parameter set; version 1 (the defaults) is created on first use."""
    if found is not None:
        return found
    defaults = as_json(det.default_params)
    return governed.install_defaults(
        session, governed_set(det), defaults, "registered defaults", at
    )


def _active_now(session: Session, det: Detector, at: datetime) -> Any:
    return _active(session, det, at, repo.active_parameter_sets(session).get(det.name))


def parameters_in_force(
    session: Session, chosen: list[Detector], at: datetime
) -> dict[str, tuple[int, Any]]:
    """Detector -> (version in force, its parameters) for the chosen detectors."""
    active = repo.active_parameter_sets(session)
    result = {}
    for det in chosen:
        row = _active(session, det, at, active.get(det.name))
        result[det.name] = (row.version, det.params(dict(row.params)))
    return result


def show(ctx: Context, user: HasRoles, detector: str | None = None) -> list[ParameterSetView]:
    """Every detector's version in force, or every version of one detector."""
    ensure_permitted(user, Permission.DETECTION_PARAMS_READ)
    with ctx.db.transaction() as session:
        if detector is None:
            chosen = detectors()
            active = repo.active_parameter_sets(session)
            return [_view(_active(session, d, ctx.now(), active.get(d.name))) for d in chosen]
        det = _detector(detector)
        _active_now(session, det, ctx.now())
        return [_view(r) for r in governed_set(det).table.list(session)]


def get(ctx: Context, user: HasRoles, detector: str, version: int) -> ParameterSetView:
    ensure_permitted(user, Permission.DETECTION_PARAMS_READ)
    with ctx.db.transaction() as session:
        return _view(governed.get(session, governed_set(_detector(detector)), version))


def propose(
    ctx: Context, user: HasRoles, detector: str, changes: dict[str, Any], note: str | None = None
) -> ParameterSetView:
    """A new version of ``detector``'s parameters: the active ones with ``changes``; not in force.

    Values are checked as the detector checks them (type, sign, minimum under maximum)."""
    ensure_permitted(user, Permission.DETECTION_PARAMS_PROPOSE)
    det = _detector(detector)
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        base = _active_now(session, det, now)
        return _view(
            governed.propose(
                session,
                governed_set(det),
                actor,
                now,
                (base.version, dict(base.params)),
                changes,
                note,
            )
        )


def approve(ctx: Context, user: HasRoles, detector: str, version: int) -> ParameterSetView:
    """Record the user's approval on the side their role gives; both sides -> in force.

    Refused for the proposer, for a second side by the same person, and for a proposal drafted
    against a version that is no longer active (409)."""
    det = _detector(detector)
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        active = _active_now(session, det, now).version
        return _view(governed.approve(session, governed_set(det), actor, now, version, active))
