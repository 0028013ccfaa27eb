"""The one page layout of every report PDF (fpdf2).

Every report integrita prints — the monthly care quality report, the self-assessment, the STR
figures, the large-value and product-review registers, the annual disclosure pack — is built on
:class:`ReportPdf`, so each page carries the same things a reader relies on: the bank's name
(and logo, from settings), the report's title and period, when it was generated on the bank's
wall clock, and "Page X of Y". Long reports open with a table of contents. Text is printed in a
font with Chinese glyphs, so names and narratives print as written.

The layout lives in ``services.core`` (not ``services.reporting``) because the capabilities'
own reports use it, and a capability may import core but never reporting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.outline import OutlineSection, TableOfContents

from integrita.services.core.context import Context

_HEAD_FILL = (238, 241, 246)
_MUTED = (90, 96, 110)


class ReportPdf(FPDF):
    """A report document: header, footer and helpers for sections, tables and charts."""

    def __init__(
        self,
        *,
        bank_name: str,
        title: str,
        period: str,
        generated: datetime,
        font_path: Path | None = None,
        logo_path: Path | None = None,
        landscape: bool = False,
    ) -> None:
        super().__init__(orientation="L" if landscape else "P", format="A4")
        self.bank_name = bank_name
        self.report_title = title
        self.period = period
        self.generated = generated
        self.logo_path = logo_path if logo_path is not None and logo_path.exists() else None
        self.family = "helvetica"
        if font_path is not None and font_path.exists():
            self.add_font("report", "", str(font_path))
            self.family = "report"
        self.set_title(f"{bank_name} - {title} {period}")
        self.set_author(bank_name)
        self.set_creator("integrita")
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()
        self._title_block()

    # -- fpdf2 hooks ----------------------------------------------------------------------------

    def header(self) -> None:
        self.set_font(self.family, size=8)
        self.set_text_color(*_MUTED)
        x = self.l_margin
        if self.logo_path is not None:
            self.image(str(self.logo_path), x=x, y=6, h=8)
            x += 12
        self.set_xy(x, 7)
        self.cell(0, 5, self.printable(f"{self.bank_name} · {self.report_title} · {self.period}"))
        self.set_text_color(0, 0, 0)
        self.set_y(16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(*_MUTED)
        stamp = self.generated.strftime("%Y-%m-%d %H:%M %Z").strip()
        self.cell(0, 5, self.printable(f"Generated {stamp}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # -- building blocks ------------------------------------------------------------------------

    def printable(self, value: object) -> str:
        """``value`` as printable text (latin-1 only when no Chinese font is installed)."""
        s = "" if value is None else str(value)
        if self.family == "report":
            return s
        return s.encode("latin-1", "replace").decode("latin-1")

    def _title_block(self) -> None:
        self.set_font(self.family, size=18)
        self.multi_cell(0, 9, self.printable(self.bank_name), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, size=14)
        self.multi_cell(0, 8, self.printable(self.report_title), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, size=10)
        self.set_text_color(*_MUTED)
        stamp = self.generated.strftime("%Y-%m-%d %H:%M %Z").strip()
        self.cell(
            0,
            6,
            self.printable(f"Period: {self.period}    Generated: {stamp}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def contents(self) -> None:
        """Reserve a table of contents here; it lists every :meth:`section` with its page."""
        toc = TableOfContents(level_indent=6)

        def render(pdf: FPDF, outline: list[OutlineSection]) -> None:
            pdf.set_x(pdf.l_margin)
            pdf.set_font(self.family, size=13)
            pdf.cell(0, 8, "Contents", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(self.family, size=10)
            toc.render_toc(pdf, outline)

        self.insert_toc_placeholder(render, allow_extra_pages=True)

    def section(self, title: str, *, level: int = 0) -> None:
        """A heading, entered in the table of contents and the PDF's outline."""
        self.ln(2)
        self.set_font(self.family, size=13 if level == 0 else 11)
        self.start_section(self.printable(title), level=level)
        self.multi_cell(0, 7, self.printable(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, size=9)

    def paragraph(self, body: str, *, warning: bool = False) -> None:
        """Running text; a warning prints in red in a box so nobody reads past it."""
        self.set_font(self.family, size=10 if warning else 9)
        if warning:
            self.set_text_color(179, 38, 30)
            self.multi_cell(0, 6, self.printable(body), border=1, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
        else:
            self.multi_cell(0, 5, self.printable(body), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def rows(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        col_widths: Sequence[float] | None = None,
    ) -> None:
        """A table with a shaded heading row repeated on every page it spans (none when
        ``headings`` is empty: a list of labelled values)."""
        self.set_font(self.family, size=8)
        head = FontFace(emphasis="", fill_color=_HEAD_FILL)
        widths = tuple(col_widths) if col_widths else None
        with self.table(
            col_widths=widths, headings_style=head, first_row_as_headings=bool(headings)
        ) as table:
            if headings:
                table.row([self.printable(h) for h in headings])
            for row in rows:
                table.row([self.printable(cell) for cell in row])
        self.ln(2)

    def chart(self, png: bytes, *, width: float | None = None) -> None:
        """A chart rendered to PNG (see :mod:`integrita.services.core.charts`)."""
        import io

        w = width or (self.w - self.l_margin - self.r_margin)
        self.image(io.BytesIO(png), x=self.l_margin, w=w)
        self.ln(2)

    def finish(self) -> bytes:
        return bytes(self.output())


def new_report(
    ctx: Context, title: str, period: str, *, landscape: bool = False, contents: bool = False
) -> ReportPdf:
    """A report for this bank, stamped now on the bank's wall clock; ``contents`` adds a TOC."""
    s = ctx.settings
    pdf = ReportPdf(
        bank_name=s.bank_name,
        title=title,
        period=period,
        generated=ctx.local_now(),
        font_path=s.report_font_path,
        logo_path=s.bank_logo_path,
        landscape=landscape,
    )
    if contents:
        pdf.contents()
    return pdf
