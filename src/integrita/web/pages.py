"""Registers every capability's pages. One line per capability."""

from __future__ import annotations

from fastapi import FastAPI

from integrita.web import care, casework, governance, home, realtime, risk, screening


def register(app: FastAPI) -> None:
    for module in (home, care, risk, casework, realtime, screening, governance):
        app.include_router(module.router)
