"""``integrita rules ...`` and ``integrita payments ...`` (the outbox: ``cli/outbox.py``)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from integrita.cli.common import (
    console,
    context,
    handle_errors,
    parse_changes,
    print_diff,
    progress_bar,
)
from integrita.cli.identity import AS_OPTION, batch_job, local_command, needs, refuse_as, signed_in
from integrita.demo.realtime import demo_channel_token, stream_synthetic_payments
from integrita.domain.permissions import Permission
from integrita.services.core.context import Context
from integrita.services.realtime import challenges, payments, rulesets
from integrita.services.realtime.backtest import backtest
from integrita.services.realtime.ledger_flush import flush_to_ledger

rules_app = typer.Typer(help="Real-time rule sets: list, show, propose, approve, backtest.")
payments_app = typer.Typer(help="Real-time payments: ledger flush, challenge expiry, blocklist.")


@rules_app.command("list")
@handle_errors
@needs(Permission.RULESET_READ)
def rules_list() -> None:
    """Every rule-set version and the registered rules."""
    ctx = context()
    table = Table("version", "status", "based on", "proposed by", "business", "technology", "note")
    for v in rulesets.list_versions(ctx, signed_in(ctx)):
        table.add_row(
            str(v.version),
            v.status,
            str(v.base_version) if v.base_version is not None else "-",
            v.proposed_by,
            v.business_approved_by or "-",
            v.technology_approved_by or "-",
            v.note or "",
        )
    console.print(table)
    rules = Table("rule", "action", "explanation")
    for r in rulesets.rule_catalogue():
        rules.add_row(r["rule"], r["action"], r["explanation"])
    console.print(rules)


@rules_app.command("show")
@handle_errors
@needs(Permission.RULESET_READ)
def rules_show(
    version: int = typer.Option(None, help="Version (default: the active one)."),
) -> None:
    """The thresholds of one version."""
    ctx = context()
    v = rulesets.show(ctx, signed_in(ctx), version)
    console.print(f"version {v.version} ({v.status})")
    console.print_json(json.dumps(v.thresholds))
    if v.diff:
        print_diff("threshold", v)


@rules_app.command("propose")
@handle_errors
@needs(Permission.RULESET_PROPOSE)
def rules_propose(
    set_: list[str] = typer.Option(..., "--set", help="name=value (JSON value); repeatable."),
    note: str = typer.Option("", help="Why."),
    as_: str | None = AS_OPTION,
) -> None:
    """Propose a new version: the active thresholds with the given changes (you are the proposer)."""
    refuse_as(as_)
    ctx = context()
    v = rulesets.propose(ctx, signed_in(ctx), parse_changes(set_), note or None)
    console.print(
        f"proposed version {v.version} based on version {v.base_version}; "
        "needs a business and a technology approval by two other people"
    )
    print_diff("threshold", v)


@rules_app.command("approve")
@handle_errors
@needs(Permission.RULESET_ACTIVATE)
def rules_approve(
    version: int = typer.Argument(..., help="Version to approve."),
    as_: str | None = AS_OPTION,
) -> None:
    """Approve a proposed version on your side; the second side's approval activates it."""
    refuse_as(as_)
    ctx = context()
    v = rulesets.approve(ctx, version, signed_in(ctx))
    console.print(
        f"version {v.version} is {v.status} (business: {v.business_approved_by or '-'}, "
        f"technology: {v.technology_approved_by or '-'})"
    )


@rules_app.command("rebase")
@handle_errors
@needs(Permission.RULESET_PROPOSE)
def rules_rebase(version: int = typer.Argument(..., help="Proposed version to rebase.")) -> None:
    """Re-apply a proposal's changes to the version active now and show the new diff."""
    ctx = context()
    v = rulesets.rebase(ctx, version, signed_in(ctx))
    console.print(
        f"version {v.version} is now based on version {v.base_version}; approvals start again"
    )
    print_diff("threshold", v)


