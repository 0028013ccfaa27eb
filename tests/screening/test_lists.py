"""List imports: versioned snapshots, their diff, and the hold on a file that drops too much."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from integrita.errors import InputError, PermissionDeniedError
from integrita.services.core.context import Context
from integrita.services.screening import lists
from tests.screening.conftest import ANALYST, FIXTURES, OPERATOR


def _ftm(path: Path, people: dict[str, str]) -> Path:
    path.write_bytes(
        b"\n".join(
            orjson.dumps({"id": k, "schema": "Person", "properties": {"name": [v]}})
            for k, v in people.items()
        )
    )
    return path


def test_each_import_is_a_versioned_snapshot_with_a_diff(ctx: Context, tmp_path: Path) -> None:
    first = lists.import_list(
        ctx,
        "ftm",
        _ftm(tmp_path / "a.jsonl", {"a": "Wang Jianguo", "b": "Li Na", "c": "Zhou Xun"}),
        actor=OPERATOR,
    )
    assert (first.snapshot.version, first.snapshot.status, first.added) == (
        1,
        "applied",
        ("a", "b", "c"),
    )
    second = lists.import_list(
        ctx,
        "ftm",
        _ftm(
            tmp_path / "b.jsonl",
            {"a": "Wang Jianguo", "b": "Li Na Na", "c": "Zhou Xun", "d": "Chen Kun"},
        ),
        actor=OPERATOR,
    )
    assert second.snapshot.version == 2
    assert (second.added, second.removed, second.changed) == (("d",), (), ("b",))
    assert second.to_screen == ("d", "b")
    assert lists.diff(ctx, second.snapshot.id).changed == ("b",)
    statuses = {s.version: s.status for s in lists.status(ctx, "ftm")}
    assert statuses == {1: "superseded", 2: "applied"}


def test_a_file_that_drops_too_many_entities_is_held_not_applied(
    ctx: Context, tmp_path: Path
) -> None:
    people = {str(i): f"Person Number {i}" for i in range(20)}
    lists.import_list(ctx, "ftm", _ftm(tmp_path / "full.jsonl", people), actor=OPERATOR)
    cut = dict(list(people.items())[:10])
    held = lists.import_list(ctx, "ftm", _ftm(tmp_path / "cut.jsonl", cut), actor=OPERATOR)
    assert held.snapshot.status == "held"
    assert len(held.removed) == 10
    assert "held for confirmation" in (held.snapshot.note or "")
    assert {s.status for s in lists.status(ctx, "ftm")} == {"applied", "held"}
    confirmed = lists.decide_held(ctx, held.snapshot.id, True, actor=OPERATOR)
    assert confirmed.snapshot.status == "applied"


def test_the_drop_share_is_configurable(ctx: Context, tmp_path: Path) -> None:
    lists.import_list(
        ctx, "ftm", _ftm(tmp_path / "a.jsonl", {"a": "A B", "b": "C D"}), actor=OPERATOR
    )
    applied = lists.import_list(
        ctx, "ftm", _ftm(tmp_path / "b.jsonl", {"a": "A B"}), actor=OPERATOR, max_drop_share=0.6
    )
    assert applied.snapshot.status == "applied"


def test_a_malformed_file_changes_nothing(ctx: Context) -> None:
    with pytest.raises(InputError, match="line 2"):
        lists.import_list(ctx, "ftm", FIXTURES / "broken.jsonl", actor=OPERATOR)
    assert lists.status(ctx) == []


def test_importing_a_list_needs_the_import_permission(ctx: Context) -> None:
    with pytest.raises(PermissionDeniedError):
        lists.import_list(ctx, "un", FIXTURES / "un_consolidated.xml", actor=ANALYST)


def test_every_published_format_imports(ctx: Context) -> None:
    for source, name in (
        ("un", "un_consolidated.xml"),
        ("ofac_sdn", "ofac_sdn.xml"),
        ("ofac_cons", "sdn.csv"),
        ("eu", "eu_fsf.xml"),
        ("ftm", "opensanctions.jsonl"),
    ):
        result = lists.import_list(ctx, source, FIXTURES / name, actor=OPERATOR)
        assert result.snapshot.entity_count >= 2, source
