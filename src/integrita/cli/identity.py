"""Who the command line acts as: the user of an API token, never a name typed on the line.

The token comes from ``INTEGRITA_TOKEN`` or from the file ``integrita login`` writes (mode 0600,
under the user's config directory: ``$INTEGRITA_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/integrita``,
else ``~/.config/integrita``). An unknown or revoked token is refused with exit code 77.

Every command declares what it needs, once, with one of three decorators (a test walks the
command tree and checks each declares exactly one):

* :func:`needs` — a permission from the one table (:mod:`integrita.domain.permissions`); the
  command runs as the signed-in user and is refused (77) without the permission;
* :func:`batch_job` — work that needs no person (detection, ingest, outbox dispatch, sweeps); it
  runs as :data:`~integrita.services.core.permissions.SYSTEM_ACTOR`, which can approve nothing;
* :func:`local_command` — touches no governed record (generating synthetic files, signing in).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer

from integrita.domain.permissions import Permission
from integrita.domain.workflow import Actor
from integrita.errors import AuthenticationError
from integrita.services.core import auth, users
from integrita.services.core.context import Context
from integrita.services.core.permissions import SYSTEM_ACTOR, ensure_permitted
from integrita.services.core.users import UserView

TOKEN_ENV = "INTEGRITA_TOKEN"  # noqa: S105 - the name of the variable, not a token
CONFIG_DIR_ENV = "INTEGRITA_CONFIG_DIR"
#: What a command declared: a Permission, BATCH or LOCAL (read by the command-tree test).
DECLARATION = "integrita_declares"
BATCH = "batch job (runs as the system actor)"
LOCAL = "local command (no governed record)"

P = ParamSpec("P")
R = TypeVar("R")

_PERMISSION: ContextVar[Permission | None] = ContextVar("integrita_cli_permission", default=None)


def config_dir() -> Path:
    explicit = os.environ.get(CONFIG_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "integrita"


def token_file() -> Path:
    return config_dir() / "token"


def store_token(token: str) -> Path:
    """Write the token readable by its owner only (0600), creating the directory 0700."""
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return path


def forget_token() -> bool:
    path = token_file()
    if path.exists():
        path.unlink()
        return True
    return False


def _token() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    path = token_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    raise AuthenticationError(
        f"not signed in: run `integrita login` or set {TOKEN_ENV} to an API token"
    )


def signed_in(ctx: Context) -> UserView:
    """The user of the CLI's token, holding the permission the running command declared."""
    user = auth.user_for_token(ctx, _token())
    permission = _PERMISSION.get()
    if permission is not None:
        ensure_permitted(user, permission)
    return user


#: ``--as NAME`` is still recognised, only to refuse it with the reason (it was never checked).
AS_OPTION: Any = typer.Option(None, "--as", hidden=True, help="No longer accepted; sign in.")


def refuse_as(name: str | None) -> None:
    if name is not None:
        raise AuthenticationError(
            f"--as {name} is not accepted: the command line acts as the user of its API token "
            f"(`integrita login` or {TOKEN_ENV}), never as a name typed on the line"
        )


def system_actor() -> Actor:
    """The named actor batch jobs run as; it holds no role, so it approves nothing."""
    return SYSTEM_ACTOR


def needs(
    permission: Permission, *, unless_no_user_exists: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the permission a command exercises; it runs as the signed-in user.

    ``unless_no_user_exists`` lets ``users add`` create the very first user of an empty database
    (there is nobody yet who could sign in); once a user exists, it needs the permission.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            # the command module's own ``context`` (one object per process, and what tests patch)
            context: Callable[[], Context] = func.__globals__["context"]
            as_name = kwargs.get("as_")
            refuse_as(as_name if isinstance(as_name, str) else None)
            marker = _PERMISSION.set(permission)
            try:
                ctx = context()
                if not (unless_no_user_exists and not users.list_users(ctx)):
                    signed_in(ctx)  # refused before the command does anything
                return func(*args, **kwargs)
            finally:
                _PERMISSION.reset(marker)

        setattr(wrapper, DECLARATION, permission)
        return wrapper

    return decorate


def batch_job(func: Callable[P, R]) -> Callable[P, R]:
    """Declare a command that needs no person: it acts as the system actor."""
    setattr(func, DECLARATION, BATCH)
    return func


def local_command(func: Callable[P, R]) -> Callable[P, R]:
    """Declare a command that reads or writes no governed record."""
    setattr(func, DECLARATION, LOCAL)
    return func
