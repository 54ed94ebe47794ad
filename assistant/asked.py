"""What kind of answer a question asks for, and whether a piece of text holds one.

谁 asks for a person, 何时 for a date, 多少/几 for a quantity of some measure, 哪几期 for issues.
A sentence can only answer a question when it holds something of the asked kind: this is what
tells "the archive mentions 萧山区人大常委会" from "the archive names its director".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .figures import DURATIONS, UNIT_WORDS, Figure, find_figures, unit_class
from .lexicon import lexicon

# Kinds of answer. "issues" is the across-issue list (哪几期); "issue", "byline" and "column" are
# facts of the issue or article itself rather than of a sentence.
KINDS = ("quantity", "person", "date", "place", "name", "issues", "issue", "byline", "column", "how", "other")

# Question forms, most specific first (谁写的 before 谁; 第几期 before 几).
_ZH_FORMS: tuple[tuple[str, str], ...] = (
    ("byline", r"谁写的|谁撰写|作者|署名|撰稿|执笔|哪个部门写|谁供的?稿|供的?稿|稿子.{0,4}谁|谁.{0,4}稿|"
               r"(?:文章|稿件|简讯|信息|报道|这篇|那篇|那条|这条).{0,6}(?:谁|哪个单位|哪个部门)(?:撰写|编写|报送|提供|写)"),
    # How many items a column or an issue holds is answered by listing them (有几则, 登了几篇).
    ("issues", r"哪几期|哪些期|几期都|各期|哪[几两二三四五六七八九十]+[篇则]|哪些文章|有几则|有几篇|登了几篇|共几篇|几篇文章"),
    # "哪天印发" alone is a document's date (《实施意见》是哪天印发的), not the bulletin's: the issue's own
    # printing is asked with the bulletin named (那期简报是哪天印发的), below.
    ("issue", r"哪一期|哪期|第几期|总第几期|期号|哪天出版|出版日期|什么时候出版|刊发于|登在|责任编辑|负责编辑|编辑是谁|联系电话|编辑部"),
    ("column", r"哪个栏目|什么栏目|栏目"),
    ("issue", r"(?:期|简报|这篇|那篇|稿子|文章).{0,12}(?:哪天|什么时候|何时|哪一天)(?:出|印|发|登)"),
    ("date", r"什么时候|何时|哪一天|哪天|几月几日|几号|哪一年|哪年|几月|日期|什么时间|多久以前|起施行|时间是"),
    ("person", r"谁|哪位|哪一位|哪几位|何人|姓名|名字叫|(?:人|者|员|长|任|记|代表|官|家|师|授|领导|干部)叫什么名字"),
    ("quantity", r"多少|(?<![哪这那])几(?:" + "|".join(re.escape(u) for u in UNIT_WORDS) + r"|[万亿元%])|几成|比例|占比|百分之几|增长了|"
                 r"增幅|比重|数量|规模多大|多大|多高|多长|多久"),
    ("place", r"哪个区|哪些区|哪个县|哪些县|哪个地方|哪些地方|什么地方|哪里|在哪|哪个市|哪座城市|哪个街道|哪个村"),
    ("name", r"叫什么|叫做什么|名称|什么名字|哪个平台|哪个机构|哪家|哪部|什么条例|哪项|哪个单位|哪个部门|是什么"),
    ("how", r"怎么|怎样|如何|为什么|为何|哪些措施|哪些做法|什么做法|什么措施|哪些举措|采取了|做了哪些|有哪些|哪些"),
)
_EN_FORMS: tuple[tuple[str, str], ...] = (
    ("byline", r"\bwho (?:wrote|authored|reported)\b|\bauthor\b|\bbyline\b"),
    ("issues", r"\bwhich issues\b|\bin which issues\b"),
    ("issue", r"\bwhich issue\b|\bissue number\b|\bwhen was (?:it|the article|this) published\b|\bpublication date\b|"
              r"\bwhen (?:was|did) issue\b"),
    ("column", r"\bwhich (?:column|section)\b|\bunder what (?:column|section)\b"),
    ("quantity", r"\bhow (?:many|much)\b|\bwhat (?:percentage|share|proportion|number|amount)\b|\bhow (?:big|large|long)\b"),
    ("date", r"^\s*when\b|\bwhen (?:was|were|did|does|do|is|will|has|had)\b|\bwhat (?:date|day|year|month)\b|"
             r"\bwhich (?:date|day|year|month)\b|\bin what year\b"),
    ("person", r"\bwho\b|\bwhose\b|\bwhat is the name of the (?:director|chair|head|leader|person|official)\b"),
    ("place", r"\bwhich (?:district|county|city|town|village|place)s?\b|\bwhere\b"),
    ("name", r"\bwhat (?:is|was) (?:it|the \w+) called\b|\bwhat is the name\b|\bwhich (?:platform|body|organi[sz]ation|institution|law|regulation|agency|unit)\b|\bname of\b"),
    ("how", r"\bhow\b|\bwhy\b|\bwhat (?:measures|steps|did)\b"),
)

_DIGITS = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_CN_NUM = r"[零〇一二两三四五六七八九十百千万亿]+"
_QUANTITY = re.compile(
    rf"{_DIGITS}\s*(?:%|％|‰)|百分之{_CN_NUM}|{_DIGITS}\s*(?:余|多)?\s*[万亿千百]?\s*[\u4e00-\u9fffA-Za-z]|"
    rf"{_CN_NUM}(?:余|多)?[个项件家次场名人位条批类篇期年天月轮所处户条只台座辆元倍成张支]"
)
_DATE = re.compile(
    rf"(?:{_DIGITS}|{_CN_NUM})\s*年|(?:{_DIGITS}|{_CN_NUM})\s*月(?:\s*(?:{_DIGITS}|{_CN_NUM})\s*[日号])?|"
    r"近日|日前|近期|今年|去年|上半年|下半年|年初|年底|年内|月初|月底|月中|季度"
)
_ISSUE_NO = re.compile(r"第\s*\d+\s*期")
_QUOTED = re.compile(r"“[^”]{2,30}”|《[^》]{2,40}》|「[^」]{2,30}」")
_ORG_NAME = re.compile(r"[\u4e00-\u9fff]{2,}(?:中心|平台|机构|委员会|协会|学院|大学|研究院|研究会|联盟|站|室|馆|所|院|厅|局|办)")
_PLACE = re.compile(r"[\u4e00-\u9fff]{1,4}(?:省|市|区|县|镇|乡|街道|村|社区)")
_HOW_CUES = re.compile(r"[一二三四五六七八九十]是|首先|其次|通过|围绕|推动|建立|健全|完善|开展|强化|聚焦|坚持|落实|制定|出台")


_PERCENT_UNITS = ("%", "％", "成", "倍", "百分")
# Classifiers a writer uses for the same count: 几趟 is answered by 3次, 几处 by 5个.
_COUNTS_OF_EVENTS = ("次", "趟", "回", "轮", "场", "批")
_COUNTS_OF_PEOPLE = ("人", "名", "位", "人次")
_EQUIVALENT_UNITS = {
    **{unit: _COUNTS_OF_EVENTS for unit in _COUNTS_OF_EVENTS},
    **{unit: _COUNTS_OF_PEOPLE for unit in "人名位"},
    "成": _PERCENT_UNITS,
    **{unit: (unit, "个") for unit in "处座所家项件条"},
}
# Units a quantity question implies through its measure word: 金额 is counted in 元, 比例 in %.
_UNIT_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"金额|资金|投资|融资|产值|收入|经费|税收|营收|规模|价值|补贴|元|多少钱", ("元",)),
    (r"比例|占比|比重|百分|率|增幅|增速|增长|进度|几成", _PERCENT_UNITS),
    (r"人数|人次|多少人|几人|多少名|几名|多少位|几位", ("人", "名", "位")),
    (r"面积", ("亩", "平方米", "公顷", "平方公里")),
)
_CLASSIFIER = re.compile(r"(?<![那这哪])(?:几|多少)(?:余|多)?("
                         + "|".join(re.escape(u) for u in (*UNIT_WORDS, "元")) + ")")
_POST = "|".join(["书记", "主任", "市长", "区长", "县长", "局长", "主席", "部长", "秘书长", "组长", "院长", "检察长"])
# A post named as the answer to 谁/哪位: "由市人大常委会主任担任组长", "分管副主任带队".
_POST_AS_ANSWER = re.compile(rf"(?:{_POST})[^，。；、]?(?:担任|出任|兼任|带队|牵头|领衔|主持|作答|回答|回应)|(?:担任|出任|兼任|由)[^，。；]{{0,12}}?(?:{_POST})")
_DAY = re.compile(r"\d{1,2}\s*[日号]|[一二三四五六七八九十]{1,3}[日号]")
_YEAR_IN_TEXT = re.compile(r"(?:19|20)\d{2}\s*年|今年|去年|明年|前年")
_MONTH = re.compile(r"\d{1,2}\s*月|[一二三四五六七八九十]{1,3}月|年初|年底|年中|月底|月初")


@dataclass(frozen=True)
class Asked:
    """What a question asks for: the kind, and what narrows it.

    For a quantity, the measure (产量 in "春茶产量是多少") and the units an answer may carry (家 in
    "有几家律所", 元 for a 金额); for a date, how precise it must be (day, month, year); for a person,
    the post the question names (副主任 in "分管副主任叫什么名字").
    """

    kind: str
    measure: str = ""
    units: tuple[str, ...] = ()
    precision: str = ""  # date: "day" | "month" | "year" | ""
    role: str = ""
    wants_name: bool = False  # 叫什么名字 / 姓名: a post does not answer, only a name does
    # What the question itself gives (its figures, dates and names): "那512条意见采纳了多少条" is not
    # answered by a sentence whose only figure is the 512 the asker already knows.
    given_figures: tuple[Figure, ...] = ()
    given_names: tuple[str, ...] = ()
    counted: bool = False  # the measure is the noun counted (多少个联络点), and the only count asked
    event: str = ""  # the verb of what is dated (哪天召开 -> 召开) or done by the person asked, when one is asked

    def bound_in(self, text: str) -> bool:
        """Does one clause of the text hold both the counted noun and a value of the asked unit?
        (设立经济联络点…在六个平台设立经济观测站 does not count the 联络点.)"""
        measure = self.measure
        return any(measure in clause and self.values_in(clause) for clause in re.split(r"[，,；;：:。]", text))

    def event_in(self, text: str) -> bool:
        """Does the text hold the asked value for the asked event: a date of the asked precision (or the
        person) in the clause of the event's verb, or leading the sentence before it ("6月26日，常委会召开
        会议")? In "6月26日，会议表决通过《条例》，将报省人大常委会批准后施行" the date is the vote's, not the
        施行's."""
        clauses = re.split(r"[，,；;：:。]", text)
        return any(self.says_event(clause) and (self.held_by(clause) or i == 1 and len(clauses[0]) <= 12
                                             and self.held_by(clauses[0]))
                   for i, clause in enumerate(clauses))

    def says_event(self, text: str) -> bool:
        """Does the text name the asked act as a word of its own (负责 is not said by 负责人)?"""
        if not self.event or self.event not in text:
            return False
        from .lexical import segmenter

        return self.event in segmenter().lcut(text)

    @property
    def wants_value(self) -> bool:
        """Kinds whose answer must be a value held by the supporting sentence itself."""
        return self.kind in ("quantity", "person", "date", "place", "name")

    def held_by(self, text: str) -> bool:
        """Does the text hold an answer of the asked kind, unit, precision and post, other than what the
        question itself gives?"""
        if self.kind == "quantity":
            return bool(self.values_in(text))
        if self.kind == "date":
            text = self._without_given(text, ("year", "date"))
            if self.precision:
                pattern = {"day": _DAY, "month": _MONTH, "year": _YEAR_IN_TEXT}[self.precision]
                return bool(pattern.search(text))
        if self.kind == "person":
            for name in self.given_names:
                text = text.replace(name, "")
            if self.role and re.search(r"由[^，。；]{1,12}?(?:担任|出任|兼任)" + re.escape(self.role), text):
                return True  # 组长由谁当 -> 每个团组由1名“标兵代表”担任组长: who fills the post, named by kind
            post = _POST_AS_ANSWER.search(text)
            if post and not self.wants_name and (not self.role or (
                    self.role in text.replace(post.group(0), "", 1) and self.role not in post.group(0))):
                # 谁担任组长 -> 由市人大常委会主任担任组长; but a post named in a sentence without the asked
                # role (由主任会议成员组成的领导小组) does not say who the 组长 is.
                return True
            if self.role and _is_post(self.role):
                return any(re.search(re.escape(self.role) + r"[、，,]?" + re.escape(name), text) or
                           re.search(re.escape(name) + r"[（(]?[^，。；]{0,6}" + re.escape(self.role), text)
                           for name in persons(text))
        return holds(self.kind, text)

    def values_in(self, text: str) -> tuple[Figure, ...]:
        """The figures of the text that can answer a quantity question: counts, amounts and shares of the
        asked unit's class (any, when the question names none), none of them a figure the question gives."""
        found = []
        for figure in find_figures(text):
            if figure.kind not in ("quantity", "percent") or not (figure.unit or figure.kind == "percent"):
                continue  # a bare number is a code or a label, not a counted quantity
            if any(figure.same_value(given) for given in self.given_figures):
                continue
            if self.units and not any(_unit_fits(figure, unit, general=i == 0) for i, unit in enumerate(self.units)):
                continue
            if self.units and self.units[0] != "个" and figure.unit == "个" and not (
                    self.measure and set(self.measure) & set(figure.after)):
                continue  # 几处站点 is answered by 5个站点, 多少条意见 not by 8个镇街
            found.append(figure)
        return tuple(found)

    def _without_given(self, text: str, kinds: tuple[str, ...]) -> str:
        """The text with the figures of these kinds the question gives blanked out."""
        for figure in reversed(find_figures(text)):
            if figure.kind in kinds and any(figure.same_value(g) for g in self.given_figures if g.kind == figure.kind):
                text = text[:figure.start] + "□" * (figure.end - figure.start) + text[figure.end:]
        return text


