"""``create_app()``: the HTTP API and the web pages in one ASGI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from integrita import __version__
from integrita.errors import AuthenticationError, IntegritaError
from integrita.services.context import Context

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/v1/") and "text/html" in request.headers.get(
        "accept", ""
    )


def create_app(ctx: Context | None = None) -> FastAPI:
    """Build the application on a service context (settings + database + clock)."""
    from integrita.api import routes
    from integrita.web import pages

    app = FastAPI(
        title="integrita",
        version=__version__,
        description="Compliance and customer-protection platform: real-time funds protection, "
        "AML monitoring, case work, regulatory reporting and customer care.",
    )
    app.state.ctx = ctx or Context.from_settings()

    @app.exception_handler(IntegritaError)
    async def integrita_error(request: Request, exc: IntegritaError) -> Response:
        if isinstance(exc, AuthenticationError) and _wants_html(request):
            return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
        body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
        field = getattr(exc, "field", None)
        if field:
            body["field"] = field
        return JSONResponse(body, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"error": "InputError", "detail": errors}, status_code=422)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    routes.register(app)
    pages.register(app)
    return app
