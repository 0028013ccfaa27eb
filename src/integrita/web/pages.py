"""Registers every capability's pages. One line per capability."""

from __future__ import annotations

from fastapi import FastAPI

from integrita.web import home, realtime


def register(app: FastAPI) -> None:
    for module in (home, realtime):
        app.include_router(module.router)