def _is_post(title: str) -> bool:
    """A post (主任, 副区长, 组长) tells one person from another, and an answer must name it; a
    descriptor (专家, 律师, 代表) is how a question describes someone the article may call otherwise
    (工程院专家 for 院士)."""
    return bool(re.search(_POST, title)) or title.endswith("长")


def _unit_fits(figure: Figure, unit: str, general: bool) -> bool:
    """Does a figure answer a question asked with this unit (家, 元, %)? 几个 asks for any count of things
    (the 个 that stands in for 家 in "几家" only for 个 itself); people (人/名/位) and person-times are one
    question."""
    if unit in _PERCENT_UNITS:
        return figure.kind == "percent"
    asked_class = unit_class(unit)
    if unit == "个" and general:
        return figure.kind == "quantity" and figure.unit_class not in (
            "people", "person-times", "times", "percent", "money", *DURATIONS)
    people = {"people", "person-times"}
    if asked_class == "person-times":
        return figure.unit_class == "person-times"  # 多少人次 counts visits: 4名代表 is not one
    if asked_class in people:
        return figure.unit_class in people
    return figure.unit_class == asked_class or figure.unit == unit


_VALUE_WITH_UNIT = r"(?:[0-9０-９]+(?:[.．][0-9０-９]+)?|[零〇一二两三四五六七八九十百千万]+)\s*(?:余|多)?\s*[万亿千百]?\s*{unit}"


