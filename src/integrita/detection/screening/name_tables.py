"""The tables the name readings use: legal forms, surnames and their spellings.

Data, not logic: extend a table to teach the matcher a spelling; the features and the
readings in :mod:`integrita.detection.screening.names` stay as they are.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


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

#: Frequent surnames in characters (the pinyin of each is a surname a Latin name may start with).
HAN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄"
    "丛仲虞敖巩明佘池查麻苑迟邝"
)
#: Pinyin surnames written in Latin letters (the pinyin of HAN_SURNAMES is added to these).
COMMON_PINYIN_SURNAMES = frozenset(
    _words(
        "wang zhao qian zhou wu zheng feng jiang shen han yang zhu qin xu he lv shi kong cao "
        "yan hua jin wei tao xie zou yu bai shui dou zhang yun su pan ge fan peng lang lu "
        "chang ma miao fang ren yuan liu bao tang fei lian cen xue lei ni tang teng yin luo bi "
        "hao an qi gu meng ping huang mu xiao yao shao wang qi mao di mi bei ming zang ji "
        "cheng dai song pang xiong shu qu xiang zhu dong liang du ruan lan min xi jia lou wei "
        "jiang tong guo mei sheng lin diao zhong qiu luo gao xia cai tian hu ling huo wan zhi "
        "ke lu mo jing fang qiu duan hou wen ouyang sima shangguan zhuge dongfang huangfu situ "
        "murong linghu xiahou zhangsun yuwen "
    )
)
