"""The fast lane for payment decisions: ``POST /v1/payments/evaluate`` from payment systems.

Payment channels call this one endpoint thousands of times a second, each call waiting on
the answer before the customer's payment can go ahead. FastAPI's general machinery (its
middleware, routing and dependency injection) costs several times the decision itself, so
this ASGI middleware answers requests that carry an API token directly, with the same
pieces the FastAPI route uses: the :class:`~integrita.api.realtime.PaymentEventIn` model
(422 naming the field), the token check and the route's role check (401 / 403), the shared
decision writer, and the same error bodies. Everything else, including people calling the
route with a session cookie, goes through the application as usual; the route stays the
documented definition in the OpenAPI reference.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrita.api.realtime import PaymentEventIn, decide
from integrita.domain.permissions import Permission
from integrita.errors import DatabaseBusyError, InputError, IntegritaError
from integrita.http.deps import token_user
from integrita.http.responses import error_body, validation_error_body
from integrita.logging import get_logger
from integrita.services.core.permissions import ensure_permitted

log = get_logger(__name__)

PATH = "/v1/payments/evaluate"
#: A payment event is well under 2 KB; anything this large is refused unread.
MAX_BODY_BYTES = 64 * 1024

_JSON_HEADERS = [(b"content-type", b"application/json")]


class _BodyTooLargeError(InputError):
    http_status = 413


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = bytes(value).decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise InputError("the client went away before sending the whole request")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _BodyTooLargeError(f"a payment event may be at most {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class PaymentDecisionLane:
    """ASGI middleware that serves token-authenticated payment decisions itself; it wraps the
    whole application (see ``create_app``), so it reads the application from the scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        token = _bearer_token(scope)
        if token is None:  # a signed-in person's browser session: the regular route
            await self.app(scope, receive, send)
            return
        status, body = await self._answer(scope["app"].state, token, receive)
        headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
        if status == DatabaseBusyError.http_status:
            headers.append((b"retry-after", str(DatabaseBusyError.retry_after_seconds).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, state: Any, token: str, receive: Receive) -> tuple[int, bytes]:
        try:
            user = await token_user(state.ctx, token)
            ensure_permitted(user, Permission.PAYMENT_EVALUATE)
            event = PaymentEventIn.model_validate_json(await _read_body(receive))
            return 200, await decide(state, event)
        except ValidationError as exc:
            return 422, orjson.dumps(validation_error_body(exc.errors()))
        except IntegritaError as exc:
            return exc.http_status, orjson.dumps(error_body(exc))
        except Exception:  # in front of the application's own error middleware
            log.exception("payment decision failed")
            return 500, orjson.dumps({"error": "InternalError", "detail": "internal error"})
