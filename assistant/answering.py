"""The extractive answerer: quote the sentences that answer, cite them, or say plainly there is none.

It never writes a word of its own about the archive's content: every claim is a quoted sentence
with its [n]. Whether the archive answers at all is the answerability judge's verdict
(assistant/judge.py); this module only chooses, among the sentences the judge accepts, what the
question asks for: the quantity, the person, the date, one line per issue, or the explaining sentences.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .asked import several_issues
from .sentences import ITEM, enumeration_groups
from .citations import issue_itself_note, issue_note, short_reference
from .cleaning import compact
from .judge import AnswerabilityJudge, Evidence, Judgement, asks_about_named_issue, column_named
from .records import Answer, Citation, Hit

MAX_QUOTES = 3
MAX_EXPLAINING = 4  # how/why and list questions: the enumerating sentences of one article
MAX_ACROSS = 5
REFUSAL_ZH = "档案中没有找到能回答这个问题的内容。"
REFUSAL_EN = "The archive does not contain an answer to this question."


def question_language(question: str) -> str:
    cjk = sum(1 for ch in question if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in question if ch.isascii() and ch.isalpha())
    return "en" if latin > 3 * cjk and latin >= 3 else "zh"


def refusal(question: str, hits: list[Hit], judgement: Judgement, mode: str = "extractive") -> Answer:
    """The refusal, with the judge's reason: what the archive does hold, not only that it has no answer."""
    language = question_language(question)
    text = REFUSAL_EN if language == "en" else REFUSAL_ZH
    if judgement.reason:
        text += (" " if language == "en" else "") + judgement.reason
    return Answer(question=question, text=text, refused=True, citations=(), language=language,
                  closest=tuple(hits[:3]), mode=mode, verdict=judgement.verdict, reason=judgement.reason)


class ExtractiveAnswerer:
    """answer(question, hits) -> Answer with quoted, cited sentences or a refusal with its reason."""

    def __init__(self, judge: AnswerabilityJudge) -> None:
        self.judge = judge

    def answer(self, question: str, hits: list[Hit], judgement: Judgement | None = None) -> Answer:
        judgement = judgement or self.judge.judge(question, hits)
        if not judgement.answers:
            return refusal(question, hits, judgement)
        language = question_language(question)
        kind = judgement.asked.kind
        picked = pick_evidence(judgement, self.judge.article_sentences, question)
        if several_issues(question):  # "在两期里分别…": the two best articles, not a third
            articles = list(dict.fromkeys(e.hit.article.article_id for e in picked))[:issue_limit(question)]
            picked = [e for e in picked if e.hit.article.article_id in articles]
        listed = kind not in ("issues",) and len({e.index for e in picked}) > 1 and enumerated(picked)
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[tuple[str, int]] = []
        for item in picked:
            key = item.hit.article.article_id
            if key not in numbers:
                numbers[key] = len(numbers) + 1
            citations.append(Citation(n=numbers[key], hit=item.hit, quote=item.sentence, score=round(item.score, 4)))
            parts.append((item.sentence, numbers[key]))
        # A question across issues (哪几期讲过…, 两期里分别…) gets a line for each answering article the
        # picked sentences leave out, and each article's first line is named by its 期号 and date.
        for item in [] if kind == "issues" else other_issues(judgement, question, set(numbers)):
            numbers[item.hit.article.article_id] = len(numbers) + 1
            citations.append(Citation(n=len(numbers), hit=item.hit, quote=item.sentence, score=round(item.score, 4)))
            parts.append((item.sentence, len(numbers)))
        if kind == "issues" or len(numbers) > len({c.n for c in citations[:len(picked)]}):
            named = {c.n: short_reference(c.hit) for c in citations}
            parts = [(f"{named[n]}：{s}" if i == 0 or parts[i - 1][1] != n else s, n) for i, (s, n) in enumerate(parts)]
            listed = True
        if language == "en":
            text = "From the archive (quoted in Chinese): " + " ".join(f"“{s}”[{n}]" for s, n in parts)
        else:
            text = ("\n".join if kind == "issues" or listed else "".join)(f"{s}[{n}]" for s, n in parts)
        first = citations[0]
        column = column_named(question, hits)
        if kind == "issues" and column and language == "zh":
            # “信息摘登”有几则: the count is the issue's own, of every article of the column in the hits
            # (the pipeline puts them all there: Assistant.with_column).
            issue, name = column
            count = sum(1 for hit in hits if hit.issue.source == issue.source and hit.article.column == name)
            unit = "则" if all(hit.article.kind == "brief" for hit in hits
                              if hit.issue.source == issue.source and hit.article.column == name) else "篇"
            shown = len({c.hit.article.article_id for c in citations if c.hit.article.column == name})
            more = f"，以下列出其中{shown}{unit}" if shown < count else ""
            text = f"{issue.label}“{name}”栏目共{count}{unit}{more}：\n{text}"
        if asks_about_named_issue(question, kind, first.hit):
            # 总第711期是哪天出版的: the masthead answers; the article's sentences would only be noise. The
            # citation quotes the masthead line, which is what a reader checks in the PDF.
            issue = first.hit.issue
            first = replace(first, quote=" ".join(filter(None, (issue.publication, issue.label, issue.date))))
            citations = [first]
            text = f"{issue_itself_note(first.hit.issue, language)}[{first.n}]"
        elif kind in ("issue", "column"):
            text = f"{issue_note(first.hit, language)}[{first.n}] {text}"
        if kind == "byline":
            article = first.hit.article
            note = (f"《{article.title}》 is signed: {article.byline or 'no byline'}." if language == "en"
                    else f"《{article.title}》署名：{article.byline or '未署名'}。")
            text = f"{note}[{first.n}] {text}"
        return Answer(question=question, text=text, refused=False, citations=tuple(citations), language=language,
                      verdict=judgement.verdict)


