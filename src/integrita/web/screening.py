"""Screening pages: the match queue and a match side by side (both records, the features that
fired, the list and its version) with the actions this person may take now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from integrita.domain.permissions import Permission
from integrita.errors import IntegritaError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Code, Id, Note
from integrita.services.core import customer_names
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.screening import dispositions
from integrita.web.render import add_nav, page

router = APIRouter(include_in_schema=False)
READERS: Any = require(Permission.SCREENING_READ)
ACTION_LABELS = {
    "propose_true_match": "Propose true match (freeze and report)",
    "propose_false_positive": "Propose false positive",
    "approve": "Approve the proposal",
    "return": "Return for another look",
}

add_nav("Screening matches", "/screening/matches", Permission.SCREENING_READ)


@router.get("/screening/matches", response_class=HTMLResponse)
def match_queue(
    request: Request,
    state: str | None = None,
    user: UserView = Depends(READERS),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Screening matches, newest first, filtered by state."""
    matches = dispositions.list_matches(ctx, actor=user, state=state)
    return page(
        request,
        "screening/matches.html",
        user,
        matches=matches,
        names={m.id: customer_names.shown(user, str(m.subject.get("name", ""))) for m in matches},
        state=state,
    )


@router.get("/screening/matches/{match_id}", response_class=HTMLResponse)
def match_page(
    request: Request,
    match_id: Id,
    message: str | None = None,
    user: UserView = Depends(READERS),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """One match side by side."""
    return _render(request, ctx, user, match_id, message=message, error=None)


def _render(
    request: Request,
    ctx: Context,
    user: UserView,
    match_id: Id,
    *,
    message: str | None,
    error: str | None,
    status_code: int = 200,
) -> Response:
    detail = dispositions.match_detail(ctx, match_id, actor=user)
    return page(
        request,
        "screening/match.html",
        user,
        status_code=status_code,
        d=detail,
        labels=ACTION_LABELS,
        message=message,
        error=error,
    )


@router.post("/screening/matches/{match_id}", response_class=HTMLResponse)
def act(
    request: Request,
    match_id: Id,
    action: Annotated[Code, Form()],
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    note: Annotated[Note, Form()] = "",
    user: UserView = Depends(READERS),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Take a step on the match; the workflow engine checks role and separation of duties."""
    try:
        done = dispositions.dispose(
            ctx, match_id, action, actor=user, seen_version=version, note=note[:2000]
        )
    except IntegritaError as exc:
        return _render(request, ctx, user, match_id, message=None, error=str(exc), status_code=409)
    return RedirectResponse(
        f"/screening/matches/{match_id}?message=now+{done.state}", status_code=303
    )
