"""Responses shared by the API and the pages."""

from __future__ import annotations

from fastapi.responses import Response


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    """A file download (goAML XML, PDF, CSV) with the name the browser saves it under."""
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
