"""The book's blocking keys, kept beside the book so a list change screens only who it concerns.

Every customer screened (at onboarding, on a change, in a whole-book run) has its blocking keys
written to the key store (:mod:`integrita.analytics.screening_keys`). After a list update the
changed entities' keys are joined against them: only the customers that meet a changed entity
are read and scored. A customer the store has never seen (a book loaded before keys were kept)
is keyed first, so nobody is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from integrita.analytics.screening_keys import CustomerKeyStore
from integrita.detection.screening.index import READING_PREFIX, BlockingIndex, subject_keys
from integrita.domain.screening import Subject
from integrita.services.core.context import Context
from integrita.services.screening.subjects import customer_subject
from integrita.store.repositories import screening as repo

#: Customers keyed per database read when the store catches up with the book.
BATCH = 5_000


def key_store(ctx: Context) -> CustomerKeyStore:
    return CustomerKeyStore(ctx.settings.data_dir / "screening" / "customer-keys")


def record_keys(ctx: Context, subjects: Iterable[Subject]) -> int:
    """Store the blocking keys of these customers (their reference is the customer id)."""
    return key_store(ctx).write(
        (s.reference or s.name, subject_keys(s)) for s in subjects if s.reference
    )


def key_missing_customers(ctx: Context) -> int:
    """Key every customer of the book the store does not know yet; returns how many."""
    store = key_store(ctx)
    known = store.keyed_customers()
    with ctx.db.transaction() as session:
        missing = sorted(set(repo.customer_ids(session)) - known)
        for start in range(0, len(missing), BATCH):
            rows = repo.customers(session, missing[start : start + BATCH])
            record_keys(ctx, (customer_subject(r) for r in rows))
    return len(missing)


def customers_meeting(ctx: Context, changed: BlockingIndex) -> dict[str, list[int]]:
    """The customers that meet an entity of ``changed`` (the delta of a list update) -- a
    shared Chinese reading or characters, or two shared words and sounds -- with the entries
    of ``changed`` each meets: the only pairs worth scoring."""
    key_missing_customers(ctx)
    return key_store(ctx).meeting(changed.entity_keys(), reading_prefix=READING_PREFIX)
