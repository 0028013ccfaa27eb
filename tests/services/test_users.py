from __future__ import annotations

import pytest

from integrita.errors import ConflictError, InputError
from integrita.services.core import users
from integrita.services.core.context import Context


def test_password_is_stored_as_argon2_hash(ctx: Context) -> None:
    users.add_user(ctx, "ana", "Ana Analyst", "correct horse battery", ["analyst"])
    from integrita.store.repositories import users as repo

    with ctx.db.transaction() as session:
        user = repo.get_by_username(session, "ana")
        assert user is not None and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert users.password_matches(user.password_hash, "correct horse battery")
        assert not users.password_matches(user.password_hash, "wrong password!")


def test_unknown_role_is_refused_with_the_known_ones(ctx: Context) -> None:
    with pytest.raises(InputError, match="known roles"):
        users.add_user(ctx, "x", "X", "long enough pw", ["wizard"])


def test_duplicate_username_conflicts(ctx: Context) -> None:
    users.add_user(ctx, "rev", "Rita Reviewer", "long enough pw", ["reviewer"])
    with pytest.raises(ConflictError):
        users.add_user(ctx, "rev", "Other", "long enough pw", ["reviewer"])