# A question about several issues at once, whatever it asks of each: 哪几期讲过…, 在两期里分别…, 各期,
# 前后两期, 不同期里的进展. 第几期 asks for one issue, 每月几期 for a count of
# sessions, 二期/三期 name a project's phases.
_SEVERAL_ISSUES = re.compile(r"哪几期|哪些期|这几期|各期|两期|多期|不同期|历期|这些期")
_SEVERAL_ISSUES_EN = re.compile(r"\b(?:which|several|both|two|three|different|these|all|each|other) issues\b|"
                                r"\bacross (?:the )?issues\b|\b(?:in|of) (?:each|every) issue\b", re.I)


def several_issues(question: str) -> bool:
    """Whether a question asks about several issues (哪几期, 在两期里分别…): its answer names each."""
    return bool(_SEVERAL_ISSUES.search(question) or _SEVERAL_ISSUES_EN.search(question))


@lru_cache(maxsize=1024)
def asked_for(question: str, language: str = "zh") -> Asked:
    forms = _EN_FORMS if language == "en" else _ZH_FORMS
    flags = re.I if language == "en" else 0
    for kind, pattern in forms:
        match = re.search(pattern, question, flags)
        if match and language == "zh" and _modifies(question, match, kind):
            continue
        if match:
            if language != "zh":
                return Asked(kind, units=_english_units(question) if kind == "quantity" else ())
            given = find_figures(question)
            if kind == "quantity":
                measure, counted = _measure(question, match)
                # 开了几次会、发了多少份问卷: several counts asked (or 几位 as "a few"); none is the one counted
                counted = counted and len(re.findall(pattern, question)) == 1
                return Asked(kind, measure, _units(question, measure), given_figures=given, counted=counted)
            if kind == "date":
                event = _event(question, match) if len(re.findall(pattern, question)) == 1 else ""
                return Asked(kind, precision=_precision(question), given_figures=given, event=event)
            if kind == "person":
                role = _role(question, match)
                # 哪位领导领衔督办了…: without a post named, what the person did (领衔) must be theirs
                event = _event(question, match) if not role and len(re.findall(pattern, question)) == 1 else ""
                return Asked(kind, role=role, wants_name=bool(re.search(r"名字|姓名|叫什么", question)),
                             given_names=persons(question), event=event)
            return Asked(kind)
    return Asked("other")


