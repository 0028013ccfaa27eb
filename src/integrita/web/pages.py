"""Registers every capability's pages. One line per capability."""

from __future__ import annotations

from fastapi import FastAPI

from integrita.web import (
    care,
    casework,
    filings,
    governance,
    home,
    overview,
    realtime,
    reporting,
    risk,
    screening,
)


def register(app: FastAPI) -> None:
    for module in (
        home,
        overview,
        care,
        risk,
        casework,
        filings,
        realtime,
        screening,
        reporting,
        governance,
    ):
        app.include_router(module.router)
