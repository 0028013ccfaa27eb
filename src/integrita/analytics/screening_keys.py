"""The book's screening keys: every customer's blocking keys, stored once, joined on a list change.

Delta screening after a list update must not parse a million customer names again. Each
customer's blocking keys (the same keys the list index is built on) are written when the
customer is screened -- at onboarding, on a change, or by a whole-book run -- as append-only
Parquet segments of ``(customer_id, key, seq)``. A later segment replaces everything an earlier
one said about the same customer (a changed name drops its old keys), so writers never update a
file in place and never wait for one another. After a list change, DuckDB joins the changed
entities' keys against the customers' current keys, and only the customers that meet a changed
entity are scored.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

#: A customer with no usable key still gets a row, so the store knows it was keyed.
NO_KEY = ""
#: Segments beyond this many are folded into one when the store is next written.
COMPACT_AFTER = 64

_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("key", pa.string(), nullable=False),
        pa.field("seq", pa.int64(), nullable=False),
    ]
)

_CURRENT = """
WITH rows AS (SELECT customer_id, key, seq FROM read_parquet($files)),
latest AS (SELECT customer_id, max(seq) AS seq FROM rows GROUP BY customer_id)
SELECT r.customer_id, r.key FROM rows r JOIN latest l USING (customer_id, seq)
"""


class CustomerKeyStore:
    """The blocking keys of every keyed customer, in Parquet segments under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def segments(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(str(p) for p in self.root.glob("*.parquet"))

    def write(self, keyed: Iterable[tuple[str, Iterable[str]]]) -> int:
        """Store the keys of these customers (replacing what was stored for them); returns the
        number of customers written."""
        ids: list[str] = []
        keys: list[str] = []
        customers = 0
        for customer_id, customer_keys in keyed:
            customers += 1
            mine = list(dict.fromkeys(customer_keys)) or [NO_KEY]
            keys.extend(mine)
            ids.extend([customer_id] * len(mine))
        if customers:
            self._write_segment(ids, keys, time.time_ns())
            if len(self.segments()) > COMPACT_AFTER:
                self.compact()
        return customers

    def _write_segment(self, ids: Sequence[str], keys: Sequence[str], seq: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        table = pa.table(
            {"customer_id": ids, "key": keys, "seq": pa.array([seq] * len(ids), pa.int64())},
            schema=_SCHEMA,
        )
        final = self.root / f"{seq:020d}-{uuid.uuid4().hex[:8]}.parquet"
        partial = final.with_suffix(".tmp")
        pq.write_table(table, partial)
        os.replace(partial, final)  # a reader never sees half a segment

    def compact(self) -> None:
        """Fold the segments into one holding each customer's current keys; a segment written
        meanwhile is newer and is left alone."""
        files = self.segments()
        if len(files) < 2:
            return
        with duckdb.connect() as con:
            current = con.execute(_CURRENT, {"files": files}).fetch_arrow_table()
            seq = con.execute("SELECT max(seq) FROM read_parquet($files)", {"files": files})
            top = int(seq.fetchone()[0])  # type: ignore[index]
        self._write_segment(
            current.column("customer_id").to_pylist(), current.column("key").to_pylist(), top
        )
        for path in files:
            Path(path).unlink(missing_ok=True)

    def keyed_customers(self) -> set[str]:
        files = self.segments()
        if not files:
            return set()
        with duckdb.connect() as con:
            rows = con.execute(
                "SELECT DISTINCT customer_id FROM read_parquet($files)", {"files": files}
            ).fetchall()
        return {str(r[0]) for r in rows}

    def meeting(
        self,
        entity_keys: Iterable[tuple[int, str, str]],
        *,
        reading_prefix: str,
        min_shared: int = 2,
        common_share: float = 0.01,
        min_common: int = 50,
    ) -> dict[str, list[int]]:
        """The customers that meet a changed entity, with the entities each meets.

        A pair meets when it shares a ``reading`` (a Chinese reading) or ``characters`` key,
        or at least ``min_shared`` ``word`` and ``sound`` keys -- the list index's blocking
        rule, applied to the whole book in one join (a surname and its sound are two keys, as
        in the index: Carlos Jackson must meet Charles Jackson). Two exceptions keep the join
        from bringing a tenth of the book to be scored for nothing:

        * a key held by more than ``common_share`` of the book (and more than ``min_common``
          customers) counts only when it is a reading or characters (a common surname);
        * when both the customer and the entity read as Chinese names (the customer has a key
          starting with ``reading_prefix``, the entity a ``reading`` key), words and sounds do
          not count: their surname and its sound are all they would share, and the Chinese
          features judge such a pair by its readings, which did not meet.

        ``entity_keys`` holds ``(entity, key, evidence)`` rows."""
        files = self.segments()
        entities, keys, kinds = [], [], []
        for entity, key, kind in entity_keys:
            entities.append(entity)
            keys.append(key)
            kinds.append(kind)
        if not files or not keys:
            return {}
        changed = pa.table({"entity": entities, "key": keys, "kind": kinds})
        sql = f"""
        WITH current AS ({_CURRENT}),
        met AS (SELECT c.customer_id, c.key FROM current c SEMI JOIN changed d ON c.key = d.key),
        book AS (SELECT count(DISTINCT customer_id) AS n FROM current),
        common AS (
            SELECT key FROM met GROUP BY key
            HAVING count(*) > greatest($min_common, (SELECT n FROM book) * $share)
        ),
        readers AS (
            SELECT DISTINCT customer_id FROM current WHERE starts_with(key, $reading_prefix)
        ),
        chinese AS (SELECT DISTINCT entity FROM changed WHERE kind = 'reading'),
        pairs AS (
            SELECT m.customer_id, d.entity,
                   bool_or(d.kind IN ('reading', 'characters')) AS strong,
                   count(*) FILTER (WHERE d.kind IN ('word', 'sound')) AS shared
            FROM met m JOIN changed d ON m.key = d.key
            WHERE d.kind IN ('reading', 'characters') OR m.key NOT IN (SELECT key FROM common)
            GROUP BY m.customer_id, d.entity
        )
        SELECT p.customer_id, p.entity FROM pairs p
        WHERE p.strong OR (
            p.shared >= $min_shared
            AND NOT (
                p.customer_id IN (SELECT customer_id FROM readers)
                AND p.entity IN (SELECT entity FROM chinese)
            )
        )
        ORDER BY p.customer_id, p.entity
        """
        params = {
            "files": files,
            "min_shared": min_shared,
            "share": common_share,
            "min_common": min_common,
            "reading_prefix": reading_prefix,
        }
        found: dict[str, list[int]] = {}
        with duckdb.connect() as con:
            con.register("changed", changed)
            rows = con.execute(sql, params).fetchall()
        for customer_id, entity in rows:
            found.setdefault(str(customer_id), []).append(int(entity))
        return found
