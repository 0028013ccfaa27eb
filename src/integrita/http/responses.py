"""Responses shared by the API and the pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import Response

from integrita.errors import IntegritaError


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    """A file download (goAML XML, PDF, CSV) with the name the browser saves it under."""
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def error_body(exc: IntegritaError) -> dict[str, object]:
    """The JSON body of an error answer: its kind, the message and the field it names."""
    body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
    field = getattr(exc, "field", None)
    if field:
        body["field"] = field
    return body


def validation_error_body(errors: Iterable[Mapping[str, Any]]) -> dict[str, object]:
    """The JSON body of a 422: every invalid field by its dotted name, with the reason."""
    return {
        "error": "InputError",
        "detail": [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg", ""),
            }
            for e in errors
        ],
    }


def error_headers(exc: IntegritaError) -> dict[str, str]:
    """Headers an error answer carries: ``Retry-After`` when the request can be sent again."""
    retry = getattr(exc, "retry_after_seconds", None)
    return {"retry-after": str(retry)} if retry else {}
