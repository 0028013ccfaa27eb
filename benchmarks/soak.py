"""Soak: the real-time path, the outbox and the ledger stream together for a long run; prints
one JSON object.

Started on 127.0.0.1, each in its own process: ``integrita serve --workers N`` on a fresh
PostgreSQL database (or ``--database-url``), ``integrita outbox dispatch --follow`` against the
local SMS gateway (``integrita.demo.sms_gateway``), and ``integrita stream consume`` on a fresh
JetStream stream. Then, for ``--minutes``:

* ``--rate`` payments/s through the HTTP decision API from ``--accounts`` paying accounts (a
  bank's population: each keeps a rolling state of its recent payments), open loop (the load
  generator of ``benchmarks/realtime.py``, a new client process each minute); the payments the rule set
  decides ``notify`` or ``verify`` queue payment notices and one-time codes (``outbox_created``
  in each minute's row says how many);
* ``--stream-rate`` executed transactions/s published to the stream (the publisher of
  ``benchmarks/stream.py``).

Each minute it records request p50/p99 and the achieved rate, the RSS of every process (and of
each API worker), the processor share of each process, of PostgreSQL's processes together and the
machine's busy and I/O-wait time (``cpu_percent``, 100 = one core; ``other`` is the machine less
the processes named: the payment client, NATS, the kernel), PostgreSQL's checkpoints in the
minute and its tables' dead rows (``dead_rows``; with the server's autovacuum off the soak
vacuums those tables each minute in its place, ``--vacuum``), the outbox lag (messages waiting,
age of the oldest), the stream lag (published, not yet in the ledger) and the ledger's files.
The verdict (``benchmarks/soak_verdict.py``): memory slope per process in MB/min after the first
minute, flat within ``--flat-mb-per-min`` (the gateway and this driver are reported, not judged);
a lag grew if its slope over the last half of the run exceeds 1 % of its inflow per minute (1
s/min for the oldest message's age); the payment API kept up if every minute answered 98 % of
``--rate`` or more, and its queue grew if the p50 rose more than 2 ms/min over the last half;
at the end the publisher stops, the consumer drains the stream, and every transaction published
must be stored (once). PostgreSQL's memory is not measured.

Usage: ``PYTHONPATH=src:. .venv/bin/python benchmarks/soak.py [--minutes 30] [--rate 500]
[--stream-rate 2000] [--workers 1] [--accounts 200000] [--database-url URL] [--chart soak.png]
[--vacuum auto]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realtime
from outbox import _cpu_seconds as process_cpu_seconds
from outbox import _dispatcher, _gateway
from soak_verdict import verdict
from stream import _rows, drop_stream, ensure_stream

#: processes measured but not judged: the stand-in gateway keeps every idempotency key it was
#: sent (its memory grows with the messages by design), and this benchmark's own process
HARNESS = ("sms-gateway", "soak-driver")

try:  # RSS from psutil where it is installed, else from /proc
    import psutil
except ImportError:
    psutil = None


# -- memory of the processes -------------------------------------------------------------------
def _rss_mb(pid: int) -> float | None:
    if psutil is not None:
        try:
            return float(psutil.Process(pid).memory_info().rss) / 2**20
        except psutil.Error:
            return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:  # the process has ended
        return None
    return None


def _descendants(pid: int) -> list[int]:
    if psutil is not None:
        try:
            return sorted(c.pid for c in psutil.Process(pid).children(recursive=True))
        except psutil.Error:
            return []
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return sorted(found)


def _memory(processes: dict[str, int], with_children: tuple[str, ...]) -> dict[str, float]:
    """RSS in MB of each process, and of each child of those ``with_children`` (``api/<pid>``:
    a worker of the API server, beside its supervisor)."""
    rss: dict[str, float] = {}
    for name, pid in processes.items():
        children = _descendants(pid) if name in with_children else []
        for label, each in [(name, pid)] + [(f"{name}/{c}", c) for c in children]:
            mb = _rss_mb(each)
            if mb is not None:
                rss[label] = round(mb, 1)
    return rss


# -- processor time ------------------------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """User + system processor seconds a process has used so far (None once it has ended)."""
    try:
        return process_cpu_seconds(pid)
    except OSError:
        return None


def _postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends, writers, checkpointer)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def _cpu(processes: dict[str, int], with_children: tuple[str, ...]) -> dict[str, float]:
    """Processor seconds used so far by each process (its children summed in, for the API's
    workers), by PostgreSQL's processes together (``postgresql``: backends come and go, so the
    figure is of the ones alive now), and by the machine: ``machine`` (busy) and ``iowait``."""
    used: dict[str, float] = {}
    for name, pid in processes.items():
        pids = [pid] + (_descendants(pid) if name in with_children else [])
        seconds = [s for s in map(_cpu_seconds, pids) if s is not None]
        if seconds:
            used[name] = sum(seconds)
    used["postgresql"] = sum(s for s in map(_cpu_seconds, _postgres_pids()) if s is not None)
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = ticks[3], ticks[4]
    used["machine"] = (sum(ticks[:8]) - idle - iowait) / _TICK
    used["iowait"] = iowait / _TICK
    return used


def _cpu_percent(
    before: dict[str, float], after: dict[str, float], seconds: float
) -> dict[str, float]:
    """Per process, percent of one core over the interval (200 is both cores of this machine)."""
    share = {
        name: round(100 * (after[name] - before[name]) / seconds, 1)
        for name in after
        if name in before and after[name] >= before[name]
    }
    if "machine" in share:  # the payment client, NATS, the kernel and anything else running
        named = sum(v for k, v in share.items() if k not in ("machine", "iowait"))
        share["other"] = round(share["machine"] - named, 1)
    return share


def _database_activity(db: Any) -> dict[str, Any]:
    """PostgreSQL's counters the payment path's latency depends on: checkpoints so far, and the
    dead rows of the three tables with most of them (with autovacuum off nothing removes them)."""
    with db.engine.connect() as connection:
        timed, requested = connection.exec_driver_sql(
            "SELECT checkpoints_timed, checkpoints_req FROM pg_stat_bgwriter"
        ).one()
        dead = connection.exec_driver_sql(
            "SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables "
            "ORDER BY n_dead_tup DESC LIMIT 3"
        ).all()
    return {
        "checkpoints": int(timed) + int(requested),
        "dead_rows": {name: {"live": int(live), "dead": int(d)} for name, live, d in dead},
    }


def _vacuum(db: Any, at_least: int = 1000) -> list[str]:
    """What autovacuum would do on a production server: VACUUM (ANALYZE) the tables with dead
    rows. The PostgreSQL of the machines measured here runs with autovacuum off, and without
    it the outbox's table keeps every superseded row version of a run (each message is written
    three times: pending, sending, delivered)."""
    with db.engine.connect() as connection:
        tables = [
            str(name)
            for (name,) in connection.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup >= %(n)s",
                {"n": at_least},
            )
        ]
    if tables:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.exec_driver_sql(f'VACUUM (ANALYZE) "{table}"')
    return tables


# -- lags ----------------------------------------------------------------------------------------
def _outbox_lag(db: Any) -> dict[str, Any]:
    """Messages created so far, those waiting (pending or being sent) and the oldest one's age."""
    from sqlalchemy import func, select

    from integrita.store.models.realtime import OutboxMessage

    with db.transaction() as session:
        created = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        waiting, oldest = session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status.in_(("pending", "sending"))
            )
        ).one()
    age = 0.0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
    return {"created": int(created), "waiting": int(waiting), "oldest_age_s": round(age, 2)}


