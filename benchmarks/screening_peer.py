"""The peer: nomenklatura's own matcher (logic-v2, as yente uses it), run on labelled pairs.

Reads JSON lines ``{"i", "left", "right"}`` (each side: name, schema, country, birth_date) on
stdin and writes ``{"i", "score"}`` lines. Runs in any interpreter where nomenklatura is
installed (it pins library versions integrita's environment cannot take, so
``benchmarks/screening.py`` starts it in its own virtual environment).
"""

from __future__ import annotations

import sys

import orjson
from followthemoney import model
from nomenklatura.matching import LogicV2
from nomenklatura.matching.types import ScoringConfig


def entity(key: str, side: dict[str, str]):  # type: ignore[no-untyped-def]
    schema = side.get("schema") or "Person"
    proxy = model.make_entity(schema)
    proxy.id = key  # the matcher caches by id: every side of every pair gets its own
    proxy.add("name", side["name"])
    if side.get("birth_date") and schema == "Person":
        proxy.add("birthDate", side["birth_date"])
    if side.get("country"):
        proxy.add("nationality" if schema == "Person" else "country", side["country"])
    return proxy


def main() -> None:
    config = ScoringConfig.defaults()
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        item = orjson.loads(line)
        result = LogicV2.compare(
            entity(f"q{item['i']}", item["left"]), entity(f"r{item['i']}", item["right"]), config
        )
        out.write(orjson.dumps({"i": item["i"], "score": result.score}) + b"\n")
    out.flush()


if __name__ == "__main__":
    main()
