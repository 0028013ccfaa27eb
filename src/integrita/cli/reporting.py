"""``integrita report annual``: the annual disclosure pack as HTML, PDF and CSV; ``--publish``
signs the figures off as a frozen edition."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, report_group
from integrita.cli.identity import needs, signed_in
from integrita.domain.permissions import Permission
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.reporting import annual, annual_pack, registers


def write_annual_pack(
    ctx: Context, year: int, user: HasRoles, out: Path | None = None, *, publish: bool = False
) -> annual_pack.PackFiles:
    """Publish first when asked, then write the pack; prints the figures and where they are."""
    if publish:
        edition = annual.publish(ctx, year, user)
        console.print(
            f"published edition {edition.edition} of {year} (SHA-256 {edition.sha256}); "
            "the hash is in the audit trail"
        )
    pack = annual.annual_pack(ctx, year, user)
    table = Table("figure", "value", title=f"Annual disclosure {year}")
    for figure in pack.figures:
        table.add_row(("  " if figure.parent else "") + figure.label, annual_pack.shown(figure))
    console.print(table)
    for r in pack.restatements:
        console.print(f"[yellow]restated:[/] {r.label}: published {r.published}, now {r.current}")
    folder = out or ctx.settings.reports_dir / "annual" / str(year)
    files = annual_pack.write_pack(ctx, pack, folder)
    console.print(f"annual pack for {year}: {files.pdf.resolve()}")
    console.print(f"  also {files.html.name}, {files.figures_csv.name}, {files.records_csv.name}")
    return files


@handle_errors
@needs(Permission.DISCLOSURE_READ)
def report_annual(
    year: int = typer.Option(..., help="Calendar year (the bank's local year)."),
    out: Path | None = typer.Option(None, help="Folder for the files (default: reports dir)."),
    publish: bool = typer.Option(
        False, "--publish", help="Sign the figures off as a frozen edition (head of compliance)."
    ),
) -> None:
    """The annual disclosure pack: HTML, PDF and CSV, every figure computed from records."""
    ctx = context()
    user = signed_in(ctx)
    if publish:
        ensure_permitted(user, Permission.DISCLOSURE_PUBLISH)
    write_annual_pack(ctx, year, user, out, publish=publish)


@handle_errors
@needs(Permission.CASE_FIGURES)
def report_registers(
    year: int = typer.Option(..., help="Calendar year (the bank's local year)."),
    out: Path | None = typer.Option(None, help="Folder for the PDFs (default: reports dir)."),
) -> None:
    """The year's STR figures, large-value reporting and product-review register as PDFs."""
    ctx = context()
    user = signed_in(ctx)
    folder = out or ctx.settings.reports_dir / "registers" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    for name, render in (
        ("str-figures", registers.str_figures_pdf),
        ("large-value", registers.large_value_pdf),
        ("product-reviews", registers.product_review_pdf),
    ):
        path = folder / f"{name}-{year}.pdf"
        path.write_bytes(render(ctx, year, user))
        console.print(f"wrote {path.resolve()}")


def register(app: typer.Typer) -> None:
    report_group(app).command("annual")(report_annual)
    report_group(app).command("registers")(report_registers)
