"""Two query engines over the same Parquet ledger: DuckDB (default) and Apache Spark.

Detection writes every definition once, as SQL in the dialect both engines share
(ANSI joins, window functions with numeric ``RANGE`` frames, ``CASE``, ``concat``,
``FLOOR``, ``CAST``). What differs between the engines — how the ledger is
mounted, how seconds since the epoch are computed, how an intermediate result is
materialised — lives here and nowhere else.

Every engine exposes the view ``txn``: the ledger rows booked in the scan range,
with ``ts`` (seconds since the epoch, UTC), ``day`` (days since the epoch) and the
amount paid valued in CNY and in USD minor units at the dated exchange rate.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

import pyarrow as pa

from integrita.analytics.ledger import PARTITION_KEY, Ledger
from integrita.settings import Settings

#: Rows per Arrow batch of :meth:`QueryEngine.query_batches` (a few MB of a wide feature row).
BATCH_ROWS = 65_536

#: Columns of the registered FX table (see :func:`fx_table`).
FX_SCHEMA = pa.schema(
    [
        pa.field("currency", pa.string(), nullable=False),
        pa.field("valid_from", pa.int64(), nullable=False),
        pa.field("valid_to", pa.int64(), nullable=False),
        pa.field("cny_factor", pa.decimal128(17, 10), nullable=False),
        pa.field("usd_factor", pa.decimal128(17, 10), nullable=False),
    ]
)

_TXN_VIEW = """
SELECT l.txn_id, l.booked_at, {epoch} AS ts, CAST(FLOOR({epoch} / 86400) AS BIGINT) AS day,
       l.channel, l.kind, l.from_bank, l.from_account, l.to_bank, l.to_account,
       l.amount_paid_minor, l.paid_currency, l.amount_received_minor, l.received_currency,
       l.payment_format, l.counterparty_type, l.cross_border, l.from_country, l.to_country,
       CAST(ROUND(CAST(l.amount_paid_minor AS DECIMAL(20, 0)) * f.cny_factor, 0) AS BIGINT)
           AS amount_cny_minor,
       CAST(ROUND(CAST(l.amount_paid_minor AS DECIMAL(20, 0)) * f.usd_factor, 0) AS BIGINT)
           AS amount_usd_minor
FROM ledger AS l
LEFT JOIN fx AS f
  ON f.currency = l.paid_currency AND {epoch} >= f.valid_from AND {epoch} < f.valid_to
WHERE l.{partition} >= DATE '{first_day}' AND l.{partition} <= DATE '{last_day}'
  AND {epoch} >= {start_ts} AND {epoch} < {end_ts}
"""


@dataclass(frozen=True, slots=True)
class ScanRange:
    """The transactions an engine exposes as ``txn``: booked in [start, end)."""

    start: datetime
    end: datetime

    @property
    def start_ts(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_ts(self) -> int:
        return int(self.end.timestamp())


class QueryEngine(Protocol):
    """What detection needs from an engine: tables in, SQL run, Arrow out."""

    name: str

    def register(self, name: str, table: pa.Table) -> None: ...

    def stage(self, name: str, sql: str) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def query_batches(self, sql: str, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]: ...

    def drop(self, name: str) -> None: ...

    def close(self) -> None: ...


def _txn_view_sql(epoch: str, scan: ScanRange) -> str:
    return _TXN_VIEW.format(
        epoch=epoch,
        partition=PARTITION_KEY,
        first_day=scan.start.astimezone(UTC).date().isoformat(),
        last_day=scan.end.astimezone(UTC).date().isoformat(),
        start_ts=scan.start_ts,
        end_ts=scan.end_ts,
    )


class DuckDBEngine:
    """DuckDB in process over the ledger's Parquet files; stages are temporary tables.

    ``txn`` is read from Parquet and valued at the dated rates once, into a temporary
    table: every detector scans it again, and re-reading the files and re-joining the
    rate periods each time cost more than all the detectors' own work.
    """

    name = "duckdb"

    def __init__(self, ledger: Ledger, scan: ScanRange, fx: pa.Table) -> None:
        self.con = ledger.connect()
        self.register("fx", fx)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE txn AS "
            + _txn_view_sql("CAST(epoch(l.booked_at) AS BIGINT)", scan)
        )

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(f"_arrow_{name}", table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _arrow_{name}")
        self.con.unregister(f"_arrow_{name}")

    def stage(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.con.execute(sql).fetch_arrow_table()

    def query_batches(self, sql: str, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The result in batches as DuckDB produces them: never the whole result at once."""
        yield from self.con.execute(sql).fetch_record_batch(rows)

    def drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        self.con.close()


