"""Run a coroutine to completion from synchronous code, whatever the calling thread is doing.

``asyncio.run`` refuses to start when the calling thread already runs an event loop (a
notebook, an embedding application, a test driving a browser through Playwright's synchronous
API). The outbox dispatcher, the stream consumer and the stream-lag probe are synchronous
entry points over asynchronous clients, so they run their coroutine on a fresh uvloop in a
worker thread when this thread's loop is busy, and directly otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run_to_completion(coroutine: Coroutine[Any, Any, T]) -> T:
    """The coroutine's result, run on a new uvloop (in a worker thread if this thread has one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return uvloop.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="integrita-loop") as pool:
        return pool.submit(uvloop.run, coroutine).result()
