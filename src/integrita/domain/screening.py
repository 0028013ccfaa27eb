"""Sanctions and PEP screening: list entities, the subjects screened against them, and the
governed flows of a match (disposition) and of the good-guy list.

Plain types only; matching lives in :mod:`integrita.detection.screening`, list files are read
in :mod:`integrita.services.screening.formats`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from integrita.domain.permissions import Permission
from integrita.domain.workflow import AUTHORS, Involvement, Workflow, by_action, person_step

#: The kinds of entity a list names (FollowTheMoney's schema names).
PERSON = "Person"
ORGANISATION_SCHEMAS = frozenset({"Company", "Organization", "PublicBody"})
SCHEMAS = frozenset({PERSON, "LegalEntity", "Vessel", "Airplane"} | ORGANISATION_SCHEMAS)

#: The list sources integrita reads.
SOURCES = {
    "un": "UN Security Council consolidated list (XML)",
    "ofac_sdn": "OFAC Specially Designated Nationals (XML or CSV)",
    "ofac_cons": "OFAC consolidated non-SDN list (XML or CSV)",
    "eu": "EU financial sanctions file (XML)",
    "ftm": "OpenSanctions / FollowTheMoney entities (JSON lines)",
    "bank": "the bank's own watch or PEP list (CSV with a column mapping)",
}


def is_organisation(schema: str) -> bool:
    return schema in ORGANISATION_SCHEMAS


@dataclass(frozen=True, slots=True)
class Identifier:
    """A document number as a list writes it: passport, national id, registration number."""

    kind: str
    number: str
    country: str | None = None

    @property
    def normalised(self) -> str:
        return "".join(c for c in self.number.upper() if c.isalnum())


@dataclass(frozen=True, slots=True)
class ListEntity:
    """One person or organisation on a list, with everything a match can be judged on."""

    entity_id: str
    schema: str
    names: tuple[str, ...]
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    programmes: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def caption(self) -> str:
        return self.names[0] if self.names else self.entity_id

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ListEntity:
        return cls(
            entity_id=str(data["entity_id"]),
            schema=str(data["schema"]),
            names=tuple(data.get("names", ())),
            birth_dates=tuple(data.get("birth_dates", ())),
            countries=tuple(data.get("countries", ())),
            identifiers=tuple(Identifier(**i) for i in data.get("identifiers", ())),
            programmes=tuple(data.get("programmes", ())),
            topics=tuple(data.get("topics", ())),
        )

    def content_hash(self) -> str:
        """Changes when anything a match depends on changes (the diff and the good-guy list
        read it)."""
        payload = orjson.dumps(self.to_json(), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(payload).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is screened: a customer, a payment's counterparty or a name typed by an analyst."""

    name: str
    schema: str = PERSON
    birth_date: str | None = None
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    reference: str | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def content_hash(self) -> str:
        payload = orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(payload).hexdigest()[:32]


def dropped_share(previous: int, removed: int) -> float:
    """The share of the previous snapshot's entities a new file no longer contains."""
    return removed / previous if previous else 0.0


# -- governed flows --------------------------------------------------------------------------


class MatchState:
    OPEN = "open"
    PROPOSED_TRUE = "proposed_true_match"
    PROPOSED_FALSE = "proposed_false_positive"
    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"


MATCH_WORKFLOW = Workflow(
    name="screening_match",
    label="screening match",
    states=frozenset(
        {
            MatchState.OPEN,
            MatchState.PROPOSED_TRUE,
            MatchState.PROPOSED_FALSE,
            MatchState.TRUE_MATCH,
            MatchState.FALSE_POSITIVE,
        }
    ),
    steps=by_action(
        person_step(
            "propose_true_match",
            MatchState.OPEN,
            MatchState.PROPOSED_TRUE,
            Permission.MATCH_DISPOSE,
            "the analyst finds that the customer is the listed entity",
            involvement=Involvement.PROPOSED,
            binds_version=True,
        ),
        person_step(
            "propose_false_positive",
            MatchState.OPEN,
            MatchState.PROPOSED_FALSE,
            Permission.MATCH_DISPOSE,
            "the analyst finds that the customer is someone else",
            involvement=Involvement.PROPOSED,
            binds_version=True,
        ),
        person_step(
            "approve",
            {MatchState.PROPOSED_TRUE, MatchState.PROPOSED_FALSE},
            None,
            Permission.MATCH_APPROVE,
            "a second person confirms the proposed disposition",
            involvement=Involvement.APPROVED,
            excludes=AUTHORS,
            binds_version=True,
        ),
        person_step(
            "return",
            {MatchState.PROPOSED_TRUE, MatchState.PROPOSED_FALSE},
            MatchState.OPEN,
            Permission.MATCH_APPROVE,
            "the reviewer sends the match back for another look",
            involvement=Involvement.REVIEWED,
            excludes=AUTHORS,
            binds_version=True,
        ),
    ),
)

# Every step binds the version of the match the person saw, and every step makes a new
# version: a reviewer approves the proposal on the page, never one made or returned since.

#: What an approved proposal becomes.
APPROVED_STATE = {
    MatchState.PROPOSED_TRUE: MatchState.TRUE_MATCH,
    MatchState.PROPOSED_FALSE: MatchState.FALSE_POSITIVE,
}


class GoodGuyState:
    PROPOSED = "proposed"
    ACTIVE = "active"
    REJECTED = "rejected"
    LAPSED = "lapsed"


GOOD_GUY_WORKFLOW = Workflow(
    name="good_guy",
    label="good-guy entry",
    states=frozenset(
        {GoodGuyState.PROPOSED, GoodGuyState.ACTIVE, GoodGuyState.REJECTED, GoodGuyState.LAPSED}
    ),
    steps=by_action(
        person_step(
            "approve",
            GoodGuyState.PROPOSED,
            GoodGuyState.ACTIVE,
            Permission.GOOD_GUY_APPROVE,
            "a second person confirms that this customer is not this listed entity",
            involvement=Involvement.APPROVED,
            excludes=AUTHORS,
        ),
        person_step(
            "reject",
            GoodGuyState.PROPOSED,
            GoodGuyState.REJECTED,
            Permission.GOOD_GUY_APPROVE,
            "the second person does not confirm the entry",
            involvement=Involvement.REVIEWED,
            excludes=AUTHORS,
        ),
    ),
)
