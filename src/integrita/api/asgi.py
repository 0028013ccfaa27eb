"""ASGI entry point for process managers: ``uvicorn integrita.api.asgi:app``."""

from integrita.api.app import create_app

app = create_app()
