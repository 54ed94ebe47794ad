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
from .figures import UNIT_WORDS
from .records import Hit
from .verify import marked_sentences

_LIST_MARK = re.compile(r"\s*(?:[0-9]{1,2}|[一二三四五六七八九十]{1,2}|[a-zA-Z])\s*[.、)）:：]?\s*")
# The answer's own enumeration: 第一期：…, 第二张清单是… (an enumeration counts from one; the bulletin
# writes its issue numbers in digits, 第9期).
_ENUMERATOR = re.compile(r"^\s*第([一二三四五六七八九十]{1,2})(期|张|个|条|点|项|篇|部分|方面)?\s*[：:，,、]?\s*")
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
    statement (一共提出了12条意见建议); an enumeration's 第一期：/第二期： is the answer's own count."""
    numbers = [n for n, _, _ in packed]
    candidates = checker.candidates_from([hit for _, hit, _ in packed], numbers)
    sentences = [(body, markers) for body, markers in marked_sentences(text) if not _LIST_MARK.fullmatch(body)]
    counted = {(m.group(1), m.group(2)) for body, _ in sentences if (m := _ENUMERATOR.match(body))}
    enumerated = {unit for number, unit in counted if number == "一" and ("二", unit) in counted}
    result = []
    for body, markers in sentences:
        claim = body
        lead = _ENUMERATOR.match(body)
        if lead and lead.group(2) in enumerated:
            claim = body[lead.end():]
        if question:
            claim = stated(question, claim)
        check = checker.check(claim, candidates, hint=markers)
        sources = tuple(dict.fromkeys(s.n for s in check.support)) if check.supported else ()
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
    # Only a value the checker can compare (a figure, a date, a person's name), written as one phrase.
    if match is None or re.search(r"[，,；;：:、]", value) or not asked.held_by(value):
        return reply
    # Only the part of the question the slot is in: 提了多少个问题？有几个部门回答？ -> 提了12个问题。
    begin = max(question.rfind(mark, 0, match.start()) for mark in "？?。") + 1
    ends = [i for i in (question.find(mark, match.end()) for mark in "？?。") if i >= 0]
    end = min(ends) if ends else len(question)
    rest = question[match.end():end].rstrip("，,")
    overlap = next((k for k in range(min(3, len(rest)), 0, -1) if value.endswith(rest[:k]) and not rest[:k].isdigit()), 0)
    return question[begin:match.start()] + value + rest[overlap:] + "。"  # 多少场 + 15场次 + 次: once
