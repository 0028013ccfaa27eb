"""The labelled pairs of ``benchmarks/screening.py`` and the synthetic lists of its speed test.

Pairs are drawn from small name tables with a fixed seed; each category mixes matches and
non-matches. Chinese renderings are produced with pypinyin and OpenCC (``s2t``), which the
matcher also reads (``t2s``, per-character readings) -- so these categories measure the
matcher's reading of the scripts more than anybody's data; ``--pairs FILE`` runs the same
comparison on any labelled file.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import opencc
from pypinyin import lazy_pinyin

COLUMNS = (
    "left_name",
    "left_schema",
    "left_country",
    "left_birth_date",
    "right_name",
    "right_schema",
    "right_country",
    "right_birth_date",
    "label",
)

SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
    "韩",
    "冯",
    "邓",
    "曹",
    "彭",
    "曾",
    "肖",
    "田",
    "董",
    "袁",
    "潘",
    "于",
    "蒋",
    "蔡",
    "余",
    "杜",
    "叶",
    "程",
    "苏",
    "魏",
    "吕",
    "丁",
    "任",
    "沈",
    "姚",
    "卢",
    "姜",
    "崔",
    "钟",
    "谭",
    "陆",
    "汪",
    "范",
    "金",
    "石",
    "廖",
    "贾",
    "夏",
    "韦",
    "付",
    "方",
    "白",
    "邹",
    "孟",
    "熊",
    "秦",
    "邱",
    "江",
    "尹",
    "薛",
    "闫",
    "段",
    "雷",
    "侯",
    "龙",
    "史",
    "陶",
    "黎",
    "贺",
    "顾",
    "毛",
    "郝",
    "龚",
    "邵",
    "万",
    "钱",
    "严",
    "覃",
    "武",
    "戴",
    "莫",
    "孔",
    "向",
    "汤",
    "欧阳",
    "司马",
    "上官",
    "诸葛",
]
GIVEN_CHARS = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
    "刚",
    "桂",
    "英",
    "华",
    "文",
    "辉",
    "建",
    "国",
    "志",
    "红",
    "玉",
    "兰",
    "萍",
    "飞",
    "鹏",
    "宇",
    "浩",
    "凯",
    "健",
    "俊",
    "帆",
    "晨",
    "欣",
    "佳",
    "琳",
    "雪",
    "梅",
    "海",
    "波",
    "斌",
    "宁",
    "峰",
    "龙",
    "云",
    "博",
    "立",
    "新",
    "春",
    "晓",
    "婷",
    "颖",
    "慧",
    "倩",
    "婉",
    "嘉",
    "泽",
    "子",
    "怡",
    "思",
    "睿",
    "瑞",
    "轩",
    "然",
    "东",
    "成",
    "荣",
    "庆",
    "家",
    "德",
    "天",
    "振",
    "永",
    "长",
    "安",
    "福",
    "生",
    "清",
    "金",
    "诚",
    "信",
]
#: Wade-Giles / Cantonese spellings a list may use for these surnames.
VARIANTS = {
    "张": ("Chang", "Cheung"),
    "陈": ("Chan", "Chen"),
    "黄": ("Wong", "Hwang"),
    "李": ("Lee", "Lei"),
    "刘": ("Lau", "Liu"),
    "杨": ("Yeung", "Yang"),
    "何": ("Ho",),
    "周": ("Chow", "Chou"),
    "徐": ("Tsui", "Hsu"),
    "林": ("Lam",),
    "郭": ("Kwok", "Kuo"),
    "梁": ("Leung",),
    "谢": ("Tse", "Hsieh"),
    "曾": ("Tsang", "Tseng"),
    "吴": ("Ng", "Woo"),
    "郑": ("Cheng",),
    "蔡": ("Choi", "Tsai"),
    "罗": ("Lo", "Law"),
    "叶": ("Yip", "Yeh"),
    "欧阳": ("Auyeung",),
}
FIRST = [
    "John",
    "James",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Ahmed",
    "Mohammed",
    "Ali",
    "Omar",
    "Hassan",
    "Ivan",
    "Sergei",
    "Dmitri",
    "Olga",
    "Natalia",
    "Pierre",
    "Jean",
    "Marie",
    "Hans",
    "Klaus",
    "Giovanni",
    "Marco",
    "Carlos",
    "Jose",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Petrov",
    "Ivanov",
    "Sokolov",
    "Mueller",
    "Schmidt",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Laurent",
    "Haddad",
    "Khalil",
    "Rahman",
]
ORG_WORDS = [
    "Golden",
    "Harvest",
    "Pacific",
    "Ocean",
    "Star",
    "Dragon",
    "Phoenix",
    "Silver",
    "Bridge",
    "Eastern",
    "Northern",
    "Global",
    "United",
    "Premier",
    "Summit",
    "Horizon",
    "Crystal",
    "Jade",
    "Imperial",
    "Royal",
    "Lotus",
    "Unicorn",
    "Falcon",
    "Atlas",
]
ORG_KINDS = [
    "Trading",
    "Shipping",
    "Logistics",
    "Electronics",
    "Technology",
    "Holdings",
    "Investment",
    "Mining",
    "Energy",
]
LEGAL = ("Co., Ltd.", "Limited", "LLC", "Inc.", "Ltd", "Corporation", "GmbH", "PLC")
HAN_ORG_PLACES = ["北京", "上海", "深圳", "广州", "天津", "丹东", "大连", "香港", "厦门", "宁波"]
HAN_ORG_WORDS = [
    "远航",
    "鸿祥",
    "金龙",
    "华盛",
    "东方",
    "长城",
    "宏达",
    "新星",
    "恒通",
    "瑞丰",
    "嘉禾",
    "永安",
]
HAN_ORG_KINDS = ["贸易", "实业", "电子", "科技", "物流", "投资", "能源", "航运"]
HAN_LEGAL = ("有限公司", "股份有限公司", "有限责任公司")

_S2T = opencc.OpenCC("s2t")


@dataclass(frozen=True, slots=True)
class Pair:
    category: str
    left_name: str
    right_name: str
    label: int
    left_schema: str = "Person"
    right_schema: str = "Person"
    left_country: str = ""
    right_country: str = ""
    left_birth_date: str = ""
    right_birth_date: str = ""

    def row(self) -> dict[str, str]:
        return {c: str(getattr(self, c)) for c in COLUMNS}


def pinyin(han: str) -> str:
    return "".join(lazy_pinyin(han)).replace("ü", "v")


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def han(self, surname: str | None = None) -> tuple[str, str]:
        s = surname or self.rng.choice(SURNAMES)
        given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2))))
        return s, given

    def pinyin_name(self, surname: str, given: str, order: str) -> str:
        s, g = pinyin(surname).capitalize(), pinyin(given).capitalize()
        if self.rng.random() < 0.3:
            s = s.upper()
        return f"{s} {g}" if order == "first" else f"{g} {s}"

    def latin(self) -> tuple[str, str]:
        return self.rng.choice(FIRST), self.rng.choice(LAST)

    def date(self, start: int = 1940, end: int = 2000) -> str:
        return f"{self.rng.randint(start, end)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def company(self) -> tuple[str, str]:
        return (
            f"{self.rng.choice(ORG_WORDS)} {self.rng.choice(ORG_WORDS)} {self.rng.choice(ORG_KINDS)}",
            self.rng.choice(LEGAL),
        )

    def han_company(self) -> str:
        return (
            self.rng.choice(HAN_ORG_PLACES)
            + self.rng.choice(HAN_ORG_WORDS)
            + self.rng.choice(HAN_ORG_KINDS)
        )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def generate(n_per_category: int = 200, seed: int = 19) -> list[Pair]:
    """Six categories, half matches and half non-matches each."""
    rng = random.Random(seed)
    names = Names(rng)
    pairs: list[Pair] = []
    half = n_per_category // 2
    for _ in range(half):
        # Latin names: reordering, a typo, accents, a middle initial; non-matches share a surname
        first, last = names.latin()
        variant = rng.choice(
            [
                f"{last}, {first}",
                f"{_typo(rng, first)} {last}",
                f"{first} {rng.choice('ABCDEJK')}. {last}",
                f"{first.upper()} {last.upper()}",
            ]
        )
        pairs.append(Pair("latin_names", f"{first} {last}", variant, 1))
        other = rng.choice([f for f in FIRST if f != first])
        pairs.append(Pair("latin_names", f"{first} {last}", f"{other} {last}", 0))
        # Chinese characters <-> pinyin, both name orders
        s, g = names.han()
        pairs.append(
            Pair("han_pinyin", s + g, names.pinyin_name(s, g, rng.choice(("first", "last"))), 1)
        )
        _, g2 = names.han(s)
        if pinyin(g2) == pinyin(g):
            g2 = g2 + rng.choice(GIVEN_CHARS)
        pairs.append(
            Pair("han_pinyin", s + g, names.pinyin_name(s, g2, rng.choice(("first", "last"))), 0)
        )
        # traditional <-> simplified
        s, g = names.han()
        pairs.append(Pair("traditional_simplified", s + g, _S2T.convert(s + g), 1))
        _, g2 = names.han(s)
        if g2 == g:
            g2 = g2 + rng.choice(GIVEN_CHARS)
        pairs.append(Pair("traditional_simplified", s + g, _S2T.convert(s + g2), 0))
        # Wade-Giles / Cantonese surname spellings
        s = rng.choice(list(VARIANTS))
        _, g = names.han(s)
        spelled = rng.choice(VARIANTS[s])
        left = rng.choice((s + g, names.pinyin_name(s, g, "first")))
        pairs.append(Pair("transliteration", left, f"{spelled} {pinyin(g).capitalize()}", 1))
        other_s = rng.choice(
            [v for v in VARIANTS if v != s and pinyin(v) not in {x.lower() for x in VARIANTS[s]}]
        )
        pairs.append(
            Pair(
                "transliteration",
                left,
                f"{rng.choice(VARIANTS[other_s])} {pinyin(g).capitalize()}",
                0,
            )
        )
        # companies with legal forms (Latin and Chinese)
        if rng.random() < 0.5:
            base, legal = names.company()
            other_legal = rng.choice([x for x in LEGAL if x != legal])
            pairs.append(
                Pair(
                    "company_legal_forms",
                    f"{base} {legal}",
                    f"{base.upper()} {other_legal}",
                    1,
                    "Company",
                    "Company",
                )
            )
            words = base.split()
            words[rng.randrange(2)] = rng.choice([w for w in ORG_WORDS if w not in words])
            pairs.append(
                Pair(
                    "company_legal_forms",
                    f"{base} {legal}",
                    f"{' '.join(words)} {legal}",
                    0,
                    "Company",
                    "Company",
                )
            )
        else:
            base = names.han_company()
            legal, other_legal = rng.sample(HAN_LEGAL, 2)
            right = base + other_legal
            pairs.append(
                Pair(
                    "company_legal_forms",
                    base + legal,
                    _S2T.convert(right) if rng.random() < 0.5 else right,
                    1,
                    "Company",
                    "Company",
                )
            )
            other = base[:2] + rng.choice([w for w in HAN_ORG_WORDS if w != base[2:4]]) + base[4:]
            pairs.append(
                Pair("company_legal_forms", base + legal, other + legal, 0, "Company", "Company")
            )
        # hard negatives: same surname and given name, different birth date (and the same
        # name with the same date as the matching half)
        if rng.random() < 0.5:
            s, g = names.han()
            left, right = s + g, rng.choice((s + g, names.pinyin_name(s, g, "first")))
        else:
            first, last = names.latin()
            left, right = f"{first} {last}", f"{last} {first}"
        born = names.date()
        other_year = int(born[:4]) + rng.choice((-1, 1)) * rng.randint(3, 40)
        pairs.append(
            Pair("hard_negatives", left, right, 1, left_birth_date=born, right_birth_date=born)
        )
        pairs.append(
            Pair(
                "hard_negatives",
                left,
                right,
                0,
                left_birth_date=born,
                right_birth_date=f"{other_year}{born[4:]}",
            )
        )
    return pairs


def write(pairs: list[Pair], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "category"])
        writer.writeheader()
        for p in pairs:
            writer.writerow({**p.row(), "category": p.category})


def read(path: Path) -> list[Pair]:
    pairs = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            missing = [c for c in COLUMNS if c not in row]
            if missing:
                raise SystemExit(f"{path.name}: missing columns {missing}")
            if row["label"] not in ("0", "1"):
                raise SystemExit(
                    f"{path.name}, line {line_no}: label must be 0 or 1, not {row['label']!r}"
                )
            pairs.append(
                Pair(
                    row.get("category") or "all",
                    row["left_name"],
                    row["right_name"],
                    int(row["label"]),
                    row["left_schema"] or "Person",
                    row["right_schema"] or "Person",
                    row["left_country"] or "",
                    row["right_country"] or "",
                    row["left_birth_date"] or "",
                    row["right_birth_date"] or "",
                )
            )
    return pairs


def synthetic_entities(n: int, seed: int = 7) -> Iterator[tuple[str, str, list[str], str]]:
    """(id, schema, names, birth date) for a list of ``n`` entities, about 2.2 names each."""
    rng = random.Random(seed)
    names = Names(rng)
    for i in range(n):
        roll = rng.random()
        if roll < 0.5:
            s, g = names.han()
            aliases = [s + g, names.pinyin_name(s, g, "first")]
            if rng.random() < 0.4:
                aliases.append(_S2T.convert(s + g))
            if s in VARIANTS and rng.random() < 0.5:
                aliases.append(f"{rng.choice(VARIANTS[s])} {pinyin(g).capitalize()}")
            yield f"E{i}", "Person", aliases, names.date()
        elif roll < 0.8:
            first, last = names.latin()
            middle = rng.choice(FIRST)
            yield (
                f"E{i}",
                "Person",
                [f"{first} {middle} {last}", f"{last}, {first}", f"{first[0]}. {last}"],
                names.date(),
            )
        else:
            base, legal = names.company()
            yield (
                f"E{i}",
                "Company",
                [f"{base} {legal}", names.han_company() + rng.choice(HAN_LEGAL)],
                "",
            )


def customer_names(n: int, seed: int) -> Iterator[tuple[str, str]]:
    """(name, birth date) of a synthetic book: mostly Chinese characters, some pinyin and Latin."""
    rng = random.Random(seed)
    names = Names(rng)
    for _ in range(n):
        roll = rng.random()
        if roll < 0.8:
            s, g = names.han()
            yield s + g, names.date(1940, 2005)
        elif roll < 0.9:
            s, g = names.han()
            yield names.pinyin_name(s, g, "first"), names.date(1940, 2005)
        else:
            first, last = names.latin()
            yield f"{first} {last}", names.date(1940, 2005)
