"""``integrita lists import|status|diff|confirm|reject`` and ``integrita screen``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar
from integrita.cli.identity import needs, signed_in
from integrita.domain.permissions import Permission
from integrita.domain.screening import SOURCES, Identifier, Subject
from integrita.errors import InputError
from integrita.services.screening import lists, points
from integrita.services.screening.formats.bank import FIELDS

lists_app = typer.Typer(help="Sanctions and PEP lists: import, status, diff.", no_args_is_help=True)


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, _, column = pair.partition("=")
        if not column or field not in FIELDS:
            raise InputError(
                f"--map takes FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}", field="map"
            )
        mapping[field] = column
    return mapping


def _print_diff(diff: lists.ListDiff) -> None:
    s = diff.snapshot
    console.print(
        f"{s.source} v{s.version} (snapshot {s.id}, {s.status}): {s.entity_count:,} entities; "
        f"+{len(diff.added)} added, -{len(diff.removed)} removed, ~{len(diff.changed)} changed"
    )
    if s.note:
        console.print(f"[bold yellow]{s.note}[/]: integrita lists confirm {s.id} (or reject)")


@lists_app.command("import")
@handle_errors
@needs(Permission.LIST_IMPORT)
def import_(
    source: str = typer.Argument(..., help=f"One of: {', '.join(SOURCES)}."),
    path: Path = typer.Argument(..., help="The list file as published (or the bank's CSV)."),
    map_: list[str] = typer.Option(
        [], "--map", help="bank CSV: FIELD=COLUMN (id, name, aliases, ...)."
    ),
    max_drop: float | None = typer.Option(
        None, "--max-drop", help="Hold the file when it drops more than this share."
    ),
    screen: bool = typer.Option(
        True, "--screen/--no-screen", help="Delta-screen the book against what changed."
    ),
) -> None:
    """Import a list file as the next snapshot of its source, then screen what changed."""
    ctx = context()
    diff = lists.import_list(
        ctx, source, path, actor=signed_in(ctx), mapping=_mapping(map_), max_drop_share=max_drop
    )
    _print_diff(diff)
    if screen and diff.snapshot.status == "applied" and diff.to_screen:
        _delta(diff)


def _delta(diff: lists.ListDiff) -> None:
    ctx = context()
    # only the customers whose keys meet a changed entity are scored: their number is known
    # after the join, so the bar counts them without a total
    with progress_bar(
        f"delta screening ({len(diff.to_screen)} entities): customers scored"
    ) as advance:
        summary = points.screen_delta(
            ctx, diff.snapshot.id, diff.to_screen, actor=signed_in(ctx), progress=advance
        )
    _print_summary(summary)


@lists_app.command("status")
@handle_errors
@needs(Permission.SCREENING_READ)
def status(source: str | None = typer.Argument(None)) -> None:
    """Every snapshot of every list (or of one), newest first."""
    table = Table(
        "id",
        "source",
        "version",
        "status",
        "entities",
        "added",
        "removed",
        "changed",
        "file",
        "imported",
    )
    for s in lists.status(context(), source):
        table.add_row(
            str(s.id),
            s.source,
            str(s.version),
            s.status,
            f"{s.entity_count:,}",
            str(s.added),
            str(s.removed),
            str(s.changed),
            s.file_name,
            s.imported_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@lists_app.command("diff")
@handle_errors
@needs(Permission.SCREENING_READ)
def diff(snapshot_id: int = typer.Argument(...), limit: int = typer.Option(50, "--limit")) -> None:
    """What a snapshot added, removed and changed against the one before it."""
    result = lists.diff(context(), snapshot_id)
    _print_diff(result)
    for label, ids in (
        ("added", result.added),
        ("removed", result.removed),
        ("changed", result.changed),
    ):
        if ids:
            shown = ", ".join(ids[:limit]) + (" ..." if len(ids) > limit else "")
            console.print(f"{label}: {shown}")


@lists_app.command("confirm")
@handle_errors
@needs(Permission.LIST_IMPORT)
def confirm(snapshot_id: int = typer.Argument(...)) -> None:
    """Apply a snapshot held for dropping too many entities."""
    ctx = context()
    result = lists.decide_held(ctx, snapshot_id, True, actor=signed_in(ctx))
    _print_diff(result)
    if result.to_screen:
        _delta(result)


@lists_app.command("reject")
@handle_errors
@needs(Permission.LIST_IMPORT)
def reject(snapshot_id: int = typer.Argument(...)) -> None:
    """Reject a held snapshot; the previous one stays in force."""
    ctx = context()
    _print_diff(lists.decide_held(ctx, snapshot_id, False, actor=signed_in(ctx)))


def _print_summary(summary: points.ScreeningSummary) -> None:
    console.print(
        f"{summary.trigger}: screened {summary.screened:,} customers in {summary.seconds:.1f}s; "
        f"{summary.matches} over the threshold, {summary.new_matches} new, "
        f"{summary.suppressed} suppressed by the good-guy list, {summary.alerts} alerts raised"
    )


def _subject(
    name: str, birth_date: str | None, country: list[str], id_: list[str], schema: str
) -> Subject:
    identifiers = []
    for value in id_:
        kind, _, number = value.rpartition(":")
        identifiers.append(Identifier(kind or "passport", number))
    return Subject(
        name=name,
        schema=schema,
        birth_date=birth_date,
        countries=tuple(c.upper() for c in country),
        identifiers=tuple(identifiers),
    )


@handle_errors
@needs(Permission.SCREENING_RUN)
def screen(
    name: str | None = typer.Argument(None, help="A name to screen (any script)."),
    birth_date: str | None = typer.Option(None, "--birth-date", help="YYYY-MM-DD or YYYY."),
    country: list[str] = typer.Option([], "--country", help="ISO country code (repeatable)."),
    id_: list[str] = typer.Option([], "--id", help="KIND:NUMBER, e.g. passport:E1234567."),
    schema: str = typer.Option(
        "Person", "--schema", help="Person, Company, Organization or LegalEntity."
    ),
    near: bool = typer.Option(False, "--near", help="Show near-misses below the threshold too."),
    batch: Path | None = typer.Option(
        None, "--batch", help="CSV with name[, birth_date, country, id, schema, reference]."
    ),
    out: Path | None = typer.Option(None, "--out", help="Where --batch writes its matches (CSV)."),
    book: bool = typer.Option(False, "--book", help="Screen every customer against every list."),
    customer: list[str] = typer.Option(
        [], "--customer", help="Screen these customers (new or changed; repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Screen a name, a CSV file of names, or the whole book against the lists in force."""
    ctx = context()
    if book:
        with progress_bar("screening the book", total=points.book_size(ctx)) as advance:
            _print_summary(points.screen_book(ctx, actor=signed_in(ctx), progress=advance))
        return
    if batch is not None:
        _screen_file(batch, out)
        return
    if customer:
        _print_summary(
            points.screen_customers(ctx, customer, actor=signed_in(ctx), trigger="change")
        )
        return
    if not name:
        raise InputError("give a NAME, --batch FILE, --customer ID or --book", field="name")
    found = points.screen_name(
        ctx,
        _subject(name, birth_date, country, id_, schema),
        actor=signed_in(ctx),
        near_misses=near,
    )
    if as_json:
        console.print_json(json.dumps([_candidate_json(c) for c in found], ensure_ascii=False))
        return
    if not found:
        console.print(f"no candidate for {name!r} at or above the threshold")
    for c in found:
        flag = "[bold red]MATCH[/]" if c.is_match else "near-miss"
        console.print(
            f"{flag} {c.score:.3f}  {c.caption} ({c.schema}, {c.source}:{c.entity_id}, snapshot {c.snapshot_id})"
        )
        console.print(
            f"    matched name: {c.matched_name}   programmes: {', '.join(c.programmes) or '-'}"
        )
        for f in c.features:
            console.print(f"    {f.name:<28} {f.value:+.3f}  {f.explanation}")


