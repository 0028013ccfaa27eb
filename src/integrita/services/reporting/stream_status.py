"""The transaction stream's lag as the compliance overview shows it: cached for a few seconds and
asked for with a short connect timeout, so that a page never waits on an unreachable NATS.

The NATS client tries a server for seconds before it gives up (3 s on the overview before this
module), and the overview is opened many times a minute. So the server is first tried with a
plain TCP connect and a read of its greeting, each of :data:`CONNECT_TIMEOUT_SECONDS`; only a
server that answers is asked for the lag (:func:`integrita.services.ingest.stream.lag`).
Whatever the answer — a lag, no stream, or unreachable — it is kept for :data:`CACHE_SECONDS`
per server and stream.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from integrita.services.core.context import Context
from integrita.services.ingest import stream
from integrita.services.ingest.stream import StreamLag
from integrita.settings import Settings

#: How long a probe's answer is reused.
CACHE_SECONDS = 5.0
#: How long the TCP connect to the NATS server, and then its greeting, may each take before it
#: counts as unreachable.
CONNECT_TIMEOUT_SECONDS = 0.25
NATS_PORT = 4222


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """The lag of the ledger behind the stream, or why it is unavailable."""

    stream: str
    #: None when the figure is unavailable (``reason`` says why).
    lag: StreamLag | None
    checked_at: datetime
    reason: str | None = None


def nats_address(url: str) -> tuple[str, int]:
    """Host and port of the first server in a NATS URL (``nats://user:pw@host:port,...``)."""
    first = urlsplit(url.split(",")[0].strip())
    return first.hostname or "127.0.0.1", first.port or NATS_PORT


def reachable(host: str, port: int, timeout: float = CONNECT_TIMEOUT_SECONDS) -> bool:
    """Whether a NATS server answers at ``host:port``: the TCP connection opens within
    ``timeout`` seconds and the server's greeting (``INFO {...}``, sent by every NATS server on
    connect) arrives within ``timeout`` more. Anything else that accepts connections there (a
    proxy, a firewall that accepts and stays silent) counts as unreachable."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(64).startswith(b"INFO")
    except OSError:
        return False


_Key = tuple[str, str, str]
_cache: dict[_Key, tuple[float, StreamStatus | None]] = {}
_lock = threading.Lock()


def forget() -> None:
    """Drop every cached answer (the next overview asks NATS again)."""
    with _lock:
        _cache.clear()


def _probe(ctx: Context, is_reachable: Callable[[str, int], bool]) -> StreamStatus | None:
    s: Settings = ctx.settings
    host, port = nats_address(s.nats_url)
    checked_at = ctx.now()
    if not is_reachable(host, port):
        reason = f"no NATS server answered at {host}:{port} within {CONNECT_TIMEOUT_SECONDS:g} s"
        return StreamStatus(s.stream_name, None, checked_at, reason)
    lag = stream.lag(ctx)
    # A server that answers but has no such stream: the bank does not stream, nothing to show.
    return StreamStatus(s.stream_name, lag, checked_at) if lag is not None else None


def status(
    ctx: Context,
    *,
    clock: Callable[[], float] = time.monotonic,
    is_reachable: Callable[[str, int], bool] | None = None,
) -> StreamStatus | None:
    """The stream's status, asked at most once per :data:`CACHE_SECONDS` per server and stream;
    None when NATS answers but the stream does not exist (a bank that does not stream)."""
    s = ctx.settings
    key = (s.nats_url, s.stream_name, s.stream_consumer)
    with _lock:  # one probe at a time: concurrent pages wait for it rather than repeat it
        cached = _cache.get(key)
        if cached is not None and clock() - cached[0] < CACHE_SECONDS:
            return cached[1]
        found = _probe(ctx, is_reachable or reachable)
        _cache[key] = (clock(), found)
        return found