async def _stream_lag(settings: Any) -> dict[str, int | None]:
    from integrita.services.ingest import stream

    try:
        lag = await asyncio.wait_for(stream._lag(settings), timeout=5)
    except Exception:  # NATS busy or gone: a gap in the series, not the end of the run
        lag = None
    if lag is None:
        return {"stream_lag": None, "stream_pending": None, "stream_unacknowledged": None}
    return {
        "stream_lag": lag.pending + lag.unacknowledged,
        "stream_pending": lag.pending,
        "stream_unacknowledged": lag.unacknowledged,
    }


def _ledger_files(settings: Any) -> int:
    """Parquet files the ledger's readers open (the consumer merges a day's small files)."""
    from integrita.analytics.ledger import Ledger

    return len(Ledger(settings.resolved_ledger_dir).files())


# -- load ------------------------------------------------------------------------------------------
class Publisher:
    """Executed transactions at a steady rate; behind schedule it catches up a second at most
    per round, so ``published`` shows the rate NATS actually took.

    Plain NATS publishes to the stream's subject, flushed each round (the stream stores them
    as it would a JetStream publish): waiting for JetStream's acknowledgement of each message
    cost this driver about 125 µs of processor a message, a third of a core at 2,000/s taken
    from the processes under test on a two-core machine (4 µs a message this way). That every
    message published was stored is checked at the end: published against the consumer's
    stored count and the lag."""

    def __init__(self, url: str, subject: str, rate: float) -> None:
        self.url, self.subject, self.rate = url, subject, rate
        self.published = 0
        self._stopping = False

    def stop(self) -> None:
        """End after the current round; everything counted as published is flushed first."""
        self._stopping = True

    async def run(self) -> None:
        import nats

        nc = await nats.connect(self.url)
        began = time.perf_counter()
        try:
            while not self._stopping:
                due = int(self.rate * (time.perf_counter() - began)) - self.published
                count = min(due, max(1, int(self.rate)))
                if count > 0:
                    for row in _rows(count, self.published):
                        await nc.publish(self.subject, row)
                    await nc.flush()
                    self.published += count
                await asyncio.sleep(0.1)
        finally:
            await nc.close()