# A list the article itself enumerates: 一是…二是…, （一）…（二）…, 首先…其次…. Government writing heads each
# item with one of these, and a question asking for the items (分别是什么, 哪几项, 怎么做的) is answered by
# the heads, in order.
# A question asking for the items themselves (not how something was done, whose answer is in the bodies).
_ASKS_FOR_ITEMS = re.compile(r"分别|哪几|哪些|哪[两二三四五六七八九十]+[个项条点类件方]|几个方面|几项|\bwhich (?:\w+ )?(?:measures|steps|areas|parts)\b",
                             re.I)
MAX_ITEMS = 8


def enumerated(picked: list[Evidence]) -> bool:
    return sum(1 for e in picked if ITEM.match(e.sentence)) >= 2


def _items(question: str, same_article: list[Evidence], article_sentences) -> list[Evidence]:
    """The article's enumerated items that answer a question asking for them: the run of heads that holds
    or closely follows an answering sentence (best first), with that sentence when it introduces them."""
    if article_sentences is None or not _ASKS_FOR_ITEMS.search(question):
        return []
    best = same_article[0]
    sentences, _ = article_sentences(best.hit)
    for group in enumeration_groups(sentences):
        # The best answering sentence must be one of the heads, or introduce them (just before the first):
        # a list elsewhere in the article answers another question. (Where it is an item's body, the
        # question asks how, and the explaining sentences answer it: measured on the judge's calibration
        # part, listing the heads there lost the answer.)
        if best.index in group or group[0] - 2 <= best.index < group[0]:
            heads = [Evidence(best.hit_rank, best.hit, i, sentences[i], best.score) for i in group[:MAX_ITEMS]]
            return ([best] if best.index < group[0] else []) + heads
    return []


def asked_items(judgement: Judgement, article_sentences, question: str) -> list[Evidence]:
    """The item heads (一是…, 二是…) of the list an answering article enumerates, when the question asks
    for its items (分别是哪四项); [] otherwise."""
    if judgement.asked.kind not in ("how", "other", "name") or not judgement.evidence:
        return []
    best = judgement.evidence[0]
    same_article = [e for e in judgement.evidence if e.hit.article.article_id == best.hit.article.article_id]
    return [e for e in _items(question, same_article, article_sentences) if ITEM.match(e.sentence)]


def one_per_article(evidence: list[Evidence] | tuple[Evidence, ...], limit: int = MAX_ACROSS,
                    cited: frozenset[str] = frozenset()) -> list[Evidence]:
    """The best answering sentence of each of the best-ranked articles, up to limit articles counting those
    already cited, in the order of the issues' dates: one line per issue for a question across issues."""
    best_per_article: dict[str, Evidence] = {}
    for item in evidence:
        if item.hit.article.article_id not in cited:
            best_per_article.setdefault(item.hit.article.article_id, item)
    lines = list(best_per_article.values())[:max(0, limit - len(cited))]
    return sorted(lines, key=lambda e: (e.hit.issue.date or "9999", e.hit.issue.source, e.hit.article.ordinal))


