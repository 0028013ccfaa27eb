"""``integrita stream consume``: executed transactions from NATS JetStream into the ledger."""

from __future__ import annotations

import typer

from integrita.cli.common import console, context, handle_errors, progress_bar
from integrita.cli.identity import batch_job
from integrita.services.core.event_loop import run_to_completion
from integrita.services.ingest import stream

stream_app = typer.Typer(help="Executed transactions streamed from NATS JetStream.")


@stream_app.command("consume")
@handle_errors
@batch_job
def stream_consume(
    from_seq: int | None = typer.Option(
        None, "--from-seq", min=1, help="Replay from this stream sequence (stored rows are kept)."
    ),
    until_idle: bool = typer.Option(
        False, "--until-idle", help="Stop once the stream has been idle for --idle seconds."
    ),
    idle: float = typer.Option(2.0, min=0.1, max=600, help="Seconds of silence that mean idle."),
) -> None:
    """Append executed transactions to the Parquet ledger exactly once (idempotent on txn_id,
    acknowledged only after the write is on disk); a message holds one transaction or several
    as JSON lines; refused lines go to the dead-letter subject with their reason."""
    ctx = context()
    with progress_bar(f"streaming {ctx.settings.stream_subject} into the ledger") as advance:
        seen = [stream.read_manifest(ctx.settings).read]  # the counts are cumulative

        def progress(totals: stream.StreamTotals) -> None:
            advance(totals.read - seen[0])
            seen[0] = totals.read

        totals = run_to_completion(
            stream.consume(
                ctx, from_seq=from_seq, until_idle=until_idle, idle_seconds=idle, on_batch=progress
            )
        )
    console.print(
        f"read {totals.read} transactions in {totals.messages} messages, stored {totals.stored}, "
        f"duplicates {totals.duplicates}, dead-lettered {totals.dead_lettered} "
        f"(balanced: {totals.balanced}); stream sequence {totals.last_sequence}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(stream_app, name="stream")
