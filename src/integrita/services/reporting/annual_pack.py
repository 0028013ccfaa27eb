"""The annual disclosure pack on paper: one HTML page, one PDF and two CSV files.

The PDF is built on the one report layout (bank name, period, generation time, page X of Y,
contents); the CSV files give every figure and every record behind it, so a reader can recount
any number. Keys never reach a reader: figures print their labels.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from integrita.domain.disclosure import Figure, Unit
from integrita.services.core import charts, pdf_layout
from integrita.services.core.context import Context
from integrita.services.reporting.annual import AnnualPack


@dataclass(frozen=True, slots=True)
class PackFiles:
    html: Path
    pdf: Path
    figures_csv: Path
    records_csv: Path


def shown(figure: Figure) -> str:
    """The value as a reader sees it: counts with thousands separators, shares with %."""
    value = figure.value
    if figure.unit is Unit.PERCENT:
        text = f"{value:.1f} %"
        return f"{text} of {figure.denominator:,}" if figure.denominator is not None else text
    if figure.unit is Unit.COUNT:
        return f"{int(value):,}"
    if figure.unit is Unit.AMOUNT:
        return f"{value:,.2f}"
    if figure.unit is Unit.SCORE:
        return f"{value:.1f}"
    return f"{value:,} h"


def _published(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,}"


def band_chart(pack: AnnualPack) -> charts.Spec | None:
    bands = [f for f in pack.figures if f.key.startswith("risk.customers.band.")]
    if not bands:
        return None
    return charts.bar_chart(
        [f.label.removeprefix("of which rated ") for f in bands],
        [float(f.value) for f in bands],
        title=f"Customers per risk band at the end of {pack.year}",
        x_title="Customers",
        counts=True,
    )


def pack_pdf(ctx: Context, pack: AnnualPack) -> bytes:
    pdf = pdf_layout.new_report(
        ctx, "Annual disclosure: compliance and customer protection", str(pack.year), contents=True
    )
    if pack.edition is None:
        pdf.paragraph("Not yet published: these figures are computed from the records today.")
    else:
        e = pack.edition
        pdf.paragraph(
            f"Edition {e.edition} published by {e.published_by} on "
            f"{ctx.local_date(e.published_at).isoformat()}; SHA-256 {e.sha256}."
        )
    for section, found in pack.sections:
        pdf.section(section)
        pdf.rows(
            ["Figure", "Value", "Note"],
            [[("    " if f.parent else "") + f.label, shown(f), f.note] for f in found],
            col_widths=(105, 45, 40),
        )
        if any(f.key.startswith("risk.customers.band.") for f in found):
            spec = band_chart(pack)
            if spec is not None:
                pdf.chart(charts.to_png(spec, font_path=ctx.settings.report_font_path), width=170)
    if pack.restatements:
        pdf.section("Restatements since publication")
        pdf.paragraph(
            "These figures changed after the edition was published, because records behind "
            "them changed. The published value stands in the published edition.",
            warning=True,
        )
        pdf.rows(
            ["Figure", "Published", "Now", "Records added", "Records removed"],
            [
                [
                    r.label,
                    _published(r.published),
                    _published(r.current),
                    len(r.added),
                    len(r.removed),
                ]
                for r in pack.restatements
            ],
            col_widths=(80, 25, 25, 30, 30),
        )
    return pdf.finish()


def pack_html(ctx: Context, pack: AnnualPack) -> str:
    """A self-contained page (no scripts) to publish beside the PDF."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(ctx.settings.bank_name)} - annual disclosure {pack.year}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}"
        ".of{padding-left:2rem}.warn{color:#b3261e}</style></head><body>",
        f"<h1>{e(ctx.settings.bank_name)}</h1>",
        f"<h2>Annual disclosure: compliance and customer protection, {pack.year}</h2>",
        f"<p>Generated {e(ctx.local_now().strftime('%Y-%m-%d %H:%M %Z'))}.</p>",
    ]
    if pack.edition:
        parts.append(
            f"<p>Edition {pack.edition.edition}, published by {e(pack.edition.published_by)}; "
            f"SHA-256 <code>{pack.edition.sha256}</code>.</p>"
        )
    for section, found in pack.sections:
        parts.append(f"<h3>{e(section)}</h3><table><tbody>")
        for f in found:
            cls = " class='of'" if f.parent else ""
            parts.append(
                f"<tr><td{cls}>{e(f.label)}</td><td>{e(shown(f))}</td><td>{e(f.note)}</td></tr>"
            )
        parts.append("</tbody></table>")
    if pack.restatements:
        parts.append("<h3 class='warn'>Restatements since publication</h3><table><tbody>")
        parts.append("<tr><th>Figure</th><th>Published</th><th>Now</th></tr>")
        for r in pack.restatements:
            parts.append(
                f"<tr><td>{e(r.label)}</td><td>{_published(r.published)}</td>"
                f"<td>{_published(r.current)}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def figures_csv(pack: AnnualPack) -> str:
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(["section", "key", "label", "value", "unit", "denominator", "of_which", "note"])
    for f in pack.figures:
        out.writerow(
            [f.section, f.key, f.label, f.value, f.unit, f.denominator, f.parent or "", f.note]
        )
    return buffer.getvalue()


def records_csv(pack: AnnualPack) -> str:
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(["figure", "record_type", "record_id", "description"])
    for f in pack.figures:
        for r in f.rows:
            out.writerow([f.key, r.record_type, r.record_id, r.label])
    return buffer.getvalue()


def write_pack(ctx: Context, pack: AnnualPack, folder: Path) -> PackFiles:
    """Write the four files of the pack into ``folder`` (created when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"annual-disclosure-{pack.year}"
    files = PackFiles(
        html=folder / f"{stem}.html",
        pdf=folder / f"{stem}.pdf",
        figures_csv=folder / f"{stem}-figures.csv",
        records_csv=folder / f"{stem}-records.csv",
    )
    files.html.write_text(pack_html(ctx, pack), encoding="utf-8")
    files.pdf.write_bytes(pack_pdf(ctx, pack))
    files.figures_csv.write_text(figures_csv(pack), encoding="utf-8")
    files.records_csv.write_text(records_csv(pack), encoding="utf-8")
    return files