_ISSUE_COUNT = re.compile(r"(?<![第总])([两二三四五])期|\b(both|two|three|four|five) issues\b", re.I)
_COUNTS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "both": 2, "two": 2, "three": 3, "four": 4, "five": 5}


def other_issues(judgement: Judgement, question: str, cited: set[str]) -> list[Evidence]:
    """For a question across issues (哪几期讲过…, 在两期里分别…), the best line of each answering article
    not cited yet, up to MAX_ACROSS articles in all, or as many as the issues the question counts (两期):
    each issue the judge found is answered, not only the one the best sentence comes from."""
    if not several_issues(question):
        return []
    return one_per_article(judgement.evidence, issue_limit(question), frozenset(cited))


def issue_limit(question: str) -> int:
    """How many articles an answer across issues names: as many as the issues the question counts (两期),
    or MAX_ACROSS."""
    counted = _ISSUE_COUNT.search(question)
    return _COUNTS[(counted.group(1) or counted.group(2)).lower()] if counted else MAX_ACROSS


# What a question asking for the items names them as: 哪几个学习系列 -> 学习系列, 包括哪些举措 -> 举措.
_ITEMS_NOUN = re.compile(r"(?:哪几|哪些|哪[两二三四五六七八九十]+)[个项条点类件方种大]?([\u4e00-\u9fff]{2,6}?)(?:[？?，,。]|$|分别|是什么|有哪些)")


# ... or before it: 学习系列有哪几个, 五大“创新生态圈”是哪五个.
_ITEMS_NOUN_BEFORE = re.compile(r"([\u4e00-\u9fff]{2,8})[”\"]?(?:都|一共|共)?(?:有|是|包括|分别是)(?:哪几|哪些|哪[两二三四五六七八九十]+)"
                                r"[个项条点类件方种大]?[？?]")


def _listing(question: str, evidence: list[Evidence]) -> Evidence | None:
    """For a question asking for the items of something (统筹了哪几个学习系列), the answering sentence that
    lists them under that name ("统筹谋划创新理论、法律法规、前沿知识、省情市情等四个学习系列"): it names
    what is asked and enumerates (two or more 、). None when no answering sentence does."""
    match = _ITEMS_NOUN.search(question) or _ITEMS_NOUN_BEFORE.search(question)
    if not match:
        return None
    noun = re.split(r"[的之]", match.group(1))[-1]
    if len(noun) < 2:
        return None
    for item in evidence:
        if item.sentence.count("、") >= 2 and noun in compact(item.sentence):
            return item
    return None


def pick_evidence(judgement: Judgement, article_sentences=None, question: str = "") -> list[Evidence]:
    """The answering sentences to quote, chosen by what the question asks for."""
    evidence = list(judgement.evidence)
    kind = judgement.asked.kind
    if kind == "issues":
        return one_per_article(evidence)
    best = evidence[0]
    same_article = [e for e in evidence if e.hit.article.article_id == best.hit.article.article_id]
    if kind in ("how", "other", "name"):
        items = _items(question, same_article, article_sentences)
        if items:
            # Other articles the judge found answering as well (a question about two issues) keep their best.
            others: dict[str, Evidence] = {}
            for item in evidence:
                if item.hit.article.article_id != best.hit.article.article_id:
                    others.setdefault(item.hit.article.article_id, item)
            return items + list(others.values())[:MAX_QUOTES - 1]
    # A sentence listing the asked items under the asked name goes first (统筹了哪几个学习系列). Not for how
    # questions (哪些工作, 哪些措施), whose explaining sentences keep the article's order.
    listing = _listing(question, evidence) if kind in ("other", "name") else None
    if kind == "how":
        # The explaining sentences, in the order the article gives them.
        return sorted(same_article[:MAX_EXPLAINING], key=lambda e: e.index)
    picked = [listing] if listing is not None else []
    picked += [] if listing is best else [best]
    for item in evidence[1:]:
        if len(picked) == MAX_QUOTES:
            break
        if item.sentence not in {p.sentence for p in picked}:
            picked.append(item)
    return picked
