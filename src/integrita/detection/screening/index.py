"""The blocking index: a name meets tens of candidates, not the whole list.

An in-memory inverted index from short keys to list entities. A name's keys are its canonical
words, their phonetic keys, its Chinese readings (surname|given, in either order) and its
characters; a query collects the entities that share keys with it, skipping keys so common they
prove nothing (a frequent surname alone), and scores only the best-sharing few.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from integrita.detection.screening.matcher import (
    DEFAULT_THRESHOLD,
    MatchResult,
    parse_all,
    score_at_least,
)
from integrita.detection.screening.names import ParsedName
from integrita.domain.screening import ListEntity, Subject

#: How many candidates a query scores at most.
MAX_CANDIDATES = 20
#: Keys a candidate must share with the query, unless it shares a Chinese reading or characters.
MIN_SHARED_KEYS = 2
#: A key shared by more than 1% of the entities (at most this many, at least the next) is
#: skipped unless the query has nothing better: it tells candidates apart no more than "Wang".
MAX_POSTING = 2_000
MIN_POSTING_CAP = 50


def name_keys(name: ParsedName) -> set[str]:
    """The blocking keys of one parsed name."""
    keys: set[str] = set()
    for token in name.canonical_tokens:
        if len(token) > 1:
            keys.add("t:" + token)
    for code in name.phonetic:
        if len(code) > 1:
            keys.add("m:" + code)
    for reading in name.readings:
        keys.add("r:" + reading.key)
        keys.add("s:" + reading.given)
    if name.han:
        keys.add("h:" + name.han)
        if len(name.han) > 4:
            keys.update("b:" + name.han[i : i + 2] for i in range(len(name.han) - 1))
    return keys


def is_strong_key(key: str) -> bool:
    """A Chinese reading or the same characters: one shared is reason enough to compare."""
    return key[0] in "rh"


#: The prefix of a Chinese-reading key (``r:surname|given``).
READING_PREFIX = "r:"


def key_evidence(key: str) -> str:
    """How a key shared with a changed entity counts when the book is joined against it:
    ``reading`` (a Chinese reading) and ``characters`` (the same characters) are enough alone;
    ``word`` (a word, two characters of a long name) and ``sound`` (a Metaphone key) count
    towards the two keys the index asks for; ``echo`` (a reading's given name, which repeats a
    word already counted) does not count."""
    kind = key[0]
    if kind == "r":
        return "reading"
    if kind == "h":
        return "characters"
    if kind == "m":
        return "sound"
    return "echo" if kind == "s" else "word"


def subject_keys(subject: Subject) -> set[str]:
    """Every blocking key of a subject's names (what the book's key store holds)."""
    keys: set[str] = set()
    for name in parse_all(subject.names, subject.schema):
        keys |= name_keys(name)
    return keys


@dataclass(slots=True)
class IndexedEntity:
    entity: ListEntity
    names: tuple[ParsedName, ...]
    source: str
    snapshot_id: int


class BlockingIndex:
    """Entities of one or more list snapshots, ready to be screened against.

    Postings are gathered in lists while entities are added and frozen into integer arrays on
    the first query, so a query counts its candidates' shared keys with a few array operations
    instead of a Python loop over every posting."""

    def __init__(self) -> None:
        self.entries: list[IndexedEntity] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.aliases = 0
        self._frozen: dict[str, npt.NDArray[np.int32]] | None = None

    def add(
        self, entities: Iterable[ListEntity], *, source: str = "", snapshot_id: int = 0
    ) -> None:
        for entity in entities:
            parsed = parse_all(entity.names, entity.schema)
            at = len(self.entries)
            self.entries.append(IndexedEntity(entity, parsed, source, snapshot_id))
            self.aliases += len(parsed)
            keys: set[str] = set()
            for name in parsed:
                keys |= name_keys(name)
            for key in keys:
                self.postings[key].append(at)
        self._frozen = None

    def __len__(self) -> int:
        return len(self.entries)

    def entity_keys(self) -> list[tuple[int, str, str]]:
        """``(entry, key, evidence)`` for every key of every entry (what delta screening joins
        against the book's keys; see :func:`key_evidence`)."""
        return [
            (at, key, key_evidence(key)) for key, posting in self.postings.items() for at in posting
        ]

    def freeze(self) -> BlockingIndex:
        """Turn the postings into arrays now (else the first query pays for it)."""
        self._arrays()
        return self

    def _arrays(self) -> dict[str, npt.NDArray[np.int32]]:
        if self._frozen is None:
            self._frozen = {k: np.asarray(v, dtype=np.int32) for k, v in self.postings.items()}
        return self._frozen

    def candidates(self, names: Iterable[ParsedName], limit: int = MAX_CANDIDATES) -> list[int]:
        """The entries sharing the most (and the rarest) keys with these names.

        Rare keys weigh most (1/log of their posting's length). A key held by more entities than
        the cap (a common surname, a common given name) is dropped unless it is a Chinese
        reading or characters, or nothing rarer blocks: it would bring hundreds of candidates
        and tell none of them apart."""
        keys: set[str] = set()
        for name in names:
            keys |= name_keys(name)
        frozen = self._arrays()
        postings = [(k, p) for k in keys if (p := frozen.get(k)) is not None and len(p)]
        if not postings:
            return []
        cap = max(MIN_POSTING_CAP, min(MAX_POSTING, len(self.entries) // 100))
        usable = [(k, p) for k, p in postings if len(p) <= cap or is_strong_key(k)]
        if len(usable) < MIN_SHARED_KEYS:
            usable = sorted(postings, key=lambda kp: len(kp[1]))[:MIN_SHARED_KEYS]
        ids = np.concatenate([p for _, p in usable])
        lengths = [len(p) for _, p in usable]
        weights = np.repeat(
            [(3.0 if is_strong_key(k) else 1.0) / math.log(2 + len(p)) for k, p in usable], lengths
        )
        strong = np.repeat([is_strong_key(k) for k, _ in usable], lengths)
        found, at = np.unique(ids, return_inverse=True)
        weight = np.bincount(at, weights=weights)
        shared = np.bincount(at)
        strong_hits = np.bincount(at, weights=strong)
        # one shared word (a surname, a given name, a sound) is no reason to compare
        keep = (strong_hits > 0) | (shared >= MIN_SHARED_KEYS)
        found, weight = found[keep], weight[keep]
        # heaviest first; among equals the entry indexed first
        order = np.lexsort((found, -weight))[:limit]
        return [int(i) for i in found[order]]

    def screen(
        self,
        subject: Subject,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = 10,
        among: Iterable[int] | None = None,
    ) -> list[tuple[IndexedEntity, MatchResult]]:
        """Score the subject against its candidates (or the entries ``among``, when a join of
        keys already chose them); the best first, those above ``threshold`` only (pass 0 to
        see near-misses)."""
        names = parse_all(subject.names, subject.schema)
        results = []
        for at in self.candidates(names) if among is None else among:
            entry = self.entries[at]
            result = score_at_least(subject, entry.entity, threshold, names, entry.names)
            if result is not None:
                results.append((entry, result))
        results.sort(key=lambda er: er[1].score, reverse=True)
        return results[:limit]
