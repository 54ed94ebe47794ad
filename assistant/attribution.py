"""Attribution: each sentence of an LLM answer matched to the source sentence(s) that support it.

attribute(text, packed, checker) -> list[Attributed]. The model's [n] markers are hints only: a
supported sentence without a marker gets its citation, and one whose marker names the wrong source
is re-attributed (and says so). What decides is the claim checker's verdict against the sentences
of all the numbered sources the model was given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .asked import Asked, asked_for
from .citations import chinese_date
from .claims import MASTHEAD, ClaimCheck, ClaimChecker, SourceSentence, english_claim
from .cleaning import compact
from .figures import UNIT_WORDS, find_figures
from .records import Hit
from .verify import marked_sentences

_LIST_MARK = re.compile(r"\s*(?:[0-9]{1,2}|[一二三四五六七八九十]{1,2}|[a-zA-Z])\s*[.、)）:：]?\s*")
# An answer about several issues counts them in its own order (第一期：…，第二期：…); the bulletin writes
# its issue numbers in digits (第9期). Such a count is checked without its ordinal, and shown as the issue
# of the sentence that supports it.
_ISSUE_ORDINAL = re.compile(r"^\s*(?:在)?第([一二三四五六七八九十])期(?:报道|则|也|中|里)?\s*[：:，,、]?\s*")
# The same count over other things asked for (第一张清单是A。第二张清单是B。): each item is checked, and
# shown, as the item alone.
_ITEM_ORDINAL = re.compile(r"^\s*第([一二三四五六七八九十])(张|个|项|条|篇|则|点|批|类|种|方面)"
                           r"(?:[\u4e00-\u9fff]{0,6}?(?:是|为|叫|：|:))?\s*")
BARE_VALUE_CHARS = 12  # a reply this short is only the value asked for (12条, 徐佳琪)
# Where the asked value stands in a question, for the kinds whose value the checker compares (a figure,
# a date, a person's name): 一共提出了多少条意见 -> 一共提出了12条意见.
_ASKED_SLOT = {
    "quantity": r"(?:多少|几)(?:余|多)?(?:" + "|".join(re.escape(u) for u in UNIT_WORDS) + r")?",
    "person": r"叫什么名字|叫什么|谁|哪位|哪一位",
    "date": r"什么时候|何时|哪一天|哪天|几月几日|几号",
    "issue": r"哪一天|哪天|什么时候|何时|几月几日|哪一期|第几期|总第几期",  # the issue's date or number
}


@dataclass(frozen=True)
class Attributed:
    """One sentence of the answer: the model's markers, the verdict, and the sources that support it."""

    text: str
    markers: tuple[int, ...]  # the [n] the model wrote
    check: ClaimCheck
    sources: tuple[int, ...]  # the numbered sources of the supporting sentences (empty unless supported)

    @property
    def reattributed(self) -> bool:
        """Supported, but not by the source the model named."""
        return bool(self.sources and self.markers and not set(self.markers) & set(self.sources))


def answer_sentences(text: str, packed: Sequence[tuple[int, Hit, str]]) -> list[tuple[str, tuple[int, ...]]]:
    """The sentences of an answer with the markers the model wrote, without list marks and file names."""
    return [(body, markers) for body, markers in marked_sentences(_without_file_names(text, packed))
            if not _LIST_MARK.fullmatch(body) and re.search(r"[\w\u4e00-\u9fff]", body)]


def needs_rendering(sentence: str) -> bool:
    """A sentence the checker can only read in Chinese: English, or a bare value with no Chinese (99.8%)."""
    return english_claim(sentence) or not re.search(r"[\u4e00-\u9fff]", sentence)


