"""What the demo calls: the case-work people (with generated passwords) and cases from alerts."""

from __future__ import annotations

import secrets

from integrita.errors import ConflictError
from integrita.services.casework import cases
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.core.permissions import SYSTEM_ACTOR

#: Shown instead of a password for a person created by an earlier demo run.
UNCHANGED = "(unchanged)"

#: One person per role the workbench serves.
DEMO_PEOPLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("analyst", "Ana Analyst", ("analyst",)),
    ("reviewer", "Rui Reviewer", ("reviewer",)),
    ("mlro", "Mei MLRO", ("mlro",)),
    ("auditor", "Aud Auditor", ("auditor",)),
    ("admin", "Ada Administrator", ("administrator",)),
    ("business", "Bo Business", ("business_approver",)),
    ("technology", "Tia Technology", ("technology_approver",)),
)


def create_demo_users(ctx: Context) -> list[tuple[str, str, tuple[str, ...]]]:
    """Create the demo people with fresh random passwords; returns (username, password, roles).

    A person who already exists keeps their password and is listed with ``"(unchanged)"``.
    """
    created = []
    for username, display_name, roles in DEMO_PEOPLE:
        password = secrets.token_urlsafe(12)
        try:
            users.add_user(ctx, username, display_name, password, roles, actor="demo")
        except ConflictError:
            password = UNCHANGED
        created.append((username, password, roles))
    return created


def open_cases_from_alerts(ctx: Context) -> int:
    """Gather detection's new alerts into cases, as the batch job does (the system actor)."""
    return cases.open_cases_from_alerts(ctx, actor=SYSTEM_ACTOR.username).cases_opened
