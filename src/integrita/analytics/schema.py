"""The canonical transaction schema as an Arrow schema (built from the domain's column list)."""

from __future__ import annotations

import pyarrow as pa

from integrita.domain.transaction import LEDGER_COLUMNS

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "int64": pa.int64(),
    "bool": pa.bool_(),
}

LEDGER_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field(c.name, _ARROW_TYPES[c.logical_type], nullable=not c.required)
        for c in LEDGER_COLUMNS
    ]
)

#: Evaluation labels, kept apart from the ledger.
LABEL_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("txn_id", pa.string(), nullable=False),
        pa.field("is_laundering", pa.bool_(), nullable=False),
        pa.field("typology", pa.string()),
        pa.field("pattern_id", pa.string()),
    ]
)


def conform(table: pa.Table) -> pa.Table:
    """Select and cast a table's columns to the ledger schema (raises on a missing required column)."""
    missing = [f.name for f in LEDGER_SCHEMA if f.name not in table.column_names and not f.nullable]
    if missing:
        raise ValueError(f"table lacks ledger column(s): {', '.join(missing)}")
    columns = []
    for field in LEDGER_SCHEMA:
        if field.name in table.column_names:
            columns.append(table[field.name].cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=LEDGER_SCHEMA)
