"""``integrita users`` and ``integrita audit``: people, roles, tokens and the audit trail."""

from __future__ import annotations

import os
from datetime import date

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors
from integrita.domain.roles import Role
from integrita.services.core import audit, auth, delegations, users
from integrita.services.core.context import Context
from integrita.services.core.users import UserView

#: Who acts at the console when no API token names a user: the administrator who installed the
#: bank (the same trust as ``users add``).
CONSOLE_ADMINISTRATOR = UserView(
    0, "cli", "command line", frozenset({Role.ADMINISTRATOR.value}), True
)

users_app = typer.Typer(
    help="People and systems that sign in, and their roles.", no_args_is_help=True
)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@users_app.command("add")
@handle_errors
def users_add(
    username: str,
    roles: list[str] = typer.Option(..., "--role", "-r", help="Role; repeat for several."),
    display_name: str = typer.Option("", help="Name shown on pages."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Add a user with a password and one or more roles."""
    view = users.add_user(context(), username, display_name or username, password, roles)
    console.print(f"added user [bold]{view.username}[/] with roles {', '.join(sorted(view.roles))}")


@users_app.command("roles")
@handle_errors
def users_roles(username: str, roles: list[str] = typer.Option(..., "--role", "-r")) -> None:
    """Replace a user's roles."""
    view = users.set_roles(context(), username, roles)
    console.print(f"{view.username} now has roles {', '.join(sorted(view.roles))}")


@users_app.command("token")
@handle_errors
def users_token(
    username: str, name: str = typer.Option("api", help="What the token is for.")
) -> None:
    """Issue an API token for a system acting as this user. It is shown once."""
    token = users.issue_token(context(), username, name)
    console.print(token)


@users_app.command("list")
@handle_errors
def users_list() -> None:
    """List users and their roles."""
    table = Table("username", "name", "roles", "active")
    for view in users.list_users(context()):
        table.add_row(
            view.username, view.display_name, ", ".join(sorted(view.roles)), str(view.active)
        )
    console.print(table)


def _operator(ctx: Context) -> UserView:
    """The user the ``INTEGRITA_TOKEN`` API token belongs to, else the console administrator."""
    token = os.environ.get("INTEGRITA_TOKEN", "").strip()
    return auth.user_for_token(ctx, token) if token else CONSOLE_ADMINISTRATOR


@users_app.command("delegate")
@handle_errors
def users_delegate(
    role: str,
    deputy: str = typer.Option(..., "--to", help="The deputy's username."),
    valid_from: str = typer.Option(..., "--from", help="First day (bank-local, YYYY-MM-DD)."),
    valid_until: str = typer.Option(..., "--until", help="Last day (bank-local, YYYY-MM-DD)."),
    reason: str = typer.Option(..., "--reason", help="Why the deputy is needed."),
) -> None:
    """Name a deputy who holds ROLE for a period (e.g. a deputy MLRO while the MLRO may not sign)."""
    ctx = context()
    view = delegations.delegate(
        ctx,
        role,
        deputy,
        _date(valid_from, "--from"),
        _date(valid_until, "--until"),
        reason,
        actor=_operator(ctx),
    )
    console.print(
        f"delegation {view.id}: {view.deputy} holds {view.role} "
        f"from {view.valid_from} until {view.valid_until}"
    )


@users_app.command("delegations")
@handle_errors
def users_delegations() -> None:
    """List delegations, newest first, with whether each is in force today."""
    ctx = context()
    table = Table("id", "role", "deputy", "from", "until", "in force", "reason", "granted by")
    for view in delegations.list_delegations(ctx, actor=_operator(ctx)):
        state = "revoked" if view.revoked_at else ("yes" if view.in_force else "no")
        table.add_row(
            str(view.id),
            view.role,
            view.deputy,
            str(view.valid_from),
            str(view.valid_until),
            state,
            view.reason,
            view.granted_by,
        )
    console.print(table)


@users_app.command("revoke-delegation")
@handle_errors
def users_revoke_delegation(delegation_id: int) -> None:
    """End a delegation now."""
    ctx = context()
    view = delegations.revoke(ctx, delegation_id, actor=_operator(ctx))
    console.print(f"delegation {view.id} revoked: {view.deputy} no longer holds {view.role}")


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from exc


@audit_app.command("verify")
@handle_errors
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name the first broken event if it was tampered with."""
    result = audit.verify(context())
    if result.intact:
        console.print(f"[green]audit trail intact[/]: {result.events_checked} events verified")
        return
    console.print(f"[bold red]audit trail broken at event {result.broken_at}[/]: {result.reason}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
