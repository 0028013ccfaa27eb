"""``integrita serve``: the API and the web pages together."""

from __future__ import annotations

import typer

from integrita.cli.common import console, context, handle_errors
from integrita.cli.identity import local_command


@handle_errors
@local_command
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes."),
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /docs) and the workbench pages."""
    import uvicorn

    from integrita.api.app import create_app, freeze_startup_heap

    ctx = context()
    console.print(f"integrita at http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    if workers > 1:
        uvicorn.run(
            "integrita.api.asgi:app", host=host, port=port, workers=workers, log_level="warning"
        )
    else:
        app = create_app(ctx)
        freeze_startup_heap()
        uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
