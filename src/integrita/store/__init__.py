"""Operational database: the only package that imports SQLAlchemy. Migrations live beside it."""

from integrita.store.database import Database, Session

__all__ = ["Database", "Session"]
