"""Names as the matcher reads them: normalised, by script, and in every rendering a list may use.

A list writes 张伟 as 张伟, 張偉, ZHANG Wei, Wei Zhang, Chang Wei (Wade-Giles) or Cheung Wai
(Cantonese); a bank's customer file writes it one way. This module turns any of those into the
same small set of *readings* so the features in :mod:`integrita.detection.screening.features`
can compare like with like. Everything here is pure and cached: a name is parsed once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
import opencc
from pypinyin.constants import PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal

from integrita.detection.screening.name_tables import (
    COMMON_PINYIN_SURNAMES,
    COMPOUND_SURNAMES,
    HAN_SURNAMES,
    LEGAL_FORMS_HAN,
    LEGAL_FORMS_LATIN,
    SURNAME_READINGS,
    SURNAME_VARIANTS,
    SYLLABLE_VARIANTS,
    UNMISTAKABLE_LEGAL_FORMS,
)

_T2S = opencc.OpenCC("t2s")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def _syllables() -> frozenset[str]:
    found: set[str] = set()
    for value in PINYIN_DICT.values():
        for reading in value.split(","):
            found.add(to_normal(reading).replace("ü", "v"))
    found.update({"lv", "nv", "lue", "nue"})
    return frozenset(s for s in found if s.isascii() and s.isalpha())


PINYIN_SYLLABLES = _syllables()


@lru_cache(maxsize=30_000)
def char_pinyin(char: str) -> str:
    """The most common toneless pinyin of one character (the character itself if it has none)."""
    readings = PINYIN_DICT.get(ord(char))
    if not readings:
        return char
    return to_normal(readings.split(",")[0]).replace("ü", "v")


def han_pinyin(han: str) -> list[str]:
    """Toneless pinyin, one syllable per character (a name has no phrases to segment)."""
    return [char_pinyin(c) for c in han]


_PINYIN_SURNAMES = (
    frozenset(SURNAME_VARIANTS.values())
    | COMMON_PINYIN_SURNAMES
    | frozenset(char_pinyin(c) for c in HAN_SURNAMES)
)


def script_of(text: str) -> str:
    """``han`` when the name is written in Chinese characters, ``latin`` otherwise (``mixed``
    when both appear, e.g. a company name with an English brand)."""
    has_han = bool(_HAN.search(text))
    has_latin = any(c.isascii() and c.isalpha() for c in text)
    if has_han and has_latin:
        return "mixed"
    return "han" if has_han else "latin"


def to_simplified(text: str) -> str:
    """Traditional characters (Hong Kong, Taiwan) as simplified ones: 張偉 -> 张伟."""
    return str(_T2S.convert(text))


def fold_latin(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: "Müller-Lüdenscheidt, O."
    -> "muller ludenscheidt o"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _NON_WORD.sub(" ", stripped.casefold().replace("'", ""))).strip()


@lru_cache(maxsize=100_000)
def split_pinyin(word: str) -> tuple[str, ...] | None:
    """A run of pinyin syllables split up ("xiaoming" -> xiao, ming), or None when ``word`` is
    not pinyin. The split prefers the fewest syllables."""
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in PINYIN_SYLLABLES:
                candidate = (*head, word[start:end])
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[n]


def _given_syllables(token: str) -> str | None:
    """A given-name word as pinyin: pinyin stays as it is (yan is 艳, not the Cantonese 欣);
    a Wade-Giles or Cantonese syllable that is not pinyin is read as its pinyin."""
    if split_pinyin(token) is not None:
        return token
    token = SYLLABLE_VARIANTS.get(token, token)
    return token if split_pinyin(token) is not None else None


@dataclass(frozen=True, slots=True)
class ChineseReading:
    """A personal name read as Chinese: surname and given name in toneless pinyin."""

    surname: str
    given: str

    @property
    def key(self) -> str:
        return f"{self.surname}|{self.given}"

    @property
    def initials(self) -> str:
        syllables = split_pinyin(self.given) or (self.given,)
        return self.surname[0] + "".join(s[0] for s in syllables)


@dataclass(frozen=True, slots=True)
class ParsedName:
    """One name with everything the features compare, computed once."""

    original: str
    script: str
    #: Folded Latin tokens (legal forms removed for organisations), or pinyin for Han names.
    tokens: tuple[str, ...]
    #: The same tokens, surname variants mapped to pinyin (Cheung -> zhang).
    canonical_tokens: tuple[str, ...]
    #: Simplified Chinese characters without legal forms ("" for Latin names).
    han: str
    #: Chinese readings (surname first and surname last for a Latin name; one for Han).
    readings: tuple[ChineseReading, ...]
    #: Phonetic keys (Metaphone) of the canonical tokens.
    phonetic: tuple[str, ...]
    #: ``surname|given`` of every reading, computed once for the features that compare them.
    reading_keys: frozenset[str] = frozenset()

    @property
    def joined(self) -> str:
        return " ".join(self.canonical_tokens)


def _strip_han_legal_forms(text: str) -> str:
    for form in LEGAL_FORMS_HAN:
        if text.endswith(form) and len(text) > len(form):
            return text[: -len(form)]
    return text


def _han_reading(han: str) -> ChineseReading | None:
    if not 2 <= len(han) <= 4:
        return None
    surname_len = 2 if han[:2] in COMPOUND_SURNAMES and len(han) >= 3 else 1
    surname = han[:surname_len]
    given = "".join(han_pinyin(han[surname_len:]))
    return ChineseReading(SURNAME_READINGS.get(surname) or "".join(han_pinyin(surname)), given)


def _latin_readings(tokens: tuple[str, ...]) -> tuple[ChineseReading, ...]:
    """Read a Latin name as Chinese with the surname first and with it last, when it fits."""
    if not 2 <= len(tokens) <= 4:
        return ()
    found: list[ChineseReading] = []
    for surname_at in (0, len(tokens) - 1):
        rest = tokens[1:] if surname_at == 0 else tokens[:-1]
        given = [_given_syllables(t) for t in rest]
        if any(g is None for g in given):
            continue
        token = tokens[surname_at]
        # Kong is 孔 in pinyin and 江 in Cantonese: a spelling may stand for either surname
        for surname in dict.fromkeys((token, SURNAME_VARIANTS.get(token, token))):
            if surname not in _PINYIN_SURNAMES:
                continue
            reading = ChineseReading(surname, "".join(g for g in given if g))
            if reading not in found:
                found.append(reading)
    return tuple(found)


@lru_cache(maxsize=100_000)
def _metaphone(token: str) -> str:
    return str(jellyfish.metaphone(token) or token)


def canonical_token(token: str) -> str:
    """A token with a Wade-Giles or Cantonese surname spelling mapped to pinyin."""
    return SURNAME_VARIANTS.get(token, token)


@lru_cache(maxsize=200_000)
def parse_name(name: str, organisation: bool = False) -> ParsedName:
    """Everything about one name the features need, cached (lists repeat names a lot)."""
    script = script_of(name)
    han = ""
    readings: tuple[ChineseReading, ...] = ()
    if script == "han":
        han = to_simplified("".join(_HAN.findall(name)))
        if organisation or len(han) > 4:
            han = _strip_han_legal_forms(han)
        syllables = han_pinyin(han)
        reading = None if organisation else _han_reading(han)
        if reading is not None:
            readings = (reading,)
            tokens: tuple[str, ...] = (reading.surname, reading.given)
        else:
            tokens = ("".join(syllables),) if syllables else ()
    else:
        folded = fold_latin(name)
        words = tuple(folded.split())
        organisation = organisation or bool(UNMISTAKABLE_LEGAL_FORMS.intersection(words))
        if organisation:
            kept = tuple(w for w in words if w not in LEGAL_FORMS_LATIN)
            words = kept or words
        tokens = words
        if not organisation and script == "latin":
            readings = _latin_readings(tokens)
    canonical = tuple(canonical_token(t) for t in tokens)
    phonetic = tuple(_metaphone(t) for t in canonical)
    return ParsedName(
        name,
        script,
        tokens,
        canonical,
        han,
        readings,
        phonetic,
        frozenset(r.key for r in readings),
    )
