"""Shared CLI plumbing: the service context, the console and turning errors into exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, Protocol, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from integrita.errors import InputError, IntegritaError
from integrita.logging import configure_logging
from integrita.services.core.context import Context
from integrita.settings import get_settings

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


_CONTEXTS: dict[int, tuple[object, Context]] = {}


def context() -> Context:
    """The service context built from settings, with the schema brought up to date.

    Made once per settings object, so a command and the sign-in check before it share it.
    """
    settings = get_settings()
    known = _CONTEXTS.get(id(settings))
    if known is not None and known[0] is settings:
        return known[1]
    configure_logging(settings.log_level, json_lines=settings.log_json)
    ctx = Context.from_settings(settings)
    _CONTEXTS.clear()
    _CONTEXTS[id(settings)] = (settings, ctx)
    return ctx


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print an :class:`IntegritaError` as one clear line and exit with its code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IntegritaError as exc:
            err_console.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(exc.exit_code) from exc

    return wrapper


@contextmanager
def progress_bar(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """A Rich progress bar; yields a function that advances it."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(description, total=total)

        def advance(step: float) -> None:
            progress.update(task, advance=step)

        yield advance


def report_group(app: typer.Typer) -> typer.Typer:
    """The one ``integrita report`` group that every capability adds its figures to."""
    for group in app.registered_groups:
        if group.name == "report" and group.typer_instance is not None:
            return group.typer_instance
    report_app = typer.Typer(
        help="Figures a compliance report needs, computed from the records.", no_args_is_help=True
    )
    app.add_typer(report_app, name="report")
    return report_app


def parse_changes(assignments: list[str]) -> dict[str, object]:
    """``--set name=value`` options as a dict; the value is JSON when it parses, else text."""
    changes: dict[str, object] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set needs name=value, got {item!r}", field="set")
        try:
            changes[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            changes[name.strip()] = raw
    return changes


class Proposal(Protocol):
    """A proposed version with its diff against its base (a rule set, a parameter set)."""

    @property
    def version(self) -> int: ...
    @property
    def base_version(self) -> int | None: ...
    @property
    def diff(self) -> dict[str, Any] | None: ...


def print_diff(what: str, proposal: Proposal) -> None:
    """A proposal's diff (rule set or parameter set): one row per ``what`` changed, its value
    in the base version and in the proposed one."""
    table = Table(what, f"version {proposal.base_version}", f"version {proposal.version}")
    for name, change in (proposal.diff or {}).items():
        values = change if isinstance(change, dict) else {}
        table.add_row(name, json.dumps(values.get("from")), json.dumps(values.get("to")))
    console.print(table)