def attribute(text: str, packed: Sequence[tuple[int, Hit, str]], checker: ClaimChecker,
              question: str = "", renderings: Mapping[str, str] | None = None) -> list[Attributed]:
    """Check every sentence of `text` against the sentences of the numbered sources in `packed`.

    With the question, a reply that is only the asked value (12条) is checked, and shown, as the question's
    statement (一共提出了12条意见建议). A source's file name the model copied from its header is dropped:
    it names the source and claims nothing. An answer that counts issues (第一期：…第二期：…) has each
    sentence checked without the count and shown under the issue of its support. With renderings (an
    English sentence -> its Chinese rendering), a rendered sentence is checked in Chinese, provided the
    rendering keeps its numbers and denials; `question` is then the question's Chinese rendering."""
    numbers = [n for n, _, _ in packed]
    candidates = checker.candidates_from([hit for _, hit, _ in packed], numbers)
    sentences = answer_sentences(text, packed)
    ordinals = {m.group(1) for body, _ in sentences if (m := _ISSUE_ORDINAL.match(body))}
    counting = {"一", "二"} <= ordinals
    items = [(m.group(2), m.group(1)) for body, _ in sentences if (m := _ITEM_ORDINAL.match(body))]
    counted = {kind for kind, _ in items if {"一", "二"} <= {n for k, n in items if k == kind}}
    result = []
    for body, markers in sentences:
        item = _ITEM_ORDINAL.match(body)
        if item and item.group(2) in counted and body[item.end():].strip():
            body = body[item.end():]  # 第一张清单是A。 -> A。
        ordinal = _ISSUE_ORDINAL.match(body) if counting else None
        claim = body[ordinal.end():] if ordinal else body
        rendering = (renderings or {}).get(body, "")
        disagreement = rendering_disagrees(claim, rendering, question) if rendering else ""
        claim = rendering or claim
        bare = claim
        claim = stated(question, claim) if question else claim
        check = ClaimCheck(claim, "not_found", (), disagreement) if disagreement else checker.check(claim, candidates, hint=markers)
        if question and asked_for(question, "zh").kind == "issues":
            check = titles_listed(claim, question, candidates) or _not_an_article(claim, candidates) or check
        if rendering:  # what was checked is the Chinese rendering: say so beside the English sentence
            check = replace(check, reason=f"{check.reason}（按中文译文核验：{claim}）" if check.reason else f"按中文译文核验：{claim}")
        sources = tuple(dict.fromkeys(s.n for s in check.support)) if check.supported else ()
        if check.supported and claim != bare and not rendering:
            body = claim  # 三次 -> …一共安排了三次审议。: the value in the question's words, as it was checked
        if ordinal and check.supported:
            issue = check.support[0].hit.issue  # 第二期： -> 第5期（总第711期）：, or nothing for an issue without a masthead
            body = (f"{issue.label}：" if issue.issue_no is not None else "") + body[ordinal.end():]
        result.append(Attributed(body, markers, check, sources))
    return result


_EN_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|without)\b|n't", re.I)
_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EN_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
                       r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?")
_EN_SCALE = re.compile(r"\d\s*(?:thousand|million|billion|trillion|mn|bn|k)\b", re.I)
_ZH_NEGATION = re.compile(r"未|没有|没|不|无|非|尚未")
_ZH_DENIAL = re.compile(r"未|没有|尚未|并非|从未")


def numbers(text: str) -> set[str]:
    """The numbers a sentence writes in digits, in either language (August -> 8, 99.80 -> 99.8)."""
    text = _EN_MONTH.sub(lambda m: f" {_EN_MONTHS.index(m.group(1)[:3].lower()) + 1} ", text)
    return {n.rstrip("0").rstrip(".") if "." in n else n
            for n in re.findall(r"\d+(?:\.\d+)?", unicodedata.normalize("NFKC", text).replace(",", ""))}


_EN_DEPUTY = re.compile(r"\b(?:deputy|vice|associate)\b", re.I)
_ZH_DEPUTY = re.compile(r"副(?:[\u4e00-\u9fff]{0,4}?(?:长|主任|书记|主席|委员|总经理|总编辑?)|职)")  # not 副食, 名副其实


