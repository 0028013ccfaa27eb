"""Evaluation labels, stored apart from the ledger so detection never reads them.

Each append writes a new Parquet file holding only labels for transactions not
labelled before; reading returns one row per ``txn_id``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from integrita.analytics.schema import LABEL_SCHEMA


class LabelStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def files(self) -> list[Path]:
        return sorted(self.root.glob("labels-*.parquet")) if self.root.exists() else []

    def _known(self, con: duckdb.DuckDBPyConnection) -> str:
        files = self.files()
        if not files:
            return "(SELECT CAST(NULL AS VARCHAR) AS txn_id WHERE false)"
        return "read_parquet([" + ", ".join(f"'{f}'" for f in files) + "])"

    def append(self, table: pa.Table) -> int:
        """Store labels for transactions not yet labelled; returns how many were new."""
        if table.num_rows == 0:
            return 0
        table = table.select(LABEL_SCHEMA.names).cast(LABEL_SCHEMA)
        with duckdb.connect() as con:
            con.register("incoming", table)
            fresh = con.execute(
                f"SELECT * FROM incoming i WHERE NOT EXISTS (SELECT 1 FROM {self._known(con)} k WHERE k.txn_id = i.txn_id) "
                "QUALIFY row_number() OVER (PARTITION BY i.txn_id) = 1"
            ).fetch_arrow_table()
        if fresh.num_rows:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = self.root / f".tmp-{uuid.uuid4().hex}.parquet"
            pq.write_table(fresh.cast(LABEL_SCHEMA), tmp)
            tmp.replace(self.root / f"labels-{uuid.uuid4().hex}.parquet")
        return int(fresh.num_rows)

    def read(self) -> pa.Table:
        files = self.files()
        if not files:
            return pa.Table.from_pylist([], schema=LABEL_SCHEMA)
        return (
            pq.read_table(files, schema=LABEL_SCHEMA)
            if len(files) == 1
            else pa.concat_tables([pq.read_table(f, schema=LABEL_SCHEMA) for f in files])
        )

    def count(self) -> int:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in self.files())
