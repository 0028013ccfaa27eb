"""The customer's name beside the id on queues and record pages, masked for roles that need none.

Analysts, reviewers, the MLRO and complaint handlers act on a person and need the name
(:attr:`Permission.CUSTOMER_NAME_READ`); quality assurance, auditors and administrators work from
the id, and see a masked name that confirms they have the right record without disclosing who it
is ("Z** W**", "张*").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from integrita.domain.permissions import Permission
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, permitted
from integrita.store.repositories import customers as customers_repo


def _wide(char: str) -> bool:
    """A CJK character (each one is a syllable of the name, so each is masked on its own)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def mask(name: str) -> str:
    """Each word keeps its first character: Latin words end in ``**`` (their length hidden),
    Chinese, Japanese and Korean names get one ``*`` per further character ("张*", "张**")."""
    words = []
    for word in name.split():
        rest = word[1:]
        if not rest:
            words.append(word)
        elif any(_wide(c) for c in rest):
            words.append(word[0] + "*" * len(rest))
        else:
            words.append(word[0] + "**")
    return " ".join(words)


def shown(user: HasRoles, name: str) -> str:
    """A name already at hand (e.g. a screened subject's) as this person may see it."""
    return name if permitted(user, Permission.CUSTOMER_NAME_READ) else mask(name)


def names_for(ctx: Context, user: HasRoles, customer_ids: Iterable[str | None]) -> dict[str, str]:
    """Customer id → the name this person may see (full or masked); unknown ids are left out."""
    ids = [c for c in customer_ids if c]
    if not ids:
        return {}
    with ctx.db.transaction() as session:
        names = customers_repo.names_of(session, ids)
    return {customer_id: shown(user, name) for customer_id, name in names.items()}
