"""Figures as whole quantities: what a number in Chinese text means, with its unit and its measure.

find_figures("2024年，春茶产量达到500吨，产值约6亿元") gives three figures: the year 2024, 500 of the
unit 吨 whose measure is 产量, and 600,000,000 元 whose measure is 产值. Written forms of one value
compare equal: 1.2万 and 12000, 三张 and 3张, 百分之五十 and 50%, full-width digits, 30余 and 30多.
Numbers are never compared as substrings: 500吨 ≠ 50吨 ≠ 500万吨, 84.35亿元 ≠ 84亿元, 77.8% ≠ 7.8%.

The claim checker (assistant/claims.py) is the user: a figure of a claim must be one of the source's,
about the same measure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_MAGNITUDE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000, "十万": 100_000, "百万": 1_000_000,
              "千万": 10_000_000, "万亿": 1_000_000_000_000}

# Units, longest first. Each maps to its class and the factor into the class's base unit: 万吨 is not
# written as a unit here (万 is a magnitude), but 公斤 and 吨 are both weights.
_UNITS: dict[str, tuple[str, float]] = {
    "平方公里": ("area", 1_000_000), "平方千米": ("area", 1_000_000), "平方米": ("area", 1), "公顷": ("area", 10_000),
    "亩": ("area", 666.6667),
    "公里": ("length", 1000), "千米": ("length", 1000), "米": ("length", 1),
    "吨": ("weight", 1000), "公斤": ("weight", 1), "千克": ("weight", 1), "斤": ("weight", 0.5), "克": ("weight", 0.001),
    "亿元": ("money", 100_000_000), "万元": ("money", 10_000), "元": ("money", 1), "块钱": ("money", 1),
    "个百分点": ("points", 1), "百分点": ("points", 1),
    "人次": ("person-times", 1), "户次": ("household-times", 1), "件次": ("item-times", 1),
    "个月": ("months", 1), "小时": ("hours", 1), "分钟": ("minutes", 1), "周岁": ("age", 1), "岁": ("age", 1),
    "余年": ("years", 1), "多年": ("years", 1),
}
# Classifiers: a count of things. Classifiers for the same thing are one class (人/名/位 count people).
_CLASSIFIERS = {
    **dict.fromkeys("人名位", "people"),
    **dict.fromkeys("次趟回轮", "times"),
    **dict.fromkeys("个项件家场条批类篇期届所处户只台座辆张支笔套种部份封本册栋幢间块株棵头起例宗组级层段片倍成天年周枚则艘架门", None),
    "方面": None,
}
# Durations: what such a figure counts is time itself, not something named around it.
DURATIONS = frozenset({"年", "天", "周", "months", "hours", "minutes", "years"})
# PDF extraction leaves a space after a decimal point at a line break ("77. 8%"): the same number.
_NUMBER = (r"(?:[0-9０-９]{1,3}(?:[,，][0-9０-９]{3})+|[0-9０-９]+)(?:[.．] ?[0-9０-９]+)?"
           r"|[零〇○一二两三四五六七八九十百千万亿]+(?:点[零〇○一二三四五六七八九]+)?")
_APPROX_BEFORE = r"(?P<before>约|大约|近|将近|接近|超过|逾|达|高达|多达|不到|不足|不少于|至少|累计)?"
_APPROX_AFTER = r"(?P<after>余|多)?"
_UNIT_ALTERNATIVES = "|".join(sorted((re.escape(u) for u in (*_UNITS, *_CLASSIFIERS)), key=len, reverse=True))
_FIGURE = re.compile(
    r"(?P<iso>(?P<iy>(?:19|20)[0-9]{2})-(?P<im>[0-9]{1,2})-(?P<id>[0-9]{1,2})(?![0-9]))"
    r"|(?P<percent_cn>百分之(?P<pnum>[零〇一二两三四五六七八九十百点]+))"
    r"|(?P<rankword>榜首|首位|第一名|头名|冠军|居首|之首)"
    r"|(?P<total>总第\s*(?P<tnum>[0-9０-９]+)\s*期)"
    r"|(?P<ordinal>第\s*(?P<onum>[0-9０-９]+|[一二三四五六七八九十百]+)\s*(?P<ounit>" + _UNIT_ALTERNATIVES + r")?)"
    r"|(?P<year>(?P<ynum>(?:19|20)[0-9]{2}|[一二〇○零三四五六七八九]{4})\s*年(?!代))"
    r"|(?P<date>(?P<mnum>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:\s*(?P<dnum>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[日号])?)"
    r"|(?P<quantity>" + _APPROX_BEFORE + r"(?P<num>" + _NUMBER + r")\s*" + _APPROX_AFTER
    + r"\s*(?P<mag>万亿|千万|百万|十万|亿|万|千|百)?\s*" + _APPROX_AFTER.replace("after", "after2")
    + r"\s*(?P<unit>%|％|‰|" + _UNIT_ALTERNATIVES + r")?)"
)
_RANK_BEFORE = re.compile(r"(?:位居|排名|名列|位列|排在|位于|蝉联|荣获|获得|居|列|排|获)$")
_RANGE = re.compile(r"\s*(?:至|到|-|—|~|～|－)\s*")
AFTER_CHARS = 8  # the noun after a count (十二项任务) is within a few characters
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?、\n]")


# Every unit and classifier, longest first: what may follow 多少 in a question (多少枚, 多少万元).
UNIT_WORDS = tuple(sorted((*_UNITS, *_CLASSIFIERS), key=len, reverse=True))


@dataclass(frozen=True)
class Figure:
    """One figure: its written form, its value in the base unit of its class, and the measure it is about."""

    text: str
    kind: str  # quantity | percent | year | date | ordinal | rank | total_issue
    value: float
    unit: str  # the unit as written after the number ("" when bare)
    unit_class: str  # what the unit measures: weight, money, people, 项 ...; "" when bare
    start: int
    end: int
    context: str = ""  # the words before the figure in its clause: its measure (产量 in 产量达到500吨)
    approx: bool = False
    after: str = ""  # the words after it, up to the clause's end or the next figure (任务 in 十二项任务)
    lead: str = ""  # its clause before it, other figures included
    tail: str = ""  # its clause after it

    def same_value(self, other: "Figure") -> bool:
        """The same figure in any written form (and, for a bare number, any unit).

        个 is the general classifier (三个方面 = 三方面, 3个项目 = 3项), and a count written without 第
        is read as the ordinal where the source has one (十四届人大三次会议 = 第十四届…第三次会议)."""
        kinds = {self.kind, other.kind}
        if self.kind != other.kind and kinds != {"quantity", "percent"}:
            # 十四届人大三次会议 is 第十四届…第三次会议: sessions and issues are counted without 第; a thing is not
            # (两个驿站 is not 第二个驿站).
            if kinds != {"quantity", "ordinal"} or not {self.unit_class, other.unit_class} <= _SESSIONS:
                return False
        if not _same_unit(self.unit_class, other.unit_class):
            return False
        return abs(self.value - other.value) <= 1e-6 * max(1.0, abs(self.value))

    def comparable(self, other: "Figure") -> bool:
        """Figures of one dimension: a different value of these is a different figure, not another topic."""
        if self.kind != other.kind:
            return False
        if self.kind in ("year", "rank", "total_issue"):
            return True
        if self.kind == "date":
            return (self.value >= 100) == (other.value >= 100)
        return bool(self.unit_class) and self.unit_class == other.unit_class


_SESSIONS = frozenset({"届", "times", "期"})
_COUNT_CLASSES = frozenset((value or key) for key, value in _CLASSIFIERS.items())


def _same_unit(a: str, b: str) -> bool:
    if not a or not b or a == b:
        return True
    # 个 stands for any classifier of things; people (人/名/位) and times (次/趟) are counted with their own.
    return "个" in (a, b) and a in _COUNT_CLASSES and b in _COUNT_CLASSES and not {a, b} & {"people", "times"}


def to_halfwidth(text: str) -> str:
    return text.translate(_HALFWIDTH)


_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)} | {0xFF0E: ord("."), 0xFF05: ord("%")}


def chinese_number(text: str) -> float | None:
    """一百二十 -> 120, 两千三百万 -> 23,000,000, 七十七点八 -> 77.8; None when it is not a number."""
    if not text:
        return None
    if "点" in text:
        whole, _, fraction = text.partition("点")
        head = chinese_number(whole) if whole else 0.0
        if head is None or not fraction or any(ch not in _CN_DIGITS for ch in fraction):
            return None
        return head + float("0." + "".join(str(_CN_DIGITS[ch]) for ch in fraction))
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 1:  # 二〇二四: digit by digit
        return float("".join(str(_CN_DIGITS[ch]) for ch in text))
    for large, factor in (("亿", 100_000_000), ("万", 10_000)):
        if large in text:
            high, _, low = text.partition(large)
            high_value = chinese_number(high) if high else None
            low_value = chinese_number(low) if low else 0.0
            if high_value is None or low_value is None:
                return None
            return high_value * factor + low_value
    total, digit = 0, None
    for ch in text:
        if ch in ("零", "〇", "○"):
            continue  # 一百零五: a place holder
        if ch in _CN_DIGITS:
            if digit is not None:
                return None  # 三四 (a range) or 十四五 (a plan's name): not one number
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            total += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        else:
            return None
    return float(total + (digit or 0))


def _number(text: str) -> float | None:
    text = re.sub(r"[\s,，]", "", to_halfwidth(text))
    try:
        return float(text)
    except ValueError:
        return chinese_number(text)


def unit_class(unit: str) -> str:
    """What a unit or classifier measures: 吨 -> weight, 名 -> people, 家 -> 家, % -> percent."""
    return _unit_class(unit)[0]


def _unit_class(unit: str) -> tuple[str, float]:
    if unit in _UNITS:
        return _UNITS[unit]
    if unit in ("%", "％"):
        return "percent", 1
    if unit == "‰":
        return "percent", 0.1
    if unit in _CLASSIFIERS:
        return _CLASSIFIERS[unit] or unit, 1
    return "", 1


@lru_cache(maxsize=8192)
def find_figures(text: str) -> tuple[Figure, ...]:
    """The figures of a text in order, each with the words before it in its clause as its measure."""
    figures: list[Figure] = []
    for match in _FIGURE.finditer(text):
        if match.group("iso"):  # 2025-07-11, as the citations write a date: the year and the day
            figures += _iso_date(match)
            continue
        figure = _figure(match)
        if figure is not None:
            figures.append(figure)
    ranges: set[int] = set()
    for i, figure in enumerate(figures[:-1]):
        # A range (4至6名, 1-2期) writes the unit once: the first number has the second one's.
        following = figures[i + 1]
        if figure.kind == "quantity" and not figure.unit and following.unit and \
                _RANGE.fullmatch(text[figure.end:following.start]):
            figures[i] = replace(figure, unit=following.unit, unit_class=following.unit_class,
                                 value=figure.value * following.value / max(_number_of(following), 1e-12))
            ranges.add(i + 1)
    result = _with_context(text, figures)
    for i in ranges:  # both ends of a range count the same thing: the second has the first's measure
        result[i] = replace(result[i], context=result[i - 1].context)
    return tuple(result)


def _iso_date(m: re.Match) -> list[Figure]:
    year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return []
    start, end, dash = m.start(), m.end(), m.start("im")
    return [Figure(m.group("iy"), "year", float(year), "年", "", start, dash - 1),
            Figure(m.group(0)[dash - start:], "date", float(month * 100 + day), "月", "", dash, end)]


def _number_of(figure: Figure) -> float:
    """The number as written, before its unit's factor (6 of 6亿元 is 600,000,000 in 元)."""
    raw = re.match(r"[0-9０-９.．, ]+|[零〇○一二两三四五六七八九十百千万亿点]+", figure.text)
    value = _number(raw.group(0)) if raw else None
    return value or figure.value