def _candidate_json(c: points.CandidateView) -> dict[str, object]:
    return {
        "source": c.source,
        "entity_id": c.entity_id,
        "caption": c.caption,
        "schema": c.schema,
        "score": c.score,
        "is_match": c.is_match,
        "matched_name": c.matched_name,
        "snapshot_id": c.snapshot_id,
        "features": [
            {"name": f.name, "value": f.value, "explanation": f.explanation} for f in c.features
        ],
    }


def _screen_file(path: Path, out: Path | None) -> None:
    if out is None:
        raise InputError("--batch needs --out FILE for the matches", field="out")
    ctx = context()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "name" not in rows[0]:
        raise InputError(f"{path.name}, line 1: no 'name' column", field="batch")
    written = 0
    with (
        out.open("w", newline="", encoding="utf-8") as handle,
        progress_bar("screening", total=len(rows)) as advance,
    ):
        writer = csv.writer(handle)
        writer.writerow(
            [
                "line",
                "reference",
                "name",
                "score",
                "source",
                "entity_id",
                "caption",
                "matched_name",
                "features",
            ]
        )
        for line_no, row in enumerate(rows, start=2):
            name = (row.get("name") or "").strip()
            if not name:
                raise InputError(f"{path.name}, line {line_no}: empty name", field="batch")
            subject = _subject(
                name,
                (row.get("birth_date") or None),
                [c for c in (row.get("country") or "").split(";") if c],
                [i for i in (row.get("id") or "").split(";") if i],
                row.get("schema") or "Person",
            )
            for c in points.screen_name(ctx, subject, actor=signed_in(ctx)):
                writer.writerow(
                    [
                        line_no,
                        row.get("reference", ""),
                        name,
                        f"{c.score:.4f}",
                        c.source,
                        c.entity_id,
                        c.caption,
                        c.matched_name,
                        ";".join(f.name for f in c.features),
                    ]
                )
                written += 1
            advance(1)
    console.print(f"screened {len(rows):,} names; {written} matches written to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(lists_app, name="lists")
    app.command("screen")(screen)
