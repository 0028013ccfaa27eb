"""Every command of the ``integrita`` CLI declares what it needs, from the one permission table."""

from __future__ import annotations

import click
import typer.main

from integrita.cli.identity import BATCH, DECLARATION, LOCAL
from integrita.cli.main import build_app
from integrita.domain.permissions import POLICY, Permission


def _commands(group: click.Command, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            found.update(_commands(command, f"{prefix} {name}".strip()))
    else:
        found[prefix] = group
    return found


def test_every_cli_command_declares_exactly_one_permission_or_runs_as_the_system() -> None:
    commands = _commands(typer.main.get_command(build_app()))
    assert len(commands) > 40
    declared = {name: getattr(c.callback, DECLARATION, None) for name, c in commands.items()}
    undeclared = sorted(name for name, d in declared.items() if d is None)
    assert undeclared == []
    for name, declaration in declared.items():
        assert declaration in (BATCH, LOCAL) or (
            isinstance(declaration, Permission) and declaration in POLICY
        ), name
    # the commands that change a governed record act as a person, never as the system
    assert declared["rules propose"] is Permission.RULESET_PROPOSE
    assert declared["rules approve"] is Permission.RULESET_ACTIVATE
    assert declared["rules rebase"] is Permission.RULESET_PROPOSE
    assert declared["detect run"] == BATCH and declared["ingest"] == BATCH
    assert declared["outbox dispatch"] == BATCH and declared["care sweep"] == BATCH


def test_no_command_takes_a_user_name_to_act_as() -> None:
    commands = _commands(typer.main.get_command(build_app()))
    visible_as = [
        name
        for name, command in commands.items()
        for param in command.params
        if "--as" in getattr(param, "opts", []) and not getattr(param, "hidden", False)
    ]
    assert visible_as == []