_EMBEDDING_KINDS = ("person", "date", "quantity", "place")


def _modifies(question: str, cue: re.Match, kind: str) -> bool:
    """Is the question word inside a modifier (…的 + noun) whose clause goes on to ask something else?

    "谁来出钱的问题是怎么解决的" asks how, not who; "哪位领导督办的建议有几件" asks how many. The
    question word of the clause's main predicate comes after the 的 of the modifier."""
    if kind not in _EMBEDDING_KINDS:
        return False
    clause = re.split(r"[，,。？?；;！!]", question[cue.end():])[0]
    modifier_end = clause.find("的")
    if modifier_end < 0:
        return False
    rest = clause[modifier_end + 1:]
    return any(other != kind and re.search(pattern, rest) for other, pattern in _ZH_FORMS)


def _units(question: str, measure: str) -> tuple[str, ...]:
    """The units an answer may carry: the classifier asked with (几家 -> 家), else the measure's class."""
    units: list[str] = []
    for match in _CLASSIFIER.finditer(question):  # 多少趟…多少个: a question may ask several figures
        unit = match.group(1)
        units.extend(_EQUIVALENT_UNITS.get(unit, (unit,)))
    if units:
        return tuple(dict.fromkeys(units))
    for text in (measure, question):
        for pattern, units in _UNIT_CLASSES:
            if text and re.search(pattern, text):
                return units
    return ()


