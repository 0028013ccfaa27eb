"""Registers every capability's API router. One line per capability."""

from __future__ import annotations

from fastapi import FastAPI

from integrita.api import (
    assessments,
    care,
    casework,
    delegations,
    detection,
    governance,
    outbox,
    realtime,
    risk,
    screening,
    system,
)


def register(app: FastAPI) -> None:
    for module in (
        system,
        realtime,
        outbox,
        care,
        risk,
        assessments,
        casework,
        delegations,
        screening,
        detection,
        governance,
    ):
        app.include_router(module.router)