@rules_app.command("backtest")
@handle_errors
@needs(Permission.RULESET_READ)
def rules_backtest(
    version: int = typer.Option(..., "--version", help="Version to replay."),
    where: str = typer.Option("TRUE", help="SQL condition on the ledger (e.g. a date range)."),
) -> None:
    """Replay the ledger and count per day the notifications, verifications and holds of a
    version against the active one."""
    ctx = context()
    with progress_bar("replaying the ledger") as advance:
        report = backtest(ctx, version, where=where)
        advance(1)
    table = Table(
        "day",
        f"notify v{report.version}",
        f"notify v{report.active_version}",
        f"verify v{report.version}",
        f"verify v{report.active_version}",
        f"hold v{report.version}",
        f"hold v{report.active_version}",
    )
    for day, counts in report.days.items():
        c, a = counts["candidate"], counts["active"]
        table.add_row(
            day,
            *(
                str(x)
                for x in (c["notify"], a["notify"], c["verify"], a["verify"], c["hold"], a["hold"])
            ),
        )
    console.print(table)
    console.print(
        f"{report.transactions} ledger transactions; totals v{report.version}: "
        f"{report.totals('candidate')}; v{report.active_version}: {report.totals('active')}"
    )


@payments_app.command("flush-ledger")
@handle_errors
@batch_job
def payments_flush(
    batch_size: int = typer.Option(10_000, help="Payments per ledger append."),
) -> None:
    """Append executed payments to the Parquet ledger (idempotent)."""
    ctx = context()
    with progress_bar("flushing executed payments") as advance:
        result = flush_to_ledger(ctx, batch_size=batch_size)
        advance(result.offered)
    console.print(
        f"offered {result.offered}, stored {result.stored}, still pending {result.pending}"
    )


@payments_app.command("expire-challenges")
@handle_errors
@batch_job
def payments_expire() -> None:
    """Reject payments whose one-time-code challenge expired unanswered."""
    console.print(f"expired {challenges.expire_due(context())} challenge(s)")


@payments_app.command("block")
@handle_errors
@needs(Permission.BLOCKLIST_EDIT)
def payments_block(
    bank_id: str,
    account: str,
    reason: str = typer.Option(...),
    as_: str | None = AS_OPTION,
) -> None:
    """Put a counterparty account on the internal blocklist (its payments are held)."""
    refuse_as(as_)
    ctx = context()
    payments.block_counterparty(ctx, bank_id, account, reason, user=signed_in(ctx))
    console.print(f"blocked {bank_id}:{account}")


@payments_app.command("mix")
@handle_errors
@needs(Permission.PAYMENT_READ)
def payments_mix() -> None:
    """How many payments got each decision."""
    console.print(payments.decision_mix(context()))


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.add_typer(payments_app, name="payments")


def demo_over_http(ctx: Context, count: int) -> dict[str, int]:
    """Start the API on a free loopback port, post ``count`` synthetic payments through it
    as a payment channel, and return the decision mix (``integrita demo`` calls this)."""
    import httpx

    from integrita.api.app import serve_in_background

    token = demo_channel_token(ctx)
    with (
        serve_in_background(ctx) as url,
        httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=10
        ) as client,
    ):

        def send(event: dict[str, object]) -> dict[str, object]:
            response = client.post("/v1/payments/evaluate", json=event)
            response.raise_for_status()
            body: dict[str, object] = response.json()
            return body

        with progress_bar("synthetic payments through the API", total=count) as advance:
            return stream_synthetic_payments(ctx, count, send=send, progress=advance)


@payments_app.command("demo")
@handle_errors
@local_command
def payments_demo(count: int = typer.Option(500, help="How many synthetic payments.")) -> None:
    """Start the API, stream synthetic payments through it and print the decision mix."""
    ctx = context()
    mix = demo_over_http(ctx, count)
    table = Table("decision", "payments", "share")
    total = sum(mix.values()) or 1
    for decision, n in mix.items():
        table.add_row(decision, str(n), f"{n / total:.1%}")
    console.print(table)