_SPARK: Any = None

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True, slots=True)
class SparkConfig:
    """Where Spark runs and what it may use.

    ``master`` is ``local[N]`` (the driver is the only executor) or a cluster URL such as
    ``spark://host:7077``. ``ledger_uri`` is where the *executors* read the Parquet ledger
    when it is not the driver's local path — shared storage every worker sees, e.g.
    ``s3a://bank-ledger/ledger`` or ``hdfs://nn:8020/integrita/ledger``; integrita writes the
    ledger through its local path (a mount of that storage) and Spark reads the same files.
    """

    master: str = "local[2]"
    driver_memory: str = "4g"
    executor_memory: str = "2g"
    ledger_uri: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, master: str | None = None) -> SparkConfig:
        """The configured Spark, with ``master`` (e.g. from ``--master``) taking precedence."""
        return cls(
            master=master or settings.spark_master,
            driver_memory=settings.spark_driver_memory,
            executor_memory=settings.spark_executor_memory,
            ledger_uri=settings.spark_ledger_uri,
        )

    @property
    def on_loopback(self) -> bool:
        """A local master, or a cluster whose master listens on this machine's loopback."""
        if self.master.startswith("local"):
            return True
        host = self.master.split("://", 1)[-1].rsplit(":", 1)[0]
        return host in _LOOPBACK_HOSTS


def spark_session(
    master: str | SparkConfig,
    *,
    shuffle_partitions: int = 8,
    app_name: str = "integrita",
    driver_memory: str = "4g",
) -> Any:
    """One Spark session per process (bound to loopback for local and loopback masters).

    In local mode the driver is the only executor, so ``driver_memory`` is what holds
    the cached ledger (Spark's own default of 1 GB does not hold a few million rows). On a
    cluster the executors hold it, each with ``executor_memory``.
    """
    global _SPARK  # noqa: PLW0603 - a JVM per process is the point
    if _SPARK is not None:
        return _SPARK
    from pyspark.sql import SparkSession

    config = master if isinstance(master, SparkConfig) else SparkConfig(master, driver_memory)
    builder = SparkSession.builder.master(config.master).appName(app_name)
    if config.on_loopback:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    if not config.master.startswith("local"):
        builder = builder.config("spark.executor.memory", config.executor_memory)
    _SPARK = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # the CLI shows its own progress
        .config("spark.driver.memory", config.driver_memory)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


