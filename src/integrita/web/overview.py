"""The compliance overview page for the MLRO and head of compliance: every flow's figures, each
a link to the list of the records behind it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from integrita.domain.permissions import Permission
from integrita.http.deps import get_ctx, require
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.reporting import overview
from integrita.web.render import add_nav, page

router = APIRouter(include_in_schema=False)

add_nav("Overview", "/overview", Permission.OVERVIEW_READ)


@router.get("/overview", response_class=HTMLResponse)
def overview_page(
    request: Request,
    user: UserView = Depends(require(Permission.OVERVIEW_READ)),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Alerts, cases, STRs, large-value, risk, real-time and care figures on the local date."""
    return page(request, "overview.html", user, view=overview.overview(ctx, user))
