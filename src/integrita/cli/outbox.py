"""``integrita outbox status|dispatch|dead-letters|replay``: the notification outbox."""

from __future__ import annotations

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar
from integrita.cli.identity import batch_job, needs, signed_in
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core import outbox, outbox_dispatch
from integrita.services.core.event_loop import run_to_completion
from integrita.services.core.outbox_adapters import async_adapters_from_settings

outbox_app = typer.Typer(help="The notification outbox: status, dispatch, dead letters, replay.")


@outbox_app.command("status")
@handle_errors
@batch_job
def outbox_status() -> None:
    """Message counts by channel and status, the backlog by priority, and delivered messages
    by the gateway's last receipt."""
    ctx = context()
    table = Table("channel:status", "messages")
    for key, count in sorted(outbox.status(ctx).items()):
        table.add_row(key, str(count))
    console.print(table)
    waiting = outbox.backlog(ctx)
    names = {int(p): p.name.lower() for p in outbox.Priority}
    console.print(
        "waiting: "
        + (", ".join(f"{names.get(p, p)} {n}" for p, n in sorted(waiting.items())) or "none")
    )
    receipts = outbox.receipt_counts(ctx)
    console.print(
        "delivered, by the gateway's last receipt: "
        + (", ".join(f"{status} {n}" for status, n in sorted(receipts.items())) or "none")
    )


@outbox_app.command("dispatch")
@handle_errors
@batch_job
def outbox_dispatch_command(
    follow: bool = typer.Option(False, help="Keep polling instead of stopping when idle."),
    limit: int = typer.Option(200, min=1, max=5000, help="Messages per claim."),
) -> None:
    """Deliver due notifications concurrently (one-time codes first) through the configured
    SMS webhook and SMTP, within the per-channel concurrency and rate limits in settings."""
    ctx = context()
    adapters = async_adapters_from_settings(ctx.settings)
    with progress_bar("dispatching notifications") as advance:
        seen = [0]

        def progress(totals: outbox_dispatch.DispatchTotals) -> None:
            advance(totals.claimed - seen[0])
            seen[0] = totals.claimed

        totals = run_to_completion(
            outbox_dispatch.dispatch(
                ctx, adapters, follow=follow, batch=limit, on_progress=progress
            )
        )
    console.print(
        {
            "delivered": totals.delivered,
            "duplicates": totals.duplicates,
            "retried": totals.retried,
            "dead": totals.dead,
            "expired": totals.expired,
        }
    )


@outbox_app.command("dead-letters")
@handle_errors
@needs(Permission.OUTBOX_READ)
def outbox_dead_letters(
    limit: int = typer.Option(100, min=1, max=5000, help="Newest first, at most this many."),
) -> None:
    """Messages that failed every delivery attempt, with their last error."""
    ctx = context()
    table = Table("id", "channel", "recipient", "template", "attempts", "created", "last error")
    for d in outbox.dead_letters(ctx, signed_in(ctx), limit):
        table.add_row(
            str(d.id),
            d.channel,
            d.recipient,
            d.template,
            str(d.attempts),
            d.created_at.isoformat(timespec="seconds"),
            (d.last_error or "")[:120],
        )
    console.print(table)


@outbox_app.command("replay")
@handle_errors
@needs(Permission.OUTBOX_OPERATE)
def outbox_replay(
    ids: list[int] = typer.Argument(None, help="Dead messages to send again."),
    all_: bool = typer.Option(False, "--all", help="Every dead message."),
) -> None:
    """Put dead messages back in the queue (due now, attempts reset); one-time codes are not
    replayed. The next dispatch sends them with their original idempotency keys."""
    if not ids and not all_:
        raise InputError("name the dead messages to replay, or pass --all", field="ids")
    ctx = context()
    replayed = outbox.replay(ctx, signed_in(ctx), None if all_ else list(ids))
    console.print(f"replayed {len(replayed)} message(s): {', '.join(map(str, replayed))}")


def register(app: typer.Typer) -> None:
    app.add_typer(outbox_app, name="outbox")
