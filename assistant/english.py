"""English questions over Chinese sources: a domain glossary and pinyin for proper names.

The answer quotes Chinese sentences; these tables only decide which sentences and articles
an English question is about, and whether the names it mentions occur in the archive.
"""

from __future__ import annotations

import re
from functools import lru_cache

# English phrase (regex, case-insensitive) -> Chinese forms found in the archive.
GLOSSARY: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"west\s*lake\s*longjing|longjing", ("西湖龙井", "龙井")),
    (r"west\s*lake|xihu", ("西湖",)),
    (r"shangcheng", ("上城",)), (r"gongshu", ("拱墅",)), (r"binjiang", ("滨江",)),
    (r"xiaoshan", ("萧山",)), (r"yuhang", ("余杭",)), (r"linping", ("临平",)),
    (r"qiantang", ("钱塘",)), (r"fuyang", ("富阳",)), (r"lin'?an", ("临安",)),
    (r"tonglu", ("桐庐",)), (r"chun'?an", ("淳安",)), (r"jiande", ("建德",)),
    (r"qiandao\s*lake", ("千岛湖",)), (r"hangzhou", ("杭州",)), (r"zhejiang", ("浙江",)),
    (r"asian\s*games", ("亚运",)), (r"city\s*brain", ("城市大脑",)),
    (r"health\s*village\s*chief", ("健康村长",)), (r"e-?lecture", ("E讲堂",)),
    (r"business\s*environment", ("营商环境",)), (r"approval\s*rate", ("赞成率",)),
    (r"legislative\s*advis", ("立法顾问",)), (r"legal\s*advis", ("法律顾问",)),
    (r"brand\s*value", ("品牌价值",)), (r"spring\s*tea", ("春茶",)), (r"output|production|yield", ("产量",)),
    (r"questionnaire|survey", ("问卷", "调研")), (r"medical\s*insurance|health\s*insurance", ("医保", "医疗保障")),
    (r"three[- ]review", ("三审",)), (r"budget", ("预算",)), (r"deput", ("代表",)),
    (r"suggestion|proposal", ("建议",)), (r"satisf", ("满意",)), (r"employment|job", ("就业",)),
    (r"entrepreneur|startup|start-up", ("创业",)), (r"subsid", ("补贴",)), (r"loan", ("贷款",)),
    (r"legislat|law-?making", ("立法",)), (r"regulation", ("条例",)), (r"contact\s*point", ("联系点",)),
    (r"ecolog", ("生态",)), (r"civili[sz]ation", ("文明",)), (r"investment\s*project", ("投资项目",)),
    (r"major\s*project", ("重大项目",)), (r"performance", ("绩效",)), (r"supervis", ("监督",)),
    (r"gas", ("燃气",)), (r"old\s*(residential\s*)?(communit|neighbo)", ("老旧小区",)),
    (r"artificial\s*intelligence|\bai\b", ("人工智能", "AI")), (r"youth|young", ("青年",)),
    (r"talent", ("人才",)), (r"tea", ("茶",)), (r"digital\s*trade", ("数字贸易",)),
    (r"digital\s*economy", ("数字经济",)), (r"data", ("数据",)), (r"mediat", ("调解",)),
    (r"disput", ("纠纷",)), (r"medical|hospital", ("医疗",)), (r"elder|aged", ("养老",)),
    (r"museum", ("博物馆",)), (r"village", ("村",)), (r"street|subdistrict", ("街道",)),
    (r"enterprise|compan|business", ("企业",)), (r"fire|safety", ("安全",)), (r"pilot", ("试点",)),
    (r"report", ("报告",)), (r"date|day", ("日",)), (r"percent|%|share|proportion", ("%",)),
    (r"billion|100\s*million", ("亿",)), (r"ten\s*thousand", ("万",)),
)
# Capitalised words that are not names to look for.
_COMMON = frozenset(
    """what which who whom whose when where why how is are was were do does did the a an in on of for to
    and or by with from at as please tell me about according i people's people congress standing committee
    municipal district county city hangzhou zhejiang province chinese china english e-lecture hall""".split()
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def english_terms(question: str) -> list[tuple[str, ...]]:
    """Chinese forms of the glossary phrases and the numbers in an English question."""
    terms = [forms for pattern, forms in GLOSSARY if re.search(pattern, question, re.I)]
    terms.extend((number,) for number in _NUMBER.findall(question) if len(number) >= 2)
    return terms


def english_anchors(question: str) -> list[tuple[str, ...]]:
    """Names an answering article must contain: glossary places, or pinyin of unknown proper names."""
    anchors: list[tuple[str, ...]] = []
    known_places = ("西湖", "上城", "拱墅", "滨江", "萧山", "余杭", "临平", "钱塘", "富阳", "临安", "桐庐",
                    "淳安", "建德", "千岛湖")
    for pattern, forms in GLOSSARY:
        if forms[0] in known_places and re.search(pattern, question, re.I):
            anchors.append(forms)
    glossed = " ".join(p for p, _ in GLOSSARY)
    for name in re.findall(r"\b[A-Z][a-z']+(?:\s+[A-Z][a-z']+)*", question):
        words = [w for w in name.split() if w.lower().strip("'s") not in _COMMON and w.lower() not in _COMMON]
        if not words:
            continue
        phrase = " ".join(words)
        if any(re.search(p, phrase, re.I) for p, _ in GLOSSARY):
            continue
        if phrase.lower() in glossed:
            continue
        letters = re.sub(r"[^a-z]", "", phrase.lower())
        if _PINYIN_WORD.fullmatch(letters):
            anchors.append(("py:" + letters,))
    return anchors


# A run of pinyin syllables (Ningbo, Shenzhen, Li Huolin): only such names can be checked by sound.
_PINYIN_WORD = re.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|uan|ian|iao|uai|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ue|ui|er|a|o|e|i|u|v))+"
)


@lru_cache(maxsize=256)
def pinyin_of(text: str) -> str:
    """Toneless pinyin of Chinese text, letters only: 淳安县 -> chunanxian."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()