def _figure(m: re.Match) -> Figure | None:
    start, end, whole = m.start(), m.end(), m.group(0)
    if m.group("percent_cn"):
        value = chinese_number(m.group("pnum"))
        return None if value is None else Figure(whole, "percent", value, "%", "percent", start, end)
    if m.group("rankword"):
        return Figure(whole, "rank", 1, "", "", start, end)
    if m.group("total"):
        return Figure(whole, "total_issue", float(to_halfwidth(m.group("tnum"))), "期", "期", start, end)
    if m.group("ordinal"):
        value = _number(m.group("onum"))
        unit = m.group("ounit") or ""
        if value is None:
            return None
        if not unit or unit in ("名", "位"):  # 位居第二, 排名第二, 第一名: a rank
            following = m.string[end:end + 1]
            if not unit and not _RANK_BEFORE.search(m.string[max(0, start - 4):start]) and \
                    re.match(r"[\u4e00-\u9fff]", following):
                # 第一时间, 第一副组长, 第一线: an ordinal of what follows, not a rank
                return Figure(whole, "ordinal", value, following, following, start, end)
            return Figure(whole, "rank", value, "", "", start, end)
        return Figure(whole, "ordinal", value, unit, _unit_class(unit)[0], start, end)
    if m.group("year"):
        value = _number(m.group("ynum"))
        return None if value is None or not 1900 <= value <= 2100 else Figure(whole, "year", value, "年", "", start, end)
    if m.group("date"):
        month = _number(m.group("mnum"))
        day = _number(m.group("dnum")) if m.group("dnum") else None
        if day is None and not re.match(r"[0-9０-９]", m.group("mnum")):
            return None  # 一月一专报, 十月怀胎: a month in words stands alone only in set phrases
        if month is None or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            return None
        return Figure(whole, "date", month * 100 + day if day else month, "月", "", start, end)
    return _quantity(m, start, end)


