"""Files of a generated bank: canonical CSV/Parquet/JSON lines, the AMLworld CSV, labels, manifest.

Every writer uses fixed options and writes nothing about the moment it ran, so
the same bank gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.domain.money import CURRENCIES
from integrita.domain.transaction import AMLWORLD_HEADER
from integrita.synthetic.batch import AMLWORLD_FORMAT
from integrita.synthetic.text import decimal_text, format_timestamps
from integrita.synthetic.world import CURRENCY_CODES, currency_exponents

#: Dictionary encoding for every column with repeating values; unique ids (txn_id) skip it.
DICTIONARY_COLUMNS = [
    f.name for f in LEDGER_SCHEMA if f.name != "txn_id" and pa.types.is_string(f.type)
]
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 1,
    "row_group_size": 1 << 20,
    "use_dictionary": DICTIONARY_COLUMNS,
    "write_statistics": True,
    "version": "2.6",
}
CSV_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)


def _csv(table: pa.Table, path: Path, header: tuple[str, ...] | None = None) -> None:
    """CSV with our own header line and no quoting (no generated value holds a comma or quote)."""
    names = header if header is not None else tuple(table.column_names)
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(names) + "\n").encode())
        pacsv.write_csv(table, sink, write_options=CSV_OPTIONS)


def write_table_csv(table: pa.Table, path: Path) -> None:
    """A small table (customers, accounts, labels) as CSV."""
    _csv(table, path)


def write_ledger_parquet(ledger: pa.Table, path: Path) -> None:
    """The canonical ledger as one Parquet file, with options fixed for byte-identical output."""
    pq.write_table(ledger, path, **PARQUET_OPTIONS)


def _canonical_text(ledger: pa.Table, booked_seconds: npt.NDArray[np.int64]) -> pa.Table:
    columns = [
        format_timestamps(booked_seconds, "iso") if name == "booked_at" else ledger[name]
        for name in ledger.column_names
    ]
    return pa.Table.from_arrays(columns, names=ledger.column_names)


def write_canonical_csv(
    ledger: pa.Table, booked_seconds: npt.NDArray[np.int64], path: Path
) -> None:
    """Canonical columns as CSV: ``booked_at`` as ISO-8601 UTC, amounts as integer minor units."""
    _csv(_canonical_text(ledger, booked_seconds), path)


def write_jsonl(ledger: pa.Table, booked_seconds: npt.NDArray[np.int64], path: Path) -> None:
    """Canonical columns as JSON lines, built column-wise (values never need escaping)."""
    step = 500_000
    with pa.OSFile(str(path), "wb") as sink:
        for start in range(0, ledger.num_rows, step):
            table = _canonical_text(ledger.slice(start, step), booked_seconds[start : start + step])
            pieces: list[pa.Array | str] = []
            for i, name in enumerate(table.column_names):
                column = table[name].combine_chunks()
                if pa.types.is_string(column.type):
                    text = pc.binary_join_element_wise('"', column, '"', "")
                else:
                    text = column.cast(pa.string())
                pieces.append(("{" if i == 0 else ",") + f'"{name}":')
                pieces.append(pc.fill_null(text, "null"))
            pieces.append("}\n")
            lines = pc.binary_join_element_wise(*pieces, "")
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
            first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
            sink.write(lines.buffers()[2][first:last])


#: The ledger columns the AMLworld layout is made from (amounts and times come as arrays).
AMLWORLD_LEDGER_COLUMNS = frozenset(
    {"from_bank", "from_account", "to_bank", "to_account", "payment_format"}
)


def amlworld_table(
    ledger: pa.Table,
    booked_seconds: npt.NDArray[np.int64],
    paid_minor: npt.NDArray[np.int64],
    paid_currency: npt.NDArray[np.int16],
    received_minor: npt.NDArray[np.int64],
    received_currency: npt.NDArray[np.int16],
    is_laundering: npt.NDArray[np.bool_],
) -> pa.Table:
    """The ledger in IBM AMLworld's column layout (columns in file order, positional names)."""
    exponents = currency_exponents()
    names = pa.array([CURRENCIES[c].names[0] for c in CURRENCY_CODES], type=pa.string())
    fmt = ledger["payment_format"].combine_chunks()
    aml_format = pa.array(list(AMLWORLD_FORMAT.values()), type=pa.string()).take(
        pc.index_in(fmt, pa.array(list(AMLWORLD_FORMAT.keys()), type=pa.string()))
    )
    return pa.Table.from_arrays(
        [
            format_timestamps(booked_seconds, "amlworld"),
            ledger["from_bank"],
            ledger["from_account"],
            ledger["to_bank"],
            ledger["to_account"],
            decimal_text(received_minor, exponents[received_currency]),
            names.take(pa.array(received_currency)),
            decimal_text(paid_minor, exponents[paid_currency]),
            names.take(pa.array(paid_currency)),
            aml_format,
            pa.array(is_laundering.astype(np.int8)),
        ],
        names=[f"c{i}" for i in range(len(AMLWORLD_HEADER))],
    )


def write_amlworld(table: pa.Table, path: Path) -> None:
    """The AMLworld CSV with its exact header (two columns are both called ``Account``)."""
    _csv(table, path, AMLWORLD_HEADER)


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
