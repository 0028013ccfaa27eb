"""What every request meets at the edge: the body-size limit, one error shape for the API,
HTML error pages for browsers, and the OpenAPI document's security schemes and error answers.

Browsers get pages, systems get JSON: a request for a page (not under ``/v1/``) whose
``Accept`` names ``text/html`` gets an error page in the workbench's layout; everything else
gets :class:`~integrita.http.responses.ErrorOut`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrita.errors import AuthenticationError, IntegritaError
from integrita.http.deps import SESSION_COOKIE
from integrita.http.responses import (
    ERROR_RESPONSES,
    error_body,
    error_headers,
    plain_error_body,
    validation_error_body,
)
from integrita.logging import get_logger

log = get_logger(__name__)

_TITLES = {
    400: "The request could not be understood",
    401: "Please sign in",
    403: "You do not have access to this page",
    404: "Not found",
    405: "Not allowed here",
    409: "That cannot be done now",
    413: "Too much data",
    422: "Some of what was sent is not valid",
    500: "Something went wrong on our side",
}
_KINDS = {400: "BadRequest", 404: "NotFoundError", 405: "MethodNotAllowed", 413: "TooLarge"}


def wants_html(request: Request) -> bool:
    """A browser asking for a page (the API under /v1/ always answers JSON)."""
    return not request.url.path.startswith("/v1/") and "text/html" in request.headers.get(
        "accept", ""
    )


def error_page(request: Request, status: int, body: dict[str, object]) -> Response:
    """The workbench-styled page for an error; the signed-in user is not looked up again."""
    from integrita.web.render import page

    detail = body.get("detail")
    problems = detail if isinstance(detail, list) else []
    message = detail if isinstance(detail, str) else None
    if status >= 500:
        message = "The error was logged. Try again, or tell the administrator if it persists."
    return page(
        request,
        "error.html",
        None,
        status_code=status,
        status=status,
        title=_TITLES.get(status, "Error"),
        message=message,
        problems=problems,
    )


def _answer(request: Request, status: int, body: dict[str, object]) -> Response:
    if wants_html(request):
        return error_page(request, status, body)
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """One error shape for the API, pages for browsers, and no traceback for anyone."""

    @app.exception_handler(IntegritaError)
    async def integrita_error(request: Request, exc: IntegritaError) -> Response:
        if isinstance(exc, AuthenticationError) and wants_html(request):
            return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
        if exc.http_status == 500:
            log.error("request failed", extra={"path": request.url.path, "error": str(exc)})
            return _answer(request, 500, plain_error_body("InternalError", "internal error"))
        response = _answer(request, exc.http_status, error_body(exc))
        response.headers.update(error_headers(exc))
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _answer(request, 422, validation_error_body(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = _KINDS.get(exc.status_code, "HTTPError")
        response = _answer(request, exc.status_code, plain_error_body(kind, str(exc.detail)))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("request failed", extra={"path": request.url.path})
        return _answer(request, 500, plain_error_body("InternalError", "internal error"))


class BodySizeLimit:
    """Refuses request bodies over ``limit`` bytes with 413, whether the client declared the
    length or streams the body in chunks, before any route reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(scope, send)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except _TooLargeError:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = plain_error_body("TooLarge", f"the request body may be at most {self.limit} bytes")
        await JSONResponse(body, status_code=413)(scope, _no_receive, send)


class _TooLargeError(Exception):
    pass


async def _no_receive() -> Message:  # pragma: no cover - a JSON answer never reads the request
    return {"type": "http.disconnect"}


#: The two ways to authenticate: systems send a token, people's browsers a session cookie.
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerToken": {"type": "http", "scheme": "bearer", "description": "An API token."},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
}
#: Operations that need no sign-in.
PUBLIC_OPERATIONS = {("/v1/health", "get")}


def install_openapi(app: FastAPI) -> None:
    """The OpenAPI document declares the security schemes and, on every operation, the error
    answers (401, 403, 404, 409, 413, 422) in the one error shape."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {})
        components["securitySchemes"] = SECURITY_SCHEMES
        schema["security"] = [{"bearerToken": []}, {"sessionCookie": []}]
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if (path, method) in PUBLIC_OPERATIONS:
                    operation["security"] = []
                    operation["responses"] = {
                        k: v for k, v in operation["responses"].items() if k in ("200", "422")
                    }
        components.get("schemas", {}).pop("HTTPValidationError", None)
        components.get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.router.responses = {**ERROR_RESPONSES, **app.router.responses}