def rendering_disagrees(english: str, chinese: str, question: str = "") -> str:
    """Why a Chinese rendering cannot stand for the English sentence it renders: another number (every
    digit string of one must be in the other, or in the question: 1.2 million against 120万 is refused,
    not converted), a denial that only one of them makes, or a deputy (副) that only one of them names.
    Empty when they agree on these."""
    if _EN_SCALE.search(english):
        # 609 million is 6.09亿: a rendering that writes 609亿 "corrects" the English without changing a digit.
        return f"英文句子的数量级（million、billion）无法与中文译文逐字核对：{chinese}"
    if not numbers(english) <= numbers(chinese) <= numbers(english) | numbers(question):
        return f"中文译文的数字与英文句子不一致：{chinese}"
    if bool(_EN_NEGATION.search(english)) != bool(_ZH_NEGATION.search(chinese)) and (
            _EN_NEGATION.search(english) or _ZH_DENIAL.search(chinese)):
        return f"中文译文的肯定或否定与英文句子不一致：{chinese}"
    if bool(_EN_DEPUTY.search(english)) != bool(_ZH_DEPUTY.search(chinese)):
        # A deputy is not the post itself: 秘书长 for "deputy secretary-general" corrects the English silently.
        return f"中文译文的职务（正职或副职）与英文句子不一致：{chinese}"
    return ""


def titles_listed(claim: str, question: str, candidates: Sequence[SourceSentence]) -> ClaimCheck | None:
    """For a question asking which articles (哪几篇, 哪些文章), a sentence that only names articles:
    supported by where each appeared, when every 《title》 is a source's and each source is of the issue,
    date and column the question names. None otherwise."""
    where = {c.hit.article.title: c for c in candidates if c.index == MASTHEAD}
    issues = re.findall(r"(?<!总)第\s*(\d+)\s*期(?:[（(]总第\s*\d+\s*期[）)])?", claim)
    if issues and not re.sub(r"(?<!总)第\s*\d+\s*期(?:[（(]总第\s*\d+\s*期[）)])?|《杭州人大信息》|[和与及、，,；;。：:\s]|以及|分别|是|有",
                             "", claim):
        # Only issues, for 哪几期: each is the issue of a source the judge found answering (the first of them).
        first = {}
        for c in where.values():
            first.setdefault(c.hit.issue.issue_no, c)
        titles = [first[int(n)].hit.article.title for n in dict.fromkeys(issues) if int(n) in first]
        if len(titles) < len(set(issues)):
            return None
        claim_titles_only = False
    else:
        titles = list(dict.fromkeys(re.findall(r"《([^》]+)》", claim)))
        claim_titles_only = True
    rest = re.sub(r"《[^》]+》|[和与及、，,；;。：:\s]|以及|分别|是|有", "", claim)
    if not titles or (claim_titles_only and rest) or any(title not in where for title in titles):
        return None
    columns = {c.hit.article.column for c in candidates if c.hit.article.column and c.hit.article.column in question}
    dates = [f for f in find_figures(question) if f.kind == "date"]
    for title in titles:
        issue, article = where[title].hit.issue, where[title].hit.article
        for match in re.finditer(r"(总)?第\s*(\d+)\s*期", question):
            if (issue.total_no if match.group(1) else issue.issue_no) != int(match.group(2)):
                return None
        if columns and article.column not in columns:
            return None
        if dates and not any(d.same_value(f) for d in dates for f in find_figures(chinese_date(issue.date))):
            return None
    return ClaimCheck(claim, "supported", tuple(where[title] for title in titles), "", 1.0)