async def _drained(settings: Any, within_s: float = 180.0) -> bool:
    """Wait until the consumer has appended everything on the stream (lag 0)."""
    ends = time.monotonic() + within_s
    while time.monotonic() < ends:
        if (await _stream_lag(settings))["stream_lag"] == 0:
            return True
        await asyncio.sleep(1.0)
    return False


async def _payments(
    base: str, token: str, rate: float, seconds: float, prefix: str, accounts: int
) -> Any:
    """One paced run of realtime.py's load generator over ``accounts`` paying accounts, in a
    process of its own."""
    client = await asyncio.create_subprocess_exec(
        sys.executable,
        realtime.__file__,
        "--client",
        base,
        token,
        str(rate),
        str(seconds),
        prefix,
        str(accounts),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await client.communicate()
    if client.returncode:
        raise RuntimeError(f"load generator failed: {err.decode()[-2000:]}")
    return json.loads(out)


# -- the run ---------------------------------------------------------------------------------------
async def _soak(
    args: argparse.Namespace,
    base: str,
    token: str,
    db: Any,
    settings: Any,
    processes: dict[str, int],
    url: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The per-minute rows, and the stream's end: everything published (warm-up included) and
    whether the consumer appended all of it within three minutes of the publisher stopping."""
    publisher = Publisher(settings.nats_url, settings.stream_subject, args.stream_rate)
    publishing = asyncio.create_task(publisher.run())
    try:
        if args.warmup_seconds > 0:
            # the decision tables get rows before the planner's statistics are taken, as in a
            # running bank (see realtime._analyze)
            await _payments(base, token, args.rate, args.warmup_seconds, "skw", args.accounts)
            await asyncio.to_thread(realtime._analyze, url)
        rows: list[dict[str, Any]] = []
        before = await asyncio.to_thread(_outbox_lag, db)
        published_before, started = publisher.published, time.perf_counter()
        cpu_before = _cpu(processes, with_children=("api",))
        checkpoints_before = (await asyncio.to_thread(_database_activity, db))["checkpoints"]
        for minute in range(1, args.minutes + 1):
            load = await _payments(base, token, args.rate, 60.0, f"sk{minute:03d}", args.accounts)
            if publishing.done():
                publishing.result()  # raises what stopped the publisher
            outbox = await asyncio.to_thread(_outbox_lag, db)
            now, published = time.perf_counter(), publisher.published
            cpu_now = _cpu(processes, with_children=("api",))
            database = await asyncio.to_thread(_database_activity, db)
            vacuumed = await asyncio.to_thread(_vacuum, db) if args.vacuum else []
            row = {
                "minute": minute,
                "requests": load["requests"],
                "errors": load["errors"],
                "dropped": load["dropped"],
                "achieved_per_s": load["decisions_per_s"],
                "p50_ms": load["p50_ms"],
                "p99_ms": load["p99_ms"],
                "stream_published": published - published_before,
                "stream_published_per_s": round((published - published_before) / (now - started)),
                **await _stream_lag(settings),
                "ledger_files": await asyncio.to_thread(_ledger_files, settings),
                "outbox_created": outbox["created"] - before["created"],
                "outbox_waiting": outbox["waiting"],
                "outbox_oldest_age_s": outbox["oldest_age_s"],
                "rss_mb": _memory(processes, with_children=("api",)),
                "cpu_percent": _cpu_percent(cpu_before, cpu_now, now - started),
                "checkpoints": database["checkpoints"] - checkpoints_before,
                "dead_rows": database["dead_rows"],
                "vacuumed": vacuumed,
                "load_average": round(os.getloadavg()[0], 2),
            }
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)  # progress on a long run
            before, published_before, started = outbox, published, now
            cpu_before, checkpoints_before = cpu_now, database["checkpoints"]
        publisher.stop()
        await publishing
        return rows, {"published": publisher.published, "drained": await _drained(settings)}
    finally:
        publishing.cancel()
        await asyncio.gather(publishing, return_exceptions=True)


def _chart(rows: list[dict[str, Any]], path: Path) -> None:
    """Per-minute p99, memory per process and the lags, one panel each (PNG or SVG by suffix)."""
    import altair as alt

    memory = [
        {"minute": r["minute"], "process": p, "MB": mb}
        for r in rows
        for p, mb in r["rss_mb"].items()
    ]
    counts = [
        {"minute": r["minute"], "lag": lag, "messages": r[lag]}
        for r in rows
        for lag in ("outbox_waiting", "stream_lag")
        if r[lag] is not None
    ]
    x = alt.X("minute:O", title="minute", axis=alt.Axis(labelAngle=0))

    def panel(values: list[dict[str, Any]]) -> alt.Chart:
        return alt.Chart(alt.Data(values=values)).mark_line(point=True).properties(width=500)

    chart = alt.vconcat(
        panel(rows).encode(x, alt.Y("p99_ms:Q", title="request p99, ms")),
        panel(memory).encode(x, alt.Y("MB:Q", title="RSS, MB"), color="process:N"),
        panel(counts).encode(x, alt.Y("messages:Q", title="waiting"), color="lag:N"),
        panel(rows).encode(x, alt.Y("outbox_oldest_age_s:Q", title="oldest waiting message, s")),
    ).properties(title="integrita soak")
    chart = chart.resolve_scale(color="independent").resolve_legend(color="independent")
    chart.save(str(path))


def _stop_all(started: list[subprocess.Popen[bytes]]) -> None:
    for process in reversed(started):
        if process.poll() is None:
            process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=float, default=500.0, help="payments/s over HTTP")
    parser.add_argument("--stream-rate", type=float, default=2000.0, help="transactions/s")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API worker processes (on two cores shared with PostgreSQL, the dispatcher and the "
        "consumer one served 500/s with 65-72 %% of a core against 80-84 %% for two: "
        "docs/benchmarks.md, soak, 2026-12-07 16:04)",
    )
    parser.add_argument(
        "--accounts",
        type=int,
        default=200_000,
        help="paying accounts (each keeps a rolling state of up to 200 recent payments): "
        "900,000 payments over 2,000 accounts made each a 450-payment-an-hour account whose "
        "state grew for the first 13 minutes of every run",
    )
    parser.add_argument("--warmup-seconds", type=float, default=15.0)
    parser.add_argument("--flat-mb-per-min", type=float, default=0.5)
    parser.add_argument("--database-url", help="an existing PostgreSQL database (kept)")
    parser.add_argument("--chart", type=Path, help="write a PNG or SVG chart here")
    parser.add_argument(
        "--vacuum",
        choices=("auto", "yes", "no"),
        default="auto",
        help="VACUUM the tables with dead rows each minute, as autovacuum would (auto: only when "
        "the server's autovacuum is off)",
    )
    args = parser.parse_args()

    url = args.database_url or realtime._pg_url()
    if url is None:
        sys.exit("PostgreSQL is not reachable (INTEGRITA_TEST_PG_URL)")
    tag = uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix="integrita-soak-"))
    os.environ.update(
        {
            "INTEGRITA_DATABASE_URL": url,
            "INTEGRITA_DATA_DIR": str(tmp),
            "INTEGRITA_LOG_LEVEL": "WARNING",
            "INTEGRITA_STREAM_NAME": f"SOAK{tag}",
            "INTEGRITA_STREAM_SUBJECT": f"soak{tag}.executed",
            "INTEGRITA_STREAM_DEAD_LETTER_SUBJECT": f"soak{tag}.dead",
        }
    )
    from integrita.services.core import outbox
    from integrita.services.core.context import Context
    from integrita.services.ingest import stream
    from integrita.settings import Settings
    from integrita.store import Database

    settings = Settings()
    started: list[subprocess.Popen[bytes]] = []
    server: subprocess.Popen[bytes] | None = None
    db = None
    report: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "minutes": args.minutes,
            "rate_per_s": args.rate,
            "stream_rate_per_s": args.stream_rate,
            "api_workers": args.workers,
            "paying_accounts": args.accounts,
            "database": "given" if args.database_url else "fresh",
        },
    }
    try:
        token = realtime._seed(url, tmp, args.accounts)
        db = Database(url)
        with db.engine.connect() as connection:
            autovacuum = connection.exec_driver_sql("SHOW autovacuum").scalar()
        report["settings"]["postgresql_autovacuum"] = autovacuum
        args.vacuum = args.vacuum == "yes" or (args.vacuum == "auto" and autovacuum != "on")
        report["settings"]["vacuumed_by_the_soak_each_minute"] = args.vacuum
        asyncio.run(ensure_stream(settings))
        port = realtime._free_port()
        server = realtime._serve(url, tmp, port, args.workers)
        gateway, gateway_url = _gateway()
        started.append(gateway)
        started.append(_dispatcher(url, tmp, gateway_url, follow=True))
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "integrita.cli.main", "stream", "consume"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        running = dict(
            zip(("sms-gateway", "outbox-dispatcher", "stream-consumer"), started, strict=True)
        )
        running["api"] = server
        processes = {name: p.pid for name, p in running.items()}
        processes["soak-driver"] = os.getpid()  # this process: the publisher and the sampling
        rows, streamed = asyncio.run(
            _soak(args, f"http://127.0.0.1:{port}", token, db, settings, processes, url)
        )
        stopped = {name: p.returncode for name, p in running.items() if p.poll() is not None}
        p99s = [r["p99_ms"] for r in rows]
        report["minutes"] = rows
        report["totals"] = {
            "requests": sum(r["requests"] for r in rows),
            "errors": sum(r["errors"] for r in rows),
            "dropped": sum(r["dropped"] for r in rows),
            "p99_ms_median_of_minutes": statistics.median(p99s),
            "p99_ms_worst_minute": max(p99s),
            "stream_published": sum(r["stream_published"] for r in rows),
            "stream_consumer": (consumed := asdict(stream.read_manifest(settings))),
            "stream_published_with_warm_up": streamed["published"],
            "stream_drained_at_end": streamed["drained"],
            "stream_stored_equals_published": consumed["stored"] == streamed["published"],
            "outbox_status": outbox.status(Context(settings=settings, db=db)),
            "processes_that_ended_early": stopped,
        }
        report["verdict"] = verdict(
            rows,
            tolerance_mb_per_min=args.flat_mb_per_min,
            harness=HARNESS,
            offered_per_s=args.rate,
        )
        report["verdict"]["stream_stored_equals_published"] = report["totals"][
            "stream_stored_equals_published"
        ]
        report["verdict"]["target_met"] &= report["verdict"]["stream_stored_equals_published"]
        if args.chart:
            _chart(rows, args.chart)
            report["chart"] = str(args.chart)
    finally:
        if server is not None:
            realtime._stop(server)  # the API's process group, workers included
        _stop_all(started)
        if db is not None:
            db.dispose()
        with contextlib.suppress(Exception):  # the stream may never have been created
            asyncio.run(drop_stream(settings.nats_url, settings.stream_name))
        if not args.database_url:
            realtime._drop_pg(url)
        shutil.rmtree(tmp, ignore_errors=True)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
