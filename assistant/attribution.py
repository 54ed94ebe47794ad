"""Attribution: each sentence of an LLM answer matched to the source sentence(s) that support it.

attribute(text, packed, checker) -> list[Attributed]. The model's [n] markers are hints only: a
supported sentence without a marker gets its citation, and one whose marker names the wrong source
is re-attributed (and says so). What decides is the claim checker's verdict against the sentences
of all the numbered sources the model was given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .asked import asked_for
from .claims import ClaimCheck, ClaimChecker
from .cleaning import compact
from .figures import UNIT_WORDS, find_figures
from .records import Hit
from .verify import marked_sentences

_LIST_MARK = re.compile(r"\s*(?:[0-9]{1,2}|[一二三四五六七八九十]{1,2}|[a-zA-Z])\s*[.、)）:：]?\s*")
# An answer about several issues counts them in its own order (第一期：…，第二期：…); the bulletin writes
# its issue numbers in digits (第9期). Such a count is checked without its ordinal, and shown as the issue
# of the sentence that supports it.
_ISSUE_ORDINAL = re.compile(r"^\s*第([一二三四五六七八九十])期(?:报道|则|也|中|里)?\s*[：:，,、]?\s*")
BARE_VALUE_CHARS = 12  # a reply this short is only the value asked for (12条, 徐佳琪)
# Where the asked value stands in a question, for the kinds whose value the checker compares (a figure,
# a date, a person's name): 一共提出了多少条意见 -> 一共提出了12条意见.
_ASKED_SLOT = {
    "quantity": r"(?:多少|几)(?:余|多)?(?:" + "|".join(re.escape(u) for u in UNIT_WORDS) + r")?",
    "person": r"叫什么名字|叫什么|谁|哪位|哪一位",
    "date": r"什么时候|何时|哪一天|哪天|几月几日|几号",
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


def attribute(text: str, packed: Sequence[tuple[int, Hit, str]], checker: ClaimChecker,
              question: str = "") -> list[Attributed]:
    """Check every sentence of `text` against the sentences of the numbered sources in `packed`.

    With the question, a reply that is only the asked value (12条) is checked as the question's
    statement (一共提出了12条意见建议). A source's file name the model copied from its header is dropped:
    it names the source and claims nothing. An answer that counts issues (第一期：…第二期：…) has each
    sentence checked without the count and shown under the issue of its support."""
    numbers = [n for n, _, _ in packed]
    candidates = checker.candidates_from([hit for _, hit, _ in packed], numbers)
    sentences = [(body, markers) for body, markers in marked_sentences(_without_file_names(text, packed))
                 if not _LIST_MARK.fullmatch(body) and re.search(r"[\w\u4e00-\u9fff]", body)]
    ordinals = {m.group(1) for body, _ in sentences if (m := _ISSUE_ORDINAL.match(body))}
    counting = {"一", "二"} <= ordinals
    result = []
    for body, markers in sentences:
        ordinal = _ISSUE_ORDINAL.match(body) if counting else None
        claim = body[ordinal.end():] if ordinal else body
        claim = stated(question, claim) if question else claim
        check = checker.check(claim, candidates, hint=markers)
        sources = tuple(dict.fromkeys(s.n for s in check.support)) if check.supported else ()
        if ordinal and check.supported:
            issue = check.support[0].hit.issue  # 第二期： -> 第5期（总第711期）：, or nothing for an issue without a masthead
            body = (f"{issue.label}：" if issue.issue_no is not None else "") + body[ordinal.end():]
        result.append(Attributed(body, markers, check, sources))
    return result


def stated(question: str, reply: str) -> str:
    """A reply that is only the value a Chinese question asks for, put in the question's place for it:
    (一共提出了多少条意见建议？, 12条) -> 一共提出了12条意见建议。 Anything longer is returned as it is."""
    value = reply.strip().rstrip("。.！!")
    if not value or len(compact(value)) > BARE_VALUE_CHARS or not re.search(r"[\u4e00-\u9fff]", question):
        return reply
    asked = asked_for(question, "zh")
    slot = _ASKED_SLOT.get(asked.kind)
    match = re.search(slot, question) if slot else None
    # Only a value the checker can compare (a figure, a date, a person's name), and nothing else.
    if match is None or re.search(r"[，,；;：:、]", value) or not asked.held_by(value) or _more_than_a_value(asked.kind, value):
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
        rest = rest[:figure.start] + rest[figure.end:]
    for unit in UNIT_WORDS:  # longest first: 场次 is 场 + 次 to find_figures
        rest = rest.replace(unit, "")
    return bool(re.sub(r"[约共近超逾余多左右以上]", "", re.sub(r"[^\u4e00-\u9fff]", "", rest)))
