"""``integrita users`` and ``integrita audit``: people, roles, tokens and the audit trail."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors
from integrita.cli.identity import (
    batch_job,
    forget_token,
    local_command,
    needs,
    signed_in,
    store_token,
    token_file,
)
from integrita.domain.permissions import Permission
from integrita.errors import AuthenticationError
from integrita.services.core import audit, auth, delegations, users

users_app = typer.Typer(
    help="People and systems that sign in, and their roles.", no_args_is_help=True
)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens of systems acting as users.", no_args_is_help=True)


@users_app.command("add")
@handle_errors
@needs(Permission.USER_ADMIN, unless_no_user_exists=True)
def users_add(
    username: str,
    roles: list[str] = typer.Option(..., "--role", "-r", help="Role; repeat for several."),
    display_name: str = typer.Option("", help="Name shown on pages."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Add a user with a password and one or more roles."""
    ctx = context()
    actor = signed_in(ctx).username if users.list_users(ctx) else "bootstrap"
    view = users.add_user(ctx, username, display_name or username, password, roles, actor=actor)
    console.print(f"added user [bold]{view.username}[/] with roles {', '.join(sorted(view.roles))}")


@users_app.command("roles")
@handle_errors
@needs(Permission.USER_ADMIN)
def users_roles(username: str, roles: list[str] = typer.Option(..., "--role", "-r")) -> None:
    """Replace a user's roles."""
    ctx = context()
    view = users.set_roles(ctx, username, roles, actor=signed_in(ctx).username)
    console.print(f"{view.username} now has roles {', '.join(sorted(view.roles))}")


@users_app.command("token")
@handle_errors
@needs(Permission.USER_ADMIN)
def users_token(
    username: str, name: str = typer.Option("api", help="What the token is for.")
) -> None:
    """Issue an API token for a system acting as this user. It is shown once."""
    ctx = context()
    token = users.issue_token(ctx, username, name, actor=signed_in(ctx).username)
    console.print(token)


@users_app.command("list")
@handle_errors
@needs(Permission.USER_ADMIN)
def users_list() -> None:
    """List users and their roles."""
    table = Table("username", "name", "roles", "active")
    for view in users.list_users(context()):
        table.add_row(
            view.username, view.display_name, ", ".join(sorted(view.roles)), str(view.active)
        )
    console.print(table)


@users_app.command("deactivate")
@handle_errors
@needs(Permission.USER_ADMIN)
def users_deactivate(username: str) -> None:
    """Deactivate a user: their web sessions end and their API tokens are revoked at once."""
    ctx = context()
    ended, revoked = users.deactivate_user(ctx, username, actor=signed_in(ctx).username)
    console.print(
        f"deactivated [bold]{username}[/]: {ended} session(s) ended, {revoked} token(s) revoked"
    )


@tokens_app.command("list")
@handle_errors
@needs(Permission.USER_ADMIN)
def tokens_list(username: str | None = typer.Argument(None, help="Only this user's.")) -> None:
    """List API tokens (never the tokens themselves): owner, name, issued, revoked."""
    table = Table("id", "user", "name", "issued", "revoked")
    for t in users.list_tokens(context(), username):
        revoked = t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else "-"
        table.add_row(
            str(t.id), t.username, t.name, t.created_at.isoformat(timespec="seconds"), revoked
        )
    console.print(table)


@users_app.command("delegate")
@handle_errors
@needs(Permission.DELEGATION_ADMIN)
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
        actor=signed_in(ctx),
    )
    console.print(
        f"delegation {view.id}: {view.deputy} holds {view.role} "
        f"from {view.valid_from} until {view.valid_until}"
    )


@users_app.command("delegations")
@handle_errors
@needs(Permission.DELEGATION_ADMIN)
def users_delegations() -> None:
    """List delegations, newest first, with whether each is in force today."""
    ctx = context()
    table = Table("id", "role", "deputy", "from", "until", "in force", "reason", "granted by")
    for view in delegations.list_delegations(ctx, actor=signed_in(ctx)):
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


