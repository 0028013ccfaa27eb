"""The permission policy as services, routes, pages and the CLI use it.

One question, asked everywhere the same way: may this actor exercise this permission? The
answer comes from the one table in :mod:`integrita.domain.permissions`; the refusal message
names the permission and the roles that hold it.
"""

from __future__ import annotations

from typing import Protocol

from integrita.domain.permissions import Permission, roles_for
from integrita.domain.workflow import Actor
from integrita.errors import PermissionDeniedError


class HasRoles(Protocol):
    """A signed-in person, an API system or a job: anything that acts with roles."""

    @property
    def username(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...


#: Batch jobs that need no person act as this named system actor; it holds no role, so it can
#: approve, sign or verify nothing.
SYSTEM_ACTOR = Actor("system:batch", frozenset(), is_system=True)


def permitted(user: HasRoles, permission: Permission) -> bool:
    return bool({r.value for r in roles_for(permission)} & set(user.roles))


def ensure_permitted(user: HasRoles, permission: Permission) -> None:
    """Raise :class:`PermissionDeniedError` unless ``user`` holds a role with ``permission``."""
    if not permitted(user, permission):
        needs = ", ".join(sorted(r.value for r in roles_for(permission)))
        raise PermissionDeniedError(
            f"{user.username}: '{permission.value}' needs one of the roles: {needs}"
        )


def as_actor(user: HasRoles) -> Actor:
    """The workflow's view of a user: name and the roles held now."""
    if isinstance(user, Actor):
        return user
    return Actor(user.username, frozenset(user.roles))
