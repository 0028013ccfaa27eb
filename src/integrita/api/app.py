"""``create_app()``: the HTTP API and the web pages in one ASGI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from integrita import __version__
from integrita.api.boundary import BodySizeLimit, install_error_handlers, install_openapi
from integrita.http.security import SecurityMiddleware
from integrita.services.core.context import Context

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


class _Application(FastAPI):
    """FastAPI with the payment-decision fast lane in front of all its middleware, and the
    security headers and origin check in front of everything."""

    def build_middleware_stack(self) -> ASGIApp:
        from integrita.api.fast_lane import PaymentDecisionLane

        ctx = self.state.ctx
        public_url = ctx.settings.public_url if isinstance(ctx, Context) else None
        return SecurityMiddleware(PaymentDecisionLane(super().build_middleware_stack()), public_url)


def freeze_startup_heap() -> None:
    """Put everything built at start-up out of the cyclic garbage collector's reach.

    A server process holds about 300,000 objects once its modules are imported (SQLAlchemy,
    pydantic, FastAPI, the web pages' libraries), nearly all of them for the life of the
    process. Every full collection walked all of them: 100 to 190 ms with the interpreter
    lock held, during which no payment is answered, a few times a minute under load. That
    alone put PostgreSQL's p99 at 1,000 payments a second above 100 ms. Frozen, they are
    never walked again; what requests create afterwards is collected as before (a few
    thousand objects, well under a millisecond). Only the long-running server calls this.
    """
    gc.collect()
    gc.freeze()


def create_app(ctx: Context | None = None) -> FastAPI:
    """Build the application on a service context (settings + database + clock)."""
    from integrita.api import routes
    from integrita.services.realtime.group_commit import DecisionWriter
    from integrita.web import pages

    context = ctx or Context.from_settings()
    writer = DecisionWriter(context)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await writer.aclose()  # decide what is waiting before the process ends

    app = _Application(
        lifespan=lifespan,
        title="integrita",
        version=__version__,
        description="Compliance and customer-protection platform: real-time funds protection, "
        "AML monitoring, case work, regulatory reporting and customer care.",
    )
    app.state.ctx = context
    app.state.decision_writer = writer

    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(BodySizeLimit, limit=context.settings.max_request_bytes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    routes.register(app)
    pages.register(app)
    return app


@contextmanager
def serve_in_background(ctx: Context, *, start_timeout: float = 20.0) -> Iterator[str]:
    """Serve the application with uvicorn on a free 127.0.0.1 port in a thread; yields its URL.

    Used by the demo (to stream payments through the real HTTP API) and by browser tests.
    """
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the application did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
