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
from integrita.domain.detection_governance import (
    ACTIVE,
    DETECTOR_PARAMETERS_WORKFLOW,
    NEW,
    PROPOSED,
)
from integrita.domain.permissions import Permission
from integrita.domain.rulesets import diff
from integrita.errors import (
    ConfigurationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StateTransitionError,
)
from integrita.services.core import audit
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted, permitted
from integrita.store import Session
from integrita.store.repositories import detection as repo


@dataclass(frozen=True, slots=True)
class ParameterSetView:
    detector: str
    version: int
    status: str
    params: dict[str, Any]
    explanation: str
    note: str | None
    proposed_by: str
    proposed_at: datetime
    business_approved_by: str | None
    technology_approved_by: str | None
    activated_at: datetime | None
    base_version: int | None
    diff: dict[str, Any] | None


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


def _view(row: Any) -> ParameterSetView:
    det = _detector(row.detector)
    return ParameterSetView(
        row.detector,
        row.version,
        row.status,
        dict(row.params),
        det.explain(det.params(dict(row.params))),
        row.note,
        row.proposed_by,
        row.proposed_at,
        row.business_approved_by,
        row.technology_approved_by,
        row.activated_at,
        row.base_version,
        dict(row.diff) if row.diff is not None else None,
    )


def _active(session: Session, det: Detector, at: datetime, found: Any = None) -> Any:
    """The detector's active parameter set; version 1 (the defaults) is created on first use."""
    if found is not None:
        return found
    row = repo.add_parameter_set(
        session,
        detector=det.name,
        version=1,
        params=as_json(det.default_params),
        status=ACTIVE,
        note="registered defaults",
        proposed_by="system",
        proposed_at=at,
        business_approved_by="system",
        technology_approved_by="system",
        activated_at=at,
    )
    audit.record(
        session,
        at=at,
        actor="system",
        action="detector_parameters.activated",
        entity_type="detector_parameters",
        entity_id=f"{det.name}:1",
        after={"detector": det.name, "version": 1, "params": row.params},
    )
    return row


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
        _active(session, det, ctx.now(), repo.active_parameter_sets(session).get(det.name))
        return [_view(r) for r in repo.list_parameter_sets(session, det.name)]


def get(ctx: Context, user: HasRoles, detector: str, version: int) -> ParameterSetView:
    ensure_permitted(user, Permission.DETECTION_PARAMS_READ)
    with ctx.db.transaction() as session:
        row = repo.get_parameter_set(session, _detector(detector).name, version)
        if row is None:
            raise NotFoundError(f"{detector} has no parameter set version {version}")
        return _view(row)


def _ref(detector: str, version: int) -> engine.RecordRef:
    return engine.RecordRef("detector_parameters", f"{detector}:{version}")


def propose(
    ctx: Context, user: HasRoles, detector: str, changes: dict[str, Any], note: str | None = None
) -> ParameterSetView:
    """A new version of ``detector``'s parameters: the active ones with ``changes``; not in force.

    Values are checked as the detector checks them (type, sign, minimum under maximum)."""
    ensure_permitted(user, Permission.DETECTION_PARAMS_PROPOSE)
    if not changes:
        raise InputError("a proposal must change at least one parameter", field="changes")
    det = _detector(detector)
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        base = _active(session, det, now, repo.active_parameter_sets(session).get(det.name))
        current = dict(base.params)
        try:
            proposed = as_json(det.params({**current, **changes}))
        except ConfigurationError as exc:
            raise InputError(str(exc), field="changes") from exc
        changed = diff(current, proposed)
        if not changed:
            raise InputError("the proposal changes nothing", field="changes")
        version = repo.next_parameter_set_version(session, det.name)
        engine.transition(
            session,
            DETECTOR_PARAMETERS_WORKFLOW,
            _ref(det.name, version),
            NEW,
            "propose",
            actor,
            at=now,
            before={"base_version": base.version},
            after={"detector": det.name, "base_version": base.version, "diff": changed},
        )
        row = repo.add_parameter_set(
            session,
            detector=det.name,
            version=version,
            params=proposed,
            status=PROPOSED,
            note=note,
            proposed_by=actor.username,
            proposed_at=now,
            base_version=base.version,
            diff=dict(changed),
        )
        return _view(row)


def approve(ctx: Context, user: HasRoles, detector: str, version: int) -> ParameterSetView:
    """Record the user's approval on the side their role gives; both sides -> in force.

    Refused for the proposer, for a second side by the same person, and for a proposal drafted
    against a version that is no longer active (409)."""
    det = _detector(detector)
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        active = _active(session, det, now, repo.active_parameter_sets(session).get(det.name))
        row = repo.get_parameter_set(session, det.name, version, lock=True)
        if row is None:
            raise NotFoundError(f"{det.name} has no parameter set version {version}")
        if row.status != PROPOSED:
            raise StateTransitionError(
                f"{det.name} parameter set version {version} is {row.status}, not proposed"
            )
        if (
            permitted(actor, Permission.DETECTION_PARAMS_APPROVE_BUSINESS)
            and not row.business_approved_by
        ):
            side = "business"
        elif (
            permitted(actor, Permission.DETECTION_PARAMS_APPROVE_TECHNOLOGY)
            and not row.technology_approved_by
        ):
            side = "technology"
        else:
            raise PermissionDeniedError(
                f"{actor.username} holds no approver role whose side of {det.name} version "
                f"{version} is still open"
            )
        facts = {"base_version": row.base_version, "active_version": active.version}
        engine.transition(
            session,
            DETECTOR_PARAMETERS_WORKFLOW,
            _ref(det.name, version),
            row.status,
            f"approve_{side}",
            actor,
            at=now,
            after={"detector": det.name, "base_version": row.base_version, "diff": row.diff},
            facts=facts,
        )
        if side == "business":
            row.business_approved_by = actor.username
        else:
            row.technology_approved_by = actor.username
        if row.business_approved_by and row.technology_approved_by:
            engine.transition(
                session,
                DETECTOR_PARAMETERS_WORKFLOW,
                _ref(det.name, version),
                row.status,
                "activate",
                actor,
                at=now,
                before={"active_version": active.version},
                after={"detector": det.name, "version": version, "params": row.params},
                facts={
                    **facts,
                    "business_approved_by": row.business_approved_by,
                    "technology_approved_by": row.technology_approved_by,
                },
            )
            repo.supersede_active_parameter_set(session, det.name, version)
            row.status, row.activated_at = ACTIVE, now
        session.flush()
        return _view(row)