def _quantity(m: re.Match, start: int, end: int) -> Figure | None:
    raw, unit, magnitude = m.group("num"), m.group("unit") or "", m.group("mag") or ""
    is_chinese = not re.match(r"[0-9０-９]", raw)
    if is_chinese and not (unit or magnitude):
        return None  # 一是, 十四五, 五水共治: Chinese numerals count only with a unit
    if is_chinese and raw == "一" and unit in _CLASSIFIERS and not magnitude:
        return None  # 一项工作, 一批代表: an indefinite article, not a figure
    value = _number(raw)
    if value is None:
        return None
    value *= _MAGNITUDE.get(magnitude, 1)
    unit_class, factor = _unit_class(unit)
    kind = "percent" if unit_class == "percent" else "quantity"
    if unit == "成":  # 三成 = 30%
        kind, unit_class, factor = "percent", "percent", 10
    approx = bool(m.group("before") in ("约", "大约", "近", "将近", "接近", "超过", "逾", "多达", "不到", "不足")
                  or m.group("after") or m.group("after2"))
    text = m.group(0)
    if m.group("before"):  # the figure itself starts at the number; 约 and 超过 belong to its measure
        start += len(m.group("before"))
        text = text[len(m.group("before")):]
    return Figure(text.strip(), kind, value * factor, unit, unit_class, start, end, approx=approx)


def _with_context(text: str, figures: list[Figure]) -> list[Figure]:
    """Each figure's measure: the clause's words before it (from the previous figure on) and after it."""
    result = []
    for i, figure in enumerate(figures):
        head = text[figures[i - 1].end if i else 0:figure.start]
        breaks = list(_CLAUSE_BREAK.finditer(head))
        before = head[breaks[-1].end():] if breaks else head
        tail = text[figure.end:figures[i + 1].start if i + 1 < len(figures) else len(text)]
        stop = _CLAUSE_BREAK.search(tail)
        after = tail[:stop.start()] if stop else tail
        starts = list(_CLAUSE_BREAK.finditer(text, 0, figure.start))
        lead = text[starts[-1].end() if starts else 0:figure.start]
        end = _CLAUSE_BREAK.search(text, figure.end)
        tail = text[figure.end:end.start() if end else len(text)]
        result.append(replace(figure, context=before.strip(), after=after.strip()[:AFTER_CHARS], lead=lead, tail=tail))
    return result
