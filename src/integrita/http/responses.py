"""Responses shared by the API and the pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Self

from fastapi.responses import Response
from pydantic import BaseModel

from integrita.errors import IntegritaError


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    """A file download (goAML XML, PDF, CSV) with the name the browser saves it under."""
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


class FieldErrorOut(BaseModel):
    """One invalid field of a refused request."""

    field: str
    message: str


class ViewOut(BaseModel):
    """An answer read field by field from a service's view object (services never return ORM
    rows, so the names match)."""

    @classmethod
    def of(cls, view: object) -> Self:
        return cls.model_validate(view, from_attributes=True)


class ErrorOut(BaseModel):
    """The one shape of every error answer (4xx and 5xx): the kind of error, what went wrong
    (a sentence, or every invalid field for a 422 from validation) and the field it names."""

    error: str
    detail: str | list[FieldErrorOut]
    field: str | None = None


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


#: Declared on every operation of the API, so that clients and schemathesis know the shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("The body could not be read (not JSON, or not UTF-8)."),
    401: _error("No valid API token or session."),
    403: _error("The caller's roles do not allow this."),
    404: _error("No such record."),
    409: _error("The record's state or a stored record contradicts the request."),
    413: _error("The request body is larger than the server accepts."),
    422: _error("The request is malformed; every invalid field is named."),
}


def file_answer(media_type: str, description: str) -> dict[str, Any]:
    """Route options for a download: the document declares the file's media type, not JSON."""
    return {
        "response_class": Response,
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    }


def plain_error_body(kind: str, detail: str) -> dict[str, object]:
    """An error body for errors that are not :class:`IntegritaError` (unknown path, 413, 500)."""
    return {"error": kind, "detail": detail}


def error_body(exc: IntegritaError) -> dict[str, object]:
    """The JSON body of an error answer: its kind, the message and the field it names."""
    body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
    field = getattr(exc, "field", None)
    if field:
        body["field"] = field
    return body


def _field_name(loc: Iterable[object]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path"))


def validation_error_body(errors: Iterable[Mapping[str, Any]]) -> dict[str, object]:
    """The JSON body of a 422: every invalid field by its dotted name, with the reason; the
    first one is also ``field``, as in every other error answer."""
    detail = [{"field": _field_name(e.get("loc", ())), "message": e.get("msg", "")} for e in errors]
    body: dict[str, object] = {"error": "InputError", "detail": detail}
    if detail and detail[0]["field"]:
        body["field"] = detail[0]["field"]
    return body


def error_headers(exc: IntegritaError) -> dict[str, str]:
    """Headers an error answer carries: ``Retry-After`` when the request can be sent again."""
    retry = getattr(exc, "retry_after_seconds", None)
    return {"retry-after": str(retry)} if retry else {}
