"""The ``integrita`` command. Each capability registers its commands from its own module.

Running one command imports only the modules that register it (``ingest`` needs neither the
PDF nor the chart libraries of case work and risk, which take seconds to import); ``--help``
and anything not in :data:`COMMAND_MODULES` load every module.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

#: Every capability's command module, in the order ``--help`` lists them.
MODULES = (
    "synthetic",
    "foundation",
    "admin",
    "calendar",
    "serve",
    "realtime",
    "outbox",
    "stream",
    "care",
    "risk",
    "casework",
    "detection",
    "screening",
    "reporting",
    "governance",
    "demo",
)

#: Top-level command or group -> the modules that register it (a test keeps this in step).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "generate": ("synthetic",),
    "ingest": ("foundation",),
    "db": ("foundation",),
    "ledger": ("foundation",),
    "users": ("admin",),
    "login": ("admin",),
    "logout": ("admin",),
    "audit": ("admin",),
    "calendar": ("calendar",),
    "tokens": ("admin",),
    "serve": ("serve",),
    "rules": ("realtime",),
    "outbox": ("outbox",),
    "stream": ("stream",),
    "payments": ("realtime",),
    "care": ("care",),
    "risk": ("risk",),
    "report": ("risk", "casework", "reporting"),
    "cases": ("casework",),
    "evaluate": ("detection",),
    "detect": ("detection",),
    "model": ("detection",),
    "lists": ("screening",),
    "screen": ("screening",),
    "governance": ("governance",),
    "demo": ("demo",),
}


def _root() -> None:
    """Compliance and customer-protection platform for banks."""


def build_app(argv: Sequence[str] = ()) -> typer.Typer:
    """The command-line application with the modules ``argv``'s command needs (all if unsure)."""
    app = typer.Typer(
        name="integrita",
        help="Compliance and customer-protection platform for banks.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    # a callback keeps the commands as sub-commands when only one module is loaded
    app.callback()(_root)
    command = next((a for a in argv if not a.startswith("-")), None)
    wanted = COMMAND_MODULES.get(command or "", MODULES)
    for name in MODULES:
        if name in wanted:
            importlib.import_module(f"integrita.cli.{name}").register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``integrita.cli.main.app``: the whole application (for tests and embedding)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    build_app(sys.argv[1:])()


if __name__ == "__main__":
    main()
