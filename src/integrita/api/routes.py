"""Registers every capability's API router. One line per capability."""

from __future__ import annotations

from fastapi import FastAPI

from integrita.api import realtime, system


def register(app: FastAPI) -> None:
    for module in (system, realtime):
        app.include_router(module.router)
