"""The fixed world around the synthetic bank: countries, currencies, rates, branches, names."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from integrita.domain.money import CURRENCIES

#: Countries the bank's customers and counterparties live in, with their settlement currency.
COUNTRY_CURRENCY: dict[str, str] = {
    "CN": "CNY",
    "HK": "HKD",
    "MO": "MOP",
    "TW": "TWD",
    "US": "USD",
    "GB": "GBP",
    "SG": "SGD",
    "JP": "JPY",
    "KR": "KRW",
    "DE": "EUR",
    "FR": "EUR",
    "AU": "AUD",
    "CA": "CAD",
    "AE": "AED",
    "CH": "CHF",
    "TH": "USD",
    "VN": "USD",
    "MY": "USD",
    "KP": "USD",
    "IR": "EUR",
    "MM": "USD",
    "SY": "USD",
    "YE": "USD",
    "AF": "USD",
}
COUNTRIES: tuple[str, ...] = tuple(COUNTRY_CURRENCY)
CURRENCY_CODES: tuple[str, ...] = tuple(CURRENCIES)

#: Where ordinary cross-border traffic goes (high-risk countries only appear in patterns).
FOREIGN_WEIGHTS: dict[str, float] = {
    "HK": 0.30,
    "US": 0.16,
    "SG": 0.08,
    "JP": 0.07,
    "GB": 0.06,
    "DE": 0.06,
    "AU": 0.05,
    "CA": 0.04,
    "KR": 0.04,
    "TW": 0.03,
    "MO": 0.03,
    "AE": 0.03,
    "FR": 0.02,
    "CH": 0.01,
    "TH": 0.01,
    "VN": 0.005,
    "MY": 0.005,
}

#: CNY per one major unit, the level around which the daily rate drifts.
CNY_PER_UNIT: dict[str, float] = {
    "CNY": 1.0,
    "USD": 7.12,
    "EUR": 7.71,
    "GBP": 9.02,
    "JPY": 0.0476,
    "HKD": 0.913,
    "INR": 0.0851,
    "RUB": 0.0779,
    "CAD": 5.16,
    "AUD": 4.66,
    "CHF": 8.05,
    "MXN": 0.389,
    "BRL": 1.31,
    "SAR": 1.90,
    "ILS": 1.92,
    "SGD": 5.31,
    "KRW": 0.00521,
    "AED": 1.94,
    "MOP": 0.886,
    "TWD": 0.221,
    "XBT": 480_000.0,
}

BRANCHES: tuple[str, ...] = (
    *(f"BR-SH-{i:03d}" for i in range(1, 7)),
    *(f"BR-BJ-{i:03d}" for i in range(1, 5)),
    *(f"BR-SZ-{i:03d}" for i in range(1, 4)),
    *(f"BR-GZ-{i:03d}" for i in range(1, 4)),
    *(f"BR-HZ-{i:03d}" for i in range(1, 3)),
    "BR-CD-001",
    "BR-WH-001",
)

#: Other domestic banks (counterparties at these are not in accounts.csv).
DOMESTIC_BANKS: tuple[str, ...] = tuple(f"B{i:04d}" for i in range(2, 22))

SURNAMES: tuple[str, ...] = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
    "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo",
    "Zheng", "Liang", "Xie", "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng",
)  # fmt: skip
GIVEN_NAMES: tuple[str, ...] = (
    "Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang",
    "Yong", "Yan", "Jie", "Tao", "Ming", "Chao", "Xiuying", "Xia", "Ping", "Gang",
    "Hui", "Haiyan", "Jianhua", "Zhiqiang", "Xiaoming", "Yuxuan", "Zihan", "Haoran", "Yiming", "Ruoxi",
)  # fmt: skip
WESTERN_FIRST: tuple[str, ...] = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Sarah",
    "Daniel", "Emma", "Thomas", "Olivia", "Kenji", "Yuki", "Minjun", "Seoyeon", "Wei Ming", "Mei Ling",
)  # fmt: skip
WESTERN_LAST: tuple[str, ...] = (
    "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Anderson", "Tan", "Lim",
    "Ng", "Wong", "Chan", "Tanaka", "Sato", "Kim", "Park", "Muller", "Martin", "Lee",
)  # fmt: skip
CITIES: tuple[str, ...] = (
    "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Wuhan", "Suzhou", "Ningbo", "Xiamen",
)  # fmt: skip
COMPANY_WORDS: tuple[str, ...] = (
    "Huaxin", "Jinlong", "Tianyu", "Hengda", "Ruifeng", "Xinghe", "Dongfang", "Zhongcheng", "Kaiyuan", "Bohai",
    "Yuanhang", "Shengshi", "Lianhe", "Haitong", "Qiming", "Fuxing",
)  # fmt: skip
INDUSTRIES: tuple[str, ...] = (
    "trading", "manufacturing", "logistics", "software", "catering", "construction",
    "real_estate", "retail", "consulting", "import_export", "jewellery", "healthcare",
)  # fmt: skip
INDUSTRY_WORDS: dict[str, str] = {
    "trading": "Trading",
    "manufacturing": "Manufacturing",
    "logistics": "Logistics",
    "software": "Technology",
    "catering": "Catering",
    "construction": "Construction",
    "real_estate": "Real Estate",
    "retail": "Commerce",
    "consulting": "Consulting",
    "import_export": "Import and Export",
    "jewellery": "Jewellery",
    "healthcare": "Medical",
}
OCCUPATIONS: tuple[str, ...] = (
    "engineer", "teacher", "sales", "civil_servant", "doctor", "nurse", "accountant", "driver",
    "self_employed", "factory_worker", "programmer", "designer", "lawyer", "chef", "manager",
)  # fmt: skip

#: Identity-card region codes (first six digits) of the branch cities.
REGION_CODES: tuple[str, ...] = (
    "310101",
    "110105",
    "440305",
    "440106",
    "330106",
    "510104",
    "420102",
)


def daily_rates(rng: np.random.Generator, days: int) -> npt.NDArray[np.float64]:
    """CNY per major unit for every currency (row order of ``CURRENCY_CODES``) on every day.

    Each rate follows a small random walk (0.3 % a day) around its level; CNY is always 1.
    """
    levels = np.array([CNY_PER_UNIT[c] for c in CURRENCY_CODES])
    steps = rng.normal(0.0, 0.003, size=(len(CURRENCY_CODES), days))
    steps[:, 0] = 0.0
    walk = np.exp(np.cumsum(steps, axis=1))
    walk[CURRENCY_CODES.index("CNY"), :] = 1.0
    return np.asarray(levels[:, None] * walk, dtype=np.float64)


def currency_exponents() -> npt.NDArray[np.int8]:
    return np.array([CURRENCIES[c].exponent for c in CURRENCY_CODES], dtype=np.int8)
