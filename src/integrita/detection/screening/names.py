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

#: Legal-form words dropped before comparing organisation names (a "Ltd" proves nothing).
LEGAL_FORMS_LATIN = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "co",
        "company",
        "corp",
        "corporation",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "srl",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "spa",
        "pte",
        "pty",
        "lp",
        "llp",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "ooo",
        "zao",
        "oao",
        "kg",
        "kft",
        "sro",
        "sp",
        "zoo",
    ]
)
#: Words that make a name an organisation's even when its type is unknown (a payee's name).
UNMISTAKABLE_LEGAL_FORMS = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "plc",
        "gmbh",
        "company",
    ]
)
#: Chinese legal forms, longest first so 股份有限公司 is removed before 有限公司.
LEGAL_FORMS_HAN = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "股份公司",
    "分公司",
    "公司",
)
#: Two-character surnames: 欧阳娜娜 is Ouyang Nana, not Ou Yangnana.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "司徒",
        "夏侯",
        "长孙",
        "宇文",
        "轩辕",
        "端木",
        "西门",
        "南宫",
        "独孤",
        "呼延",
    ]
)
#: Wade-Giles and Cantonese spellings of frequent surnames -> their pinyin.
SURNAME_VARIANTS: dict[str, str] = {
    "chang": "zhang",
    "cheung": "zhang",
    "cheong": "zhang",
    "teo": "zhang",
    "chan": "chen",
    "chen": "chen",
    "tan": "chen",
    "wong": "huang",
    "hwang": "huang",
    "ng": "wu",
    "woo": "wu",
    "lee": "li",
    "lei": "li",
    "lau": "liu",
    "lao": "liu",
    "yeung": "yang",
    "yeong": "yang",
    "ho": "he",
    "hoh": "he",
    "chow": "zhou",
    "chau": "zhou",
    "chou": "zhou",
    "tsui": "xu",
    "hsu": "xu",
    "hui": "xu",
    "lam": "lin",
    "ling": "lin",
    "kwok": "guo",
    "kuo": "guo",
    "leung": "liang",
    "tse": "xie",
    "hsieh": "xie",
    "tsang": "zeng",
    "tseng": "zeng",
    "mak": "mai",
    "fung": "feng",
    "kong": "jiang",
    "chiang": "jiang",
    "cheng": "zheng",
    "tay": "zheng",
    "tang": "deng",
    "teng": "deng",
    "yip": "ye",
    "yeh": "ye",
    "szeto": "situ",
    "auyeung": "ouyang",
    "auyang": "ouyang",
    "soo": "su",
    "choi": "cai",
    "tsai": "cai",
    "chua": "cai",
    "lo": "luo",
    "law": "luo",
    "kao": "gao",
    "ko": "gao",
    "ma": "ma",
    "mah": "ma",
    "sung": "song",
    "chu": "zhu",
    "chue": "zhu",
    "tung": "dong",
    "yu": "yu",
    "yue": "yu",
    "hu": "hu",
    "wu": "wu",
    "sun": "sun",
    "suen": "sun",
}
#: Wade-Giles and Cantonese syllables of given names -> pinyin (common ones only).
SYLLABLE_VARIANTS: dict[str, str] = {
    "tse": "ze",
    "tung": "dong",
    "hsi": "xi",
    "hsiao": "xiao",
    "hsiu": "xiu",
    "hsin": "xin",
    "hsing": "xing",
    "hsiang": "xiang",
    "chih": "zhi",
    "chi": "ji",
    "ching": "jing",
    "chiang": "jiang",
    "chien": "jian",
    "kuo": "guo",
    "kai": "kai",
    "wai": "wei",
    "ming": "ming",
    "kuang": "guang",
    "tzu": "zi",
    "szu": "si",
    "jen": "ren",
    "jung": "rong",
    "yung": "yong",
    "kwok": "guo",
    "keung": "qiang",
    "kin": "jian",
    "wing": "rong",
    "man": "wen",
    "hing": "xing",
    "fai": "hui",
    "yan": "xin",
    "kit": "jie",
    "chun": "jun",
    "pui": "pei",
    "sze": "si",
    "lok": "le",
    "shing": "cheng",
    "ting": "ting",
}

#: Characters read differently as surnames than in ordinary words (曾 is Zeng, not ceng).
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "区": "ou",
    "仇": "qiu",
    "解": "xie",
    "查": "zha",
    "朴": "piao",
    "乐": "yue",
    "覃": "qin",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "华": "hua",
    "任": "ren",
    "沈": "shen",
    "尉迟": "yuchi",
    "万俟": "moqi",
}

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


#: Frequent surnames in characters (the pinyin of each is a surname a Latin name may start with).
HAN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄"
    "丛仲虞敖巩明佘池查麻苑迟邝"
)
_PINYIN_SURNAMES = (
    frozenset(SURNAME_VARIANTS.values())
    | frozenset(
        [
            "wang",
            "zhao",
            "qian",
            "zhou",
            "wu",
            "zheng",
            "feng",
            "jiang",
            "shen",
            "han",
            "yang",
            "zhu",
            "qin",
            "xu",
            "he",
            "lv",
            "shi",
            "kong",
            "cao",
            "yan",
            "hua",
            "jin",
            "wei",
            "tao",
            "xie",
            "zou",
            "yu",
            "bai",
            "shui",
            "dou",
            "zhang",
            "yun",
            "su",
            "pan",
            "ge",
            "fan",
            "peng",
            "lang",
            "lu",
            "chang",
            "ma",
            "miao",
            "fang",
            "ren",
            "yuan",
            "liu",
            "bao",
            "tang",
            "fei",
            "lian",
            "cen",
            "xue",
            "lei",
            "ni",
            "tang",
            "teng",
            "yin",
            "luo",
            "bi",
            "hao",
            "an",
            "qi",
            "gu",
            "meng",
            "ping",
            "huang",
            "mu",
            "xiao",
            "yao",
            "shao",
            "wang",
            "qi",
            "mao",
            "di",
            "mi",
            "bei",
            "ming",
            "zang",
            "ji",
            "cheng",
            "dai",
            "song",
            "pang",
            "xiong",
            "shu",
            "qu",
            "xiang",
            "zhu",
            "dong",
            "liang",
            "du",
            "ruan",
            "lan",
            "min",
            "xi",
            "jia",
            "lou",
            "wei",
            "jiang",
            "tong",
            "guo",
            "mei",
            "sheng",
            "lin",
            "diao",
            "zhong",
            "qiu",
            "luo",
            "gao",
            "xia",
            "cai",
            "tian",
            "hu",
            "ling",
            "huo",
            "wan",
            "zhi",
            "ke",
            "lu",
            "mo",
            "jing",
            "fang",
            "qiu",
            "duan",
            "hou",
            "wen",
            "ouyang",
            "sima",
            "shangguan",
            "zhuge",
            "dongfang",
            "huangfu",
            "situ",
            "murong",
            "linghu",
            "xiahou",
            "zhangsun",
            "yuwen",
        ]
    )
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
    return ParsedName(name, script, tokens, canonical, han, readings, phonetic)
