"""Storage of governed versions: a table of versions of one set of values (the real-time rule
set; one detector's parameters), the same columns in each, optionally narrowed to one subject
(``detector="fan_in"``). Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrita.errors import DuplicateKeyError
from integrita.store.models import DetectorParameterSet, RuleSetVersion

Row = TypeVar("Row", RuleSetVersion, DetectorParameterSet)


@dataclass(frozen=True, slots=True)
class VersionTable(Generic[Row]):
    """The versions of one governed set: ``model`` rows whose columns equal ``subject``."""

    model: type[Row]
    #: What one version is called in errors, e.g. "rule set", "fan_in parameter set".
    label: str
    subject: Mapping[str, object] = field(default_factory=dict)

    def _where(self) -> list[ColumnElement[bool]]:
        return [getattr(self.model, name) == value for name, value in self.subject.items()]

    def get(self, session: Session, version: int, *, lock: bool = False) -> Row | None:
        stmt = select(self.model).where(self.model.version == version, *self._where())
        if lock:
            stmt = stmt.with_for_update()
        return session.execute(stmt).scalar_one_or_none()

    def list(self, session: Session) -> list[Row]:
        stmt = select(self.model).where(*self._where()).order_by(self.model.version)
        return list(session.execute(stmt).scalars())

    def next_version(self, session: Session) -> int:
        stmt = select(func.max(self.model.version)).where(*self._where())
        return int(session.execute(stmt).scalar_one() or 0) + 1

    def add(self, session: Session, **fields: Any) -> Row:
        """Raises :class:`DuplicateKeyError` when a concurrent transaction stored this version
        first (e.g. two first decisions creating the default policy at once); the caller retries."""
        row = self.model(**self.subject, **fields)
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise DuplicateKeyError(
                f"{self.label} version {row.version} exists: {exc.orig}"
            ) from exc
        return row

    def supersede_active(self, session: Session, except_version: int) -> None:
        session.execute(
            update(self.model)
            .where(self.model.status == "active", self.model.version != except_version)
            .where(*self._where())
            .values(status="superseded")
        )
