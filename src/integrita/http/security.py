"""Security headers on every response, and the Origin check on browsers' unsafe requests.

* Headers: a Content-Security-Policy that allows only our own scripts and styles (htmx is
  served from ``/static``; its indicator style injection is switched off in ``base.html``),
  no framing (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), ``nosniff`` and a
  referrer policy that never sends our paths to other sites. The OpenAPI pages (``/docs``,
  ``/redoc``) load FastAPI's viewer from its CDN and get a policy that allows exactly that.
* Origin: a POST, PUT, PATCH or DELETE without an API token, whose ``Origin`` (or, lacking
  it, ``Referer``) names another site, is refused with 403 before any route runs. Together
  with the per-session CSRF token and ``SameSite=Strict`` cookies this stops cross-site form
  posts; clients that send neither header (scripts, curl) are not browsers and still need
  the session's CSRF token.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrita.errors import PermissionDeniedError
from integrita.http.responses import error_body

CROSS_SITE = "cross-site request refused: the Origin or Referer is not this site"

#: Pages hold no inline ``<style>``: charts are SVG rendered by vl-convert, styled by attributes.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; "
    "style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: FastAPI's /docs and /redoc pages load their viewer from jsdelivr and start it inline.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
_PAGE_HEADERS = [*_COMMON, (b"content-security-policy", PAGE_POLICY.encode())]
_DOCS_HEADERS = [*_COMMON, (b"content-security-policy", DOCS_POLICY.encode())]


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class SecurityMiddleware:
    """Pure ASGI middleware: adds the headers to every response; checks the origin of
    browsers' state-changing requests."""

    def __init__(self, app: ASGIApp, public_url: str | None = None) -> None:
        self.app = app
        self.public_origin = _origin_of(public_url) if public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = _DOCS_HEADERS if path.startswith(DOCS_PATHS) else _PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        if scope["method"] in UNSAFE_METHODS and not self._cross_site_allowed(scope):
            body = orjson.dumps(error_body(PermissionDeniedError(CROSS_SITE)))
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send_with_headers({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_with_headers)

    def _cross_site_allowed(self, scope: Scope) -> bool:
        """True unless a browser says the request comes from another site."""
        headers = {k.lower(): v for k, v in scope["headers"] if k.lower() in _WANTED}
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer ":
            return True  # systems with API tokens; no ambient browser credentials involved
        sent = headers.get(b"origin") or headers.get(b"referer")
        if sent is None:
            return True
        origin = _origin_of(sent.decode("latin-1"))
        if origin is None:  # "null" (sandboxed frames, file://) or garbage
            return False
        if self.public_origin is not None and origin == self.public_origin:
            return True
        host = headers.get(b"host", b"").decode("latin-1").lower()
        return bool(host) and urlsplit(origin).netloc == host


_WANTED = frozenset({b"authorization", b"origin", b"referer", b"host"})