# What an English quantity question counts, when it says: money, a share, people, times.
_EN_UNIT_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bhow much (?:money|funding|investment|subsid)|\b(?:yuan|rmb)\b|\bhow much did .{0,40}\b(?:cost|invest|spend|pay)",
     ("元",)),
    (r"\bwhat (?:percentage|share|proportion|rate)\b|\bper ?cent\b", _PERCENT_UNITS),
    (r"\bhow many (?:people|persons|deputies|representatives|residents|visitors|members|participants|staff|officials)\b",
     ("人", "名", "位")),
    (r"\bhow many times\b", _COUNTS_OF_EVENTS),
    # any other "how many <things>": a count of things, as 几个 asks (not a share, sum, time or date)
    (r"\bhow many\b", ("个",)),
)


def _english_units(question: str) -> tuple[str, ...]:
    for pattern, units in _EN_UNIT_CLASSES:
        if re.search(pattern, question, re.I):
            return units
    return ()


def _precision(question: str) -> str:
    if re.search(r"哪一天|哪天|几号|几月几日|日期|哪一日", question):
        return "day"
    if re.search(r"哪一年|哪年|哪个年度|几年", question):
        return "year"
    if re.search(r"几月|哪个月", question):
        return "month"
    return ""


def _role(question: str, cue: re.Match) -> str:
    """The post the question word asks about, if it names one: right after it (哪位副主任, 由谁担任组长)
    or right before it (组长是谁, 主任叫什么名字). A title elsewhere in the question is not the asked
    person's (哪位领导在代表工作会上讲话 asks for no 代表)."""
    titles = sorted(lexicon().person_titles, key=len, reverse=True)  # 副主任 before 主任
    after = re.split(r"[，,。？?；;！!的]", question[cue.end():])[0]
    found = [(after.find(t), t) for t in titles if t in after]
    if found:
        return min(found, key=lambda item: item[0])[1]
    before = re.split(r"[，,。？?；;！!]", question[:cue.end()])[-1]
    before = re.sub(r"(?:叫什么名字|名字叫|姓名|谁|哪一位|哪几位|哪位|何人)$", "", before)
    before = re.sub(r"(?:分别|具体|都|又)?(?:是|由|为)$", "", before)
    return next((t for t in titles if before.endswith(t)), "")


