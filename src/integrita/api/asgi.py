"""ASGI entry point for process managers: ``uvicorn integrita.api.asgi:app``."""

from integrita.api.app import create_app, freeze_startup_heap

app = create_app()
freeze_startup_heap()  # each worker process imports this module once, before it serves
