"""The command line loads only the modules a command needs, and the map that says which
module registers which command agrees with what the modules register."""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer
from typer.testing import CliRunner

from integrita.cli.main import COMMAND_MODULES, MODULES, build_app


def test_the_command_map_names_exactly_what_each_module_registers() -> None:
    registered: dict[str, set[str]] = {}
    for name in MODULES:
        app = typer.Typer()
        importlib.import_module(f"integrita.cli.{name}").register(app)
        commands = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
        for command in [*commands, *(g.name for g in app.registered_groups)]:
            registered.setdefault(str(command), set()).add(name)
    assert {k: set(v) for k, v in COMMAND_MODULES.items()} == registered


def test_running_ingest_does_not_import_the_pdf_and_chart_libraries() -> None:
    probe = (
        "import sys; from integrita.cli.main import build_app; build_app(['ingest']); "
        "print(sorted(m for m in ('fpdf', 'altair', 'vl_convert', 'xmlschema') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_every_capability() -> None:
    app = build_app([])
    names = {c.name or c.callback.__name__ for c in app.registered_commands}  # type: ignore[union-attr]
    names |= {str(g.name) for g in app.registered_groups}
    assert set(COMMAND_MODULES) <= names


def test_a_command_loaded_alone_is_still_a_sub_command() -> None:
    result = CliRunner().invoke(build_app(["serve", "--help"]), ["serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "--port" in result.output
