"""The ``integrita`` command. Each capability registers its commands from its own module."""

from __future__ import annotations

import typer

from integrita.cli import (
    admin,
    care,
    casework,
    demo,
    detection,
    foundation,
    realtime,
    risk,
    serve,
    synthetic,
)

app = typer.Typer(
    name="integrita",
    help="Compliance and customer-protection platform for banks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# One line per capability; each module adds its commands and sub-groups to the app.
for module in (
    synthetic,
    foundation,
    admin,
    serve,
    realtime,
    care,
    risk,
    casework,
    detection,
    demo,
):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