class SparkEngine:
    """Apache Spark over the same Parquet files; ``txn`` is a cached table, every stage a local
    checkpoint.

    ``txn`` is cached once (as DuckDB materialises it), so that each detector's job
    reads memory rather than the Parquet files and the rate join again. A stage is computed
    once and kept on the executors (``localCheckpoint``) with its plan cut: a later query reads
    it as a scan of its rows. A lazy view is recomputed wherever it is referenced (a six-hop
    cycle recomputed its first hop dozens of times: the parity test took 283 s with views),
    and a cached table (``CACHE TABLE``) still carries the plan of every stage it reads, which
    Spark analyses, optimises and matches against the cache again at every query: the plan of
    the graph features' sixth path stage held the five before it, and the cycle stage all of
    them: tens of seconds a stage on a ledger of a hundred rows. A checkpointed stage also
    outlives the stages it was built from, so each may be dropped once read. The price: a
    stage lost with its executor is not recomputed, the run fails and is rerun.
    """

    name = "spark"

    def __init__(
        self,
        spark: Any,
        ledger: Ledger,
        scan: ScanRange,
        fx: pa.Table,
        ledger_uri: str | None = None,
    ) -> None:
        self.spark = spark
        self._staged: dict[str, Any] = {}
        self._registered: list[str] = []
        self.register("fx", fx)
        files = ledger.live_names()
        if files:
            # the listed files, not the directory: a merge of small files keeps the ones it
            # replaced on disk for a while (see analytics.ledger_files)
            root = (ledger_uri or str(ledger.root)).rstrip("/")
            frame = spark.read.option("basePath", root).parquet(*(f"{root}/{f}" for f in files))
        else:
            from integrita.analytics.schema import LEDGER_SCHEMA

            empty = pa.Table.from_pylist([], schema=LEDGER_SCHEMA).append_column(
                PARTITION_KEY, pa.array([], pa.date32())
            )
            frame = spark.createDataFrame(empty, schema=_spark_schema(empty.schema))
        frame.createOrReplaceTempView("ledger")
        spark.sql(
            "CREATE OR REPLACE TEMPORARY VIEW txn AS "
            + _txn_view_sql("unix_timestamp(l.booked_at)", scan)
        )
        spark.sql("CACHE TABLE txn")

    def register(self, name: str, table: pa.Table) -> None:
        frame = self.spark.createDataFrame(table, schema=_spark_schema(table.schema))
        frame.createOrReplaceTempView(name)
        self._registered.append(name)

    def stage(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).localCheckpoint(eager=True)
        self.drop(name)
        frame.createOrReplaceTempView(name)
        self._staged[name] = frame

    def query(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def query_batches(self, sql: str, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The result in batches (collected to the driver first: Spark's Arrow export is whole)."""
        yield from self.query(sql).to_batches(max_chunksize=rows)

    def drop(self, name: str) -> None:
        frame = self._staged.pop(name, None)
        self.spark.catalog.dropTempView(name)
        if frame is not None:  # the checkpoint's blocks, now read by nothing
            frame._jdf.queryExecution().logical().rdd().unpersist(False)

    def close(self) -> None:
        for name in [*reversed(list(self._staged)), "txn", "ledger", *self._registered]:
            self.drop(name)
        self._staged.clear()
        self._registered.clear()


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as st

    mapping: dict[str, Any] = {
        "string": st.StringType(),
        "large_string": st.StringType(),
        "int64": st.LongType(),
        "int32": st.IntegerType(),
        "bool": st.BooleanType(),
        "double": st.DoubleType(),
        "date32[day]": st.DateType(),
    }
    fields = []
    for field in schema:
        key = str(field.type)
        if pa.types.is_decimal(field.type):
            spark_type: Any = st.DecimalType(field.type.precision, field.type.scale)
        elif pa.types.is_timestamp(field.type):
            spark_type = st.TimestampType()
        else:
            spark_type = mapping[key]
        fields.append(st.StructField(field.name, spark_type, True))
    return st.StructType(fields)


def open_engine(
    kind: str,
    ledger: Ledger,
    scan: ScanRange,
    fx: pa.Table,
    *,
    spark_config: SparkConfig | None = None,
    spark: Any = None,
) -> QueryEngine:
    """An engine of ``kind`` ("duckdb" or "spark") exposing ``txn`` for ``scan``."""
    if kind == "duckdb":
        return DuckDBEngine(ledger, scan, fx)
    if kind == "spark":
        config = spark_config or SparkConfig()
        session = spark or spark_session(config)
        return SparkEngine(session, ledger, scan, fx, config.ledger_uri)
    raise ValueError(f"unknown engine {kind!r}: use duckdb or spark")


def ledger_bounds(ledger: Ledger) -> tuple[datetime, datetime] | None:
    """First and last booking time in the ledger (None when empty)."""
    with ledger.connect() as con:
        row = con.execute(
            "SELECT epoch_us(min(booked_at)), epoch_us(max(booked_at)) FROM ledger"
        ).fetchone()
    if row is None or row[0] is None:
        return None
    first, last = (datetime.fromtimestamp(v / 1_000_000, UTC) for v in row)
    return first, last


def partition_files(ledger: Ledger) -> dict[str, int]:
    """Partition name -> number of Parquet files, so a run can tell what is new."""
    counts: dict[str, int] = {}
    for file in ledger.files():
        counts[file.parent.name] = counts.get(file.parent.name, 0) + 1
    return counts


def day_of_partition(name: str) -> date:
    return date.fromisoformat(name.split("=", 1)[1])


def fx_table(rows: list[tuple[str, int, int, str, str]]) -> pa.Table:
    """Build the FX table from (currency, valid_from_ts, valid_to_ts, cny_factor, usd_factor)."""
    from decimal import Decimal

    return pa.Table.from_pylist(
        [
            {
                "currency": c,
                "valid_from": f,
                "valid_to": t,
                "cny_factor": Decimal(cny),
                "usd_factor": Decimal(usd),
            }
            for c, f, t, cny, usd in rows
        ],
        schema=FX_SCHEMA,
    )


__all__ = [
    "DuckDBEngine",
    "QueryEngine",
    "ScanRange",
    "SparkConfig",
    "SparkEngine",
    "day_of_partition",
    "fx_table",
    "ledger_bounds",
    "open_engine",
    "partition_files",
    "spark_session",
]
