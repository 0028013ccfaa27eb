"""The matching features: each a registered, pure function whose docstring is what an analyst
reads as the reason a match scored as it did.

*Name features* compare two parsed names and return a similarity in [0, 1]; the name score is
the best weighted similarity over every pair of the subject's and the entity's names.
*Evidence features* compare the rest of the two records (birth date, country, identifiers,
entity type) and return an adjustment that raises or lowers the score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from integrita.detection.screening.names import ParsedName
from integrita.domain.screening import PERSON, ListEntity, Subject, is_organisation

NameFeature = Callable[[ParsedName, ParsedName], float]
EvidenceFeature = Callable[[Subject, ListEntity], float]
F = TypeVar("F", bound=Callable[..., float])


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """A feature as the registry holds it: its name, kind, weight and explanation."""

    name: str
    kind: str  # "name" | "evidence"
    weight: float
    func: Callable[..., float]
    explanation: str


def _first_paragraph(func: Callable[..., float]) -> str:
    doc = (func.__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


REGISTRY: dict[str, FeatureSpec] = {}
_BY_KIND: dict[str, tuple[FeatureSpec, ...]] = {}


def feature(name: str, kind: str, weight: float) -> Callable[[F], F]:
    """Register a feature under ``name`` with its weight (the score it gives at full strength)."""

    def register(func: F) -> F:
        if name in REGISTRY:
            raise ValueError(f"feature {name} is registered twice")
        REGISTRY[name] = FeatureSpec(name, kind, weight, func, _first_paragraph(func))
        _BY_KIND.clear()
        return func

    return register


# -- names -------------------------------------------------------------------------------------


@feature("han_characters_identical", "name", 1.0)
def han_characters_identical(left: ParsedName, right: ParsedName) -> float:
    """Both names are written in the same Chinese characters, traditional forms read as
    simplified (張偉 is 张伟)."""
    return 1.0 if left.han and left.han == right.han else 0.0


@feature("chinese_reading_identical", "name", 0.96)
def chinese_reading_identical(left: ParsedName, right: ParsedName) -> float:
    """Read as Chinese, both names have the same surname and given name in pinyin, in either
    name order and with Wade-Giles or Cantonese surnames read as pinyin (ZHANG Wei, Wei Zhang,
    Cheung Wai and 张伟 all read zhang|wei). Tones are not written, so homophones also agree."""
    return 1.0 if not left.reading_keys.isdisjoint(right.reading_keys) else 0.0


@feature("chinese_reading_similar", "name", 0.92)
def chinese_reading_similar(left: ParsedName, right: ParsedName) -> float:
    """Read as Chinese, the surnames agree and the given names differ by a letter or two
    (a spelling slip in pinyin)."""
    if left.han and right.han:
        return 0.0
    best = 0.0
    for a in left.readings:
        for b in right.readings:
            if a.surname == b.surname and a.given and b.given and a.given != b.given:
                best = max(best, ratio(a.given, b.given) / 100)
    return best if best >= 0.8 else 0.0


@feature("chinese_initials", "name", 0.78)
def chinese_initials(left: ParsedName, right: ParsedName) -> float:
    """One name gives the given name only as initials and the surname and initials agree
    (ZHANG W. against Zhang Wei, WANG J.G. or WANG J. against Wang Jianguo); weaker evidence, as many people share initials."""
    for a, b in ((left, right), (right, left)):
        short = [t for t in a.canonical_tokens if len(t) == 1]
        if not short or not b.readings:
            continue
        long = [t for t in a.canonical_tokens if len(t) > 1]
        if len(long) != 1:
            continue
        for r in b.readings:
            letters = "".join(short)
            if r.surname == long[0] and letters in (r.initials[1:], r.given[:1]):
                return 1.0
    return 0.0


def _chinese_on_both_sides(left: ParsedName, right: ParsedName) -> bool:
    """Both names are written in characters, or both read as Chinese names: the Chinese
    features judge them, since pinyin syllables are too alike for letter-level similarity
    (li and liu, zhang and zheng are different surnames)."""
    return bool((left.han and right.han) or (left.readings and right.readings))


def _aligned(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    if not left or not right:
        return 0.0
    if len(left) > len(right):
        left, right = right, left
    remaining = list(right)
    matched = 0.0
    own = 0.0
    paired = 0
    for token in sorted(left, key=len, reverse=True):
        best, at = 0.0, -1
        for i, other in enumerate(remaining):
            sim = ratio(token, other) / 100
            if sim > best:
                best, at = sim, i
        if at >= 0 and best >= 0.75:
            matched += best * (len(token) + len(remaining[at]))
            own += best * len(token) if len(token) > 1 else 0.0
            remaining.pop(at)
            paired += len(token) > 1
    total = sum(map(len, left)) + sum(map(len, right))
    # words of one letter (a middle initial) neither count for nor against a name
    short_words = sum(len(t) > 1 for t in left)
    long_words = sum(len(t) > 1 for t in right)
    if short_words >= 2 and paired >= short_words and long_words > short_words:
        # every word of the shorter name found: a middle or extra name missing on one side
        # (Ivan Sidorov against Ivan Petrovich Sidorov) costs a fixed share, not its letters
        return 0.92 * own / (sum(len(t) for t in left if len(t) > 1) or 1)
    return (matched / total) * (paired / max(long_words, 1)) ** 0.5 if total else 0.0


@feature("name_tokens_similar", "name", 1.0)
def name_tokens_similar(left: ParsedName, right: ParsedName) -> float:
    """The words of the two names pair up in any order with close spellings (Levenshtein
    similarity of each pair, weighted by length); a word left without a partner lowers it, so a
    surname alone does not match a full name."""
    if _chinese_on_both_sides(left, right):
        return 0.0
    if left.canonical_tokens == right.canonical_tokens and left.canonical_tokens:
        return 0.97
    return 0.97 * _aligned(left.canonical_tokens, right.canonical_tokens)


@feature("name_joined_similar", "name", 0.95)
def name_joined_similar(left: ParsedName, right: ParsedName) -> float:
    """The names match once spaces and hyphens are ignored (Abdulrahman against Abdul Rahman,
    Xiaoming against Xiao-Ming)."""
    a, b = "".join(left.canonical_tokens), "".join(right.canonical_tokens)
    if _chinese_on_both_sides(left, right):
        return 0.0
    if len(left.canonical_tokens) == len(right.canonical_tokens) or not a or not b:
        return 0.0
    sim = ratio(a, b) / 100
    return sim if sim >= 0.9 else 0.0


@feature("phonetic_identical", "name", 0.88)
def phonetic_identical(left: ParsedName, right: ParsedName) -> float:
    """Every word sounds the same (Metaphone keys agree in some order), e.g. Mohammed and
    Muhammad; names of two or more words only."""
    if _chinese_on_both_sides(left, right):
        return 0.0
    if len(left.phonetic) < 2 or len(left.phonetic) != len(right.phonetic):
        return 0.0
    return 1.0 if sorted(left.phonetic) == sorted(right.phonetic) else 0.0


@feature("organisation_name_similar", "name", 0.97)
def organisation_name_similar(left: ParsedName, right: ParsedName) -> float:
    """Organisation names agree once legal forms (Ltd, LLC, 有限公司, 股份有限公司) are set aside:
    by characters for Chinese names, by edit distance for Latin ones."""
    if left.readings or right.readings:
        return 0.0
    if left.han and right.han and len(left.han) > 1:
        return Levenshtein.normalized_similarity(left.han, right.han)
    return 0.0


# -- evidence ----------------------------------------------------------------------------------


def _year(value: str) -> int | None:
    head = value[:4]
    return int(head) if head.isdigit() else None


@feature("birth_date", "evidence", 1.0)
def birth_date(subject: Subject, entity: ListEntity) -> float:
    """Birth dates: the same date raises the score a little and the same year less; dates
    two to nine years apart lower it; dates a decade or more apart lower it far enough that
    even an identical name stays below the threshold (a namesake, not the listed person)."""
    if not subject.birth_date or not entity.birth_dates:
        return 0.0
    if subject.birth_date in entity.birth_dates:
        return 0.05
    mine = _year(subject.birth_date)
    years = [y for y in map(_year, entity.birth_dates) if y is not None]
    if mine is None or not years:
        return 0.0
    gap = min(abs(mine - y) for y in years)
    if gap == 0:
        partial = any(len(d) <= 7 for d in entity.birth_dates) or len(subject.birth_date) <= 7
        return 0.02 if partial else -0.03
    if gap == 1:
        return -0.05
    return -0.35 if gap >= 10 else -0.25


@feature("country", "evidence", 1.0)
def country(subject: Subject, entity: ListEntity) -> float:
    """Nationality or country: a shared country raises the score slightly; when both records
    name countries and none is shared, it is lowered slightly (people move, lists lag)."""
    if not subject.countries or not entity.countries:
        return 0.0
    return 0.03 if set(subject.countries) & set(entity.countries) else -0.08


@feature("identifier", "evidence", 1.0)
def identifier(subject: Subject, entity: ListEntity) -> float:
    """Identity documents: an identical passport, national id or registration number is
    decisive; a different number of the same kind nearly rules the match out."""
    theirs = {(i.kind, i.normalised) for i in entity.identifiers}
    numbers = {n for _, n in theirs}
    kinds = {k for k, _ in theirs}
    clash = False
    for ident in subject.identifiers:
        if ident.normalised and ident.normalised in numbers:
            return 1.0
        if ident.kind in kinds:
            clash = True
    return -0.45 if clash else 0.0


@feature("entity_type", "evidence", 1.0)
def entity_type(subject: Subject, entity: ListEntity) -> float:
    """Entity type: a person screened against a company (or the reverse) is lowered hard."""
    if entity.schema == "LegalEntity" or subject.schema == "LegalEntity":
        return 0.0
    mine_person = subject.schema == PERSON
    theirs_person = entity.schema == PERSON
    if mine_person != theirs_person and (
        is_organisation(entity.schema) or is_organisation(subject.schema)
    ):
        return -0.4
    return 0.0


def _of_kind(kind: str) -> tuple[FeatureSpec, ...]:
    found = _BY_KIND.get(kind)
    if found is None:
        found = _BY_KIND[kind] = tuple(f for f in REGISTRY.values() if f.kind == kind)
    return found


def name_features() -> tuple[FeatureSpec, ...]:
    return _of_kind("name")


def evidence_features() -> tuple[FeatureSpec, ...]:
    return _of_kind("evidence")


def features_by_weight() -> tuple[FeatureSpec, ...]:
    """The name features, heaviest first (the order in which a best score is settled)."""
    found = _BY_KIND.get("name_by_weight")
    if found is None:
        found = _BY_KIND["name_by_weight"] = tuple(
            sorted(name_features(), key=lambda f: f.weight, reverse=True)
        )
    return found
