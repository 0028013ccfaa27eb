"""The ``integrita`` command. Each capability registers its commands from its own module."""

from __future__ import annotations

import typer

from integrita.cli import admin, demo, detection, foundation

app = typer.Typer(
    name="integrita",
    help="Compliance and customer-protection platform for banks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# One line per capability; each module adds its commands and sub-groups to the app.
for module in (foundation, admin, demo, detection):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