_LEADING_CLASSIFIER = re.compile(r"(?:余|多)?(" + "|".join(re.escape(u) for u in UNIT_WORDS) + ")")
def _event(question: str, cue: re.Match) -> str:
    """The verb a date question dates: 座谈会是哪一天召开的 -> 召开, 从哪天起正式施行 -> 施行, else the verb
    before the question word in its clause (哪天 after 印发于: 印发)."""
    from .lexical import segmenter

    segmenter()
    import jieba.posseg as posseg

    def blanked(text: str) -> str:  # a name's own verbs (《…实施意见》) are not the event
        return re.sub(r"《[^》]*》|“[^”]*”", "□", text)

    after = _words(posseg, blanked(re.split(r"[，,。？?；;！!]", question[cue.end():])[0]))
    before = _words(posseg, blanked(re.split(r"[，,。？?；;！!]", question[:cue.start()])[-1]))
    for word in after + before[::-1]:
        if word.flag.startswith("v") and word.flag != "vn" and len(word.word) >= 2 and \
                word.word not in _LINKS and word.word not in _ASPECT:
            return word.word
    return ""


_ASPECT = frozenset("开始 正式 进行 开展 计划 预计 准备".split())  # 从哪天开始施行: the event is 施行


def _words(posseg, text: str) -> list:
    return [w for w in posseg.cut(text) if w.word.strip()]


_MEASURE_CUES = ("比例", "占比", "比重", "数量", "增幅", "规模")
_LINKS = frozenset("是 有 为 达 达到 共 一共 总共 累计 约 大约 了".split())


def _measure(question: str, cue: re.Match) -> tuple[str, bool]:
    """The noun a quantity is asked of: 多少金额 -> 金额; 产量是多少 -> 产量; 几家律所 -> 律所; 占比 -> 占比."""
    if cue.group(0) in _MEASURE_CUES:
        return cue.group(0), False
    from .lexical import segmenter

    segmenter()
    import jieba.posseg as posseg

    rest = re.split(r"[，,。？?；;！!、]", question[cue.end():])[0]
    after = _words(posseg, rest)
    classifier = _LEADING_CLASSIFIER.match(rest)
    if classifier and len(classifier.group(1)) >= 2:
        return classifier.group(1), False  # 多少人次, 多少平方米: the unit is the measure
    if classifier:  # 多少条意见; 多少个人大票决的项目, where jieba would read 个人
        stripped = _words(posseg, rest[classifier.end():])
        if after and stripped and len(stripped[0].word) == 1 and after[0].flag.startswith("n") and \
                after[0].word == classifier.group(0) + stripped[0].word:
            return after[0].word, False  # 多少场次: the classifier and the next character are one unit
        after = stripped
    after = [w for w in after if w.word not in "“”\"「」"]
    if after and after[0].flag.startswith(("v", "p", "d", "r")):
        after = []  # 多少条转给政府去办: what follows is the clause's verb, not a noun
    relative = any(w.word == "的" for w in after) and not any(w.flag.startswith("u") and w.word != "的" for w in after)
    if relative:  # 多少个经人代会票决的政府大项目: the noun after the last 的 (not in 几个地方签了…的协议)
        after = after[max(i for i, w in enumerate(after) if w.word == "的") + 1:]
    merged: list[tuple[str, str]] = []
    for w in after:  # 配送 车 -> 配送车: a one-character noun after a word is one compound noun with it
        if merged and len(w.word) == 1 and w.flag.startswith("n") and len(merged[-1][0]) >= 2 and \
                merged[-1][1].startswith(("n", "v")):
            merged[-1] = (merged[-1][0] + w.word, "n")
        else:
            merged.append((w.word, w.flag))
    noun, seen = "", False
    for word, flag in merged:  # the noun phrase's head is its last noun: 婴幼儿托管名额 -> 名额
        nominal = flag.startswith(("n", "l", "j", "vn")) or flag == "x" and word.isalpha()
        if flag.startswith("u") or flag in ("c", "p") or (not relative and seen and flag.startswith("v") and not nominal):
            break
        seen = seen or nominal
        if nominal and len(word) >= 2:
            noun = word
    if noun:
        return noun, True
    clause = re.split(r"[，,。？?；;！!]", question[: cue.start()])[-1]
    before = [w for w in posseg.cut(clause) if w.word.strip() and w.word not in _LINKS]
    for word in reversed(before):
        if word.flag.startswith(("n", "v")) and len(word.word) >= 2 and word.word not in lexicon().stopwords:
            return word.word, False
    return "", False