@tokens_app.command("revoke")
@handle_errors
@needs(Permission.USER_ADMIN)
def tokens_revoke(
    username: str,
    name: str | None = typer.Option(None, "--name", help="Only tokens with this name."),
) -> None:
    """Revoke a user's API tokens (all of them, or those called --name)."""
    ctx = context()
    revoked = users.revoke_tokens(ctx, username, name, actor=signed_in(ctx).username)
    console.print(f"revoked {revoked} token(s) of [bold]{username}[/]")
    if revoked == 0:
        raise typer.Exit(1)


@users_app.command("revoke-delegation")
@handle_errors
@needs(Permission.DELEGATION_ADMIN)
def users_revoke_delegation(delegation_id: int) -> None:
    """End a delegation now."""
    ctx = context()
    view = delegations.revoke(ctx, delegation_id, actor=signed_in(ctx))
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
@local_command  # needs the key file, not a sign-in: it must work when the users table is suspect
def audit_verify() -> None:
    """Recompute the chain under the audit key and check it against every checkpoint; exit 1
    and name the first broken event if it was tampered with."""
    result = audit.verify(context())
    if result.intact:
        console.print(
            f"[green]audit trail intact[/]: {result.events_checked} events verified, "
            f"{result.checkpoints_checked} checkpoint(s) matched"
        )
        if not result.anchored:
            console.print(
                "[yellow]not anchored[/]: without an audit key anyone who can write to the "
                "database can re-hash the chain; run `integrita audit init-key`"
            )
        return
    console.print(f"[bold red]audit trail broken at event {result.broken_at}[/]: {result.reason}")
    raise typer.Exit(1)


@handle_errors
@local_command
def login(
    username: str = typer.Option(..., prompt=True, help="Your user name."),
    password: str = typer.Option(..., prompt=True, hide_input=True),
) -> None:
    """Sign in: the command line then acts as you (a personal API token, stored 0600)."""
    ctx = context()
    user = auth.sign_in(ctx, username, password, source="cli")
    token = users.issue_token(ctx, user.username, "cli login", actor=user.username)
    path = store_token(token)
    console.print(f"signed in as [bold]{user.username}[/]; token stored in {path}")


@handle_errors
@local_command
def logout() -> None:
    """Revoke the stored token and delete it."""
    path = token_file()
    if not path.exists():
        console.print("not signed in")
        return
    token = path.read_text(encoding="utf-8").strip()
    ctx = context()
    try:
        actor = auth.user_for_token(ctx, token).username
    except AuthenticationError:
        actor = "unknown"
    users.revoke_token(ctx, token, actor=actor)
    forget_token()
    console.print("signed out; the token is revoked")


@audit_app.command("init-key")
@handle_errors
@local_command  # an installation step on the server, like `db upgrade`: the key file is the control
def audit_init_key() -> None:
    """Create the audit HMAC key (mode 0600; or use INTEGRITA_AUDIT_KEY), re-anchor the
    verified chain under it and write the first checkpoint."""
    from integrita.services.core import audit_anchor

    done = audit_anchor.init_key(context())
    where = str(done.key_path) if done.key_path else "INTEGRITA_AUDIT_KEY"
    console.print(
        f"audit key {done.key_id} in {where}; {done.events_reanchored} event(s) re-anchored; "
        f"checkpoint at event {done.checkpoint.seq}"
    )


@audit_app.command("checkpoint")
@handle_errors
@batch_job
def audit_checkpoint() -> None:
    """Append the signed head of the chain (sequence, hash, time) to the checkpoint file."""
    from integrita.services.core import audit_anchor

    ctx = context()
    cp = audit_anchor.checkpoint(ctx)
    console.print(
        f"checkpoint: event {cp.seq}, hash {cp.hash[:16]}…, {cp.at} "
        f"-> {ctx.settings.resolved_audit_checkpoint_path}"
    )


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(tokens_app, name="tokens")