def _not_an_article(claim: str, candidates: Sequence[SourceSentence]) -> ClaimCheck | None:
    """A sentence that only names articles (《A》和《B》), for a question asking which: a name that is no
    source's title (a programme the article mentions) is not an article of the archive, whatever a
    sentence says of it. None when every name is a title (titles_listed has decided) or for other
    sentences."""
    names = list(dict.fromkeys(re.findall(r"《([^》]+)》", claim)))
    if not names or re.sub(r"《[^》]+》|[和与及、，,；;。：:\s]|以及|分别|是|有", "", claim):
        return None
    titles = {compact(c.hit.article.title) for c in candidates}
    unknown = [name for name in names if compact(name) not in titles]
    if not unknown:
        return ClaimCheck(claim, "not_found", (), "所列文章不是所问那一期或栏目的")
    return ClaimCheck(claim, "not_found", (), f"来源中没有题为《{unknown[0]}》的文章")


def stated(question: str, reply: str) -> str:
    """A reply that is only the value a Chinese question asks for, put in the question's place for it:
    (一共提出了多少条意见建议？, 12条) -> 一共提出了12条意见建议。 Anything longer is returned as it is."""
    value = reply.strip().rstrip("。.！!")
    if not value or len(compact(value)) > BARE_VALUE_CHARS or not re.search(r"[\u4e00-\u9fff]", question):
        return reply
    asked = asked_for(question, "zh")
    if asked.kind == "issue" and "谁" in question:
        asked = Asked("person", wants_name=True)  # 那期的责任编辑是谁: a name, which the issue's footer gives
    slot = _ASKED_SLOT.get(asked.kind)
    match = re.search(slot, question) if slot else None
    unit = re.search("|".join(re.escape(u) for u in UNIT_WORDS) + "$", match.group(0)) if match and asked.kind == "quantity" else None
    if unit and re.fullmatch(r"[0-9０-９]+(?:[.．][0-9０-９]+)?", value):
        value += unit.group(0)  # 345 to 多少个: 345个, the unit the question asks in
    # Only a value the checker can compare (a figure, a date, a person's name), and nothing else.
    if match is None or re.search(r"[，,；;：:、]", value) or _more_than_a_value(asked.kind, value):
        return reply
    # 多少稿 + 70余稿: a figure in the classifier the question asks in holds the value, known unit or not.
    in_its_classifier = asked.kind == "quantity" and bool(find_figures(value)) and value[-1:] == question[match.end():match.end() + 1]
    if not (asked.held_by(value) or in_its_classifier):
        return reply
    # Only the part of the question the slot is in: 提了多少个问题？有几个部门回答？ -> 提了12个问题。
    begin = max(question.rfind(mark, 0, match.start()) for mark in "？?。") + 1
    ends = [i for i in (question.find(mark, match.end()) for mark in "？?。") if i >= 0]
    end = min(ends) if ends else len(question)
    rest = question[match.end():end].rstrip("，,")
    overlap = next((k for k in range(min(3, len(rest)), 0, -1) if value.endswith(rest[:k]) and not rest[:k].isdigit()), 0)
    return question[begin:match.start()] + value + rest[overlap:] + "。"  # 多少场 + 15场次 + 次: once


def _without_file_names(text: str, packed: Sequence[tuple[int, Hit, str]]) -> str:
    for source in {hit.issue.source for _, hit, _ in packed}:
        text = re.sub(re.escape(source) + r"\s*[：:，,、]?", "", text)
    return text


def _more_than_a_value(kind: str, value: str) -> bool:
    """12条, 约500吨, 6月6日: only figures; 徐佳琪, 主任李火林: a name (with its post). Not A类事项12项."""
    if kind == "person":
        return len(compact(value)) > 8
    rest = value
    for figure in sorted(find_figures(value), key=lambda f: -f.start):
        # A figure's own classifier, known or not (70余稿): the one character right after it.
        after = 1 if re.match(r"[\u4e00-\u9fff]", value[figure.end:]) and value[figure.end] not in "左以" else 0
        rest = rest[:figure.start] + rest[figure.end + after:]
    for unit in UNIT_WORDS:  # longest first: 场次 is 场 + 次 to find_figures
        rest = rest.replace(unit, "")
    return bool(re.sub(r"[约共近超逾余多左右以上]", "", re.sub(r"[^\u4e00-\u9fff]", "", rest)))
