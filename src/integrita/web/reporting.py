"""Report pages: the annual disclosure pack, each figure's drill-down list and its publication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from integrita.domain.permissions import Permission
from integrita.errors import IntegritaError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import MAX_YEAR, MIN_YEAR, KeyPath
from integrita.http.responses import attachment
from integrita.services.core import charts
from integrita.services.core.context import Context
from integrita.services.core.permissions import permitted
from integrita.services.core.report_labels import label
from integrita.services.core.users import UserView
from integrita.services.reporting import annual, annual_pack, registers
from integrita.web.render import add_nav, page, redirect_after

router = APIRouter(include_in_schema=False)

add_nav("Annual disclosure", "/reports/annual", Permission.DISCLOSURE_READ)
add_nav("STR figures", "/reports/str", Permission.CASE_FIGURES)

YearQuery = Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR)]
YearPath = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]


@router.get("/reports/annual", response_class=HTMLResponse)
def annual_page(
    request: Request,
    year: YearQuery | None = None,
    error: Annotated[str | None, Query(max_length=500)] = None,
    notice: Annotated[str | None, Query(max_length=500)] = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.DISCLOSURE_READ)),
) -> Response:
    """Every figure of the year's pack, each a link to the records behind it; restatements."""
    shown_year = year or ctx.local_date().year
    try:
        pack = annual.annual_pack(ctx, shown_year, user)
    except IntegritaError as exc:
        return page(
            request,
            "reporting/annual.html",
            user,
            status_code=422,
            pack=None,
            year=shown_year,
            error=str(exc),
            notice=None,
        )
    spec = annual_pack.band_chart(pack)
    return page(
        request,
        "reporting/annual.html",
        user,
        pack=pack,
        year=shown_year,
        shown=annual_pack.shown,
        chart=charts.to_svg(spec, font_path=ctx.settings.report_font_path) if spec else None,
        can_publish=permitted(user, Permission.DISCLOSURE_PUBLISH),
        error=error,
        notice=notice,
    )


@router.get("/reports/annual/{year}/figures/{key}", response_class=HTMLResponse)
def figure_page(
    request: Request,
    year: YearPath,
    key: KeyPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.DISCLOSURE_READ)),
) -> Response:
    """The records behind one figure: as many rows as the figure counts."""
    pack = annual.annual_pack(ctx, year, user)
    figure = pack.figure(key)
    return page(
        request,
        "reporting/figure.html",
        user,
        pack=pack,
        figure=figure,
        shown=annual_pack.shown(figure),
    )


@router.get("/reports/annual/{year}/pdf")
def annual_pdf(
    year: YearPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.DISCLOSURE_READ)),
) -> Response:
    pack = annual.annual_pack(ctx, year, user)
    return attachment(
        annual_pack.pack_pdf(ctx, pack), "application/pdf", f"annual-disclosure-{year}.pdf"
    )


@router.post("/reports/annual/{year}/publish")
def publish(
    year: YearPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.DISCLOSURE_PUBLISH)),
) -> Response:
    """Sign the year's figures off as a frozen edition (the head of compliance)."""
    return redirect_after(
        f"/reports/annual?year={year}",
        lambda: annual.publish(ctx, year, user),
        lambda edition: f"edition {edition.edition} published",
    )


@router.get("/reports/str", response_class=HTMLResponse)
def str_page(
    request: Request,
    year: YearQuery | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.CASE_FIGURES)),
) -> Response:
    """The year's STRs: handed over, of which transferred and filed; the by-date view; reviews."""
    shown_year = year or ctx.local_date().year
    report = registers.str_figures(ctx, shown_year, user)
    return page(
        request,
        "reporting/str.html",
        user,
        report=report,
        year=shown_year,
        shown=annual_pack.shown,
        label=label,
    )


@router.get("/reports/{register}/{year}/pdf")
def register_pdf(
    register: Annotated[str, Path(pattern="^(str|large-value|product-reviews)$")],
    year: YearPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.SIGNED_IN)),
) -> Response:
    """A register as PDF (the service checks the register's own permission)."""
    render = {
        "str": registers.str_figures_pdf,
        "large-value": registers.large_value_pdf,
        "product-reviews": registers.product_review_pdf,
    }[register]
    return attachment(render(ctx, year, user), "application/pdf", f"{register}-{year}.pdf")