def holds(kind: str, text: str) -> bool:
    """Does the text hold an answer of this kind? (Kinds about the issue itself are judged elsewhere.)"""
    if kind == "quantity":
        return bool(_QUANTITY.search(text))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "person":
        return bool(persons(text))
    if kind == "place":
        return bool(_PLACE.search(text)) or any(d in text for d in lexicon().districts)
    if kind == "name":
        return bool(_QUOTED.search(text) or _ORG_NAME.search(text))
    if kind == "issues":
        return True
    if kind == "how":
        return bool(_HOW_CUES.search(text))
    return True


_PLACE_AFTER = re.compile(r"街道|路|委|镇|乡|村|社区|区|县|市")


@lru_cache(maxsize=8192)
def persons(text: str) -> tuple[str, ...]:
    """Personal names in a sentence: a title followed by a name (主任李火林), or a name jieba tags
    as a person that starts with a common surname."""
    lex = lexicon()
    from .lexical import segmenter

    segmenter()
    import jieba
    import jieba.posseg as posseg

    def a_word(name: str) -> bool:
        # jieba's dictionary tags hundreds of common words as names (文明, 范畴, 顾问 are "nr"); the
        # people of this archive are not in it, so a word it knows is a word (famous full names,
        # tagged nrfg, excepted).
        if bool(jieba.dt.FREQ.get(name)) and posseg.dt.word_tag_tab.get(name) != "nrfg":
            return True
        # 和人民, 和选民: a conjunction read as a surname before a common noun, not a given name
        return len(name) == 3 and bool(jieba.dt.FREQ.get(name[1:])) and posseg.dt.word_tag_tab.get(name[1:]) == "n"

    def known(word: str) -> bool:
        return bool(jieba.dt.FREQ.get(word))

    # A quoted span names a thing (“宋韵+”文商旅, 《…条例》), not a person.
    text = re.sub(r"“[^”]{0,30}”|《[^》]{0,60}》", "□", text)
    found: list[str] = []
    for title in lex.person_titles:
        for match in re.finditer(re.escape(title) + r"([\u4e00-\u9fff]{2,3})", text):
            name, end = match.group(1), match.end(1)
            if a_word(name):
                continue
            if len(name) == 3 and known(text[end - 1:end + 1]):
                name = name[:2]  # 市委书记刘捷作出指示: 作出 is a word, the name is 刘捷
            if name[0] in lex.surnames and not a_word(name) and not a_word(name[:2]):
                found.append(name)
    start = 0
    for word in posseg.cut(text):
        name, at = word.word, start
        start += len(name)
        if word.flag != "nr" or not 2 <= len(name) <= 3 or name[0] not in lex.surnames or a_word(name):
            continue
        if at and known(text[at - 1:at + 1]):
            continue  # 过程中 read as 过|程中: a word runs into the name's first character
        if _PLACE_AFTER.match(text, start):
            continue  # 宁围街道, 文三路, 卫健委: a place or an office
        found.append(name)
    return tuple(dict.fromkeys(found))
