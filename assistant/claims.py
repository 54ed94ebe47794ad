"""The claim checker: does the archive support a sentence, contradict it, or not say it at all?

ClaimChecker.check(claim, candidates) -> ClaimCheck. The candidates are source sentences (of the
numbered sources an LLM was given, or of the articles retrieval found for `assistant check`). The
checker compares substance, not characters:

- figures as whole quantities with their units (assistant/figures.py), years, dates and issue
  numbers; a figure must be one the source gives, and about the same measure (产量 vs 产值, A类 vs
  B类, two figures swapped);
- polarity (未, 没有, 不, 无), direction (增长 vs 下降, 从17项到21项 vs 从21项到17项) and rank (榜首 vs 第二);
- the places, people, bodies and laws the claim names must occur in the supporting article;
- and the claim's wording or meaning must be the source's: a share of its words, or its e5
  similarity to the sentence (a paraphrase keeps the meaning, not the words).

A claim is *supported* by one sentence, or by two sentences of one article when it joins two facts.
It is *contradicted* when the sentence it is about says otherwise, with what the source says; and
*not_found* when nothing in the candidates says it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from .cleaning import compact
from .figures import DURATIONS, Figure, find_figures
from .citations import chinese_date, issue_note
from .judge import question_anchors
from .lexical import STOPWORDS, content_terms, segmenter
from .lexicon import lexicon
from .records import Hit
from .sentences import ITEM, enumeration_groups, item_number

VERDICTS = ("supported", "contradicted", "not_found")
TOP_CANDIDATES = 5  # the sentences most like the claim, each tried as its support
PAIRED = 3  # of these, pairs from one article are tried for a claim that joins two facts
ITEM_BODY = 4  # sentences after an item head that can still be its body, where no next head ends it
LOCAL_CHARS = 8  # the characters before a figure read as what it counts
LOCAL_AFTER = 4
SINGLE_BONUS = 0.05
MIN_CLAIM_CHARS = 4  # Chinese characters a sentence needs beyond the names of its sources to claim anything
POST_CHARS = 8  # the claim's words before a name read as the person's post
SOURCE_POST_CHARS = 16  # one sentence is preferred to a pair when both support

NEGATIONS = frozenset("不 未 没有 没 无 并未 尚未 未能 不能 无法 从未 不再 并非 不是 非 未曾 不会 不予 未予 毫无 未被 未有 "
                      "无需 无须 不必 不需 不需要 不用".split())
UP = ("增长", "增加", "提高", "提升", "上升", "扩大", "扩容", "增至", "升至", "翻番", "攀升", "增多", "上涨", "拓展至")
DOWN = ("下降", "减少", "降低", "缩减", "缩小", "减至", "降至", "回落", "下滑", "压减", "削减", "压缩", "减轻", "下跌")
# Words that link a measure to its figure: shared by every measure, so they say nothing about which.
_LINKS = frozenset("达到 达 约 为 共 共有 有 超过 累计 共计 合计 总计 实现 其中 分别 全年 已 已经 同比 比 较 占 约为 近 将近 逾 以上".split())
_FROM_TO = re.compile(r"从(?P<a>[^，,。；]{1,24}?)(?:扩容|增加|增长|提高|提升|上升|扩大|缩减|减少|下降|降低|压减|调整|压缩)?"
                      r"(?:到|至|转向|转变为|转变成|转为|变为)(?P<b>[^，,。；]{1,24})"
                      r"|将(?P<c>[^，,。；]{1,24}?)(?:转变为|转变成|变为|改为|转为|调整为)(?P<d>[^，,。；]{1,24})")
_QUOTED = re.compile(r"[“\"「]([^”\"」]{1,30})[”\"」]")
_CLAUSE = re.compile(r"[^，,；;。！？!?]+")
# Text addressed to a model rather than to readers (a prompt injection in an uploaded file).
_INSTRUCTION = re.compile(r"忽略(?:以上|之前|前面|上述|此前)?(?:的)?(?:所有|全部|一切)?(?:的)?(?:指令|提示|要求|规则|设定)|"
                          r"(?:系统|system)\s*(?:提示词|prompt)|你现在(?:是|扮演)|"
                          r"ignore\s+(?:all\s+)?(?:the\s+)?(?:previous|above|prior)\s+instructions", re.I)
MASTHEAD = -1  # the index of the sentence that says where an article appeared
_MARKERS = re.compile(r"[\[【]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】]")


@dataclass(frozen=True)
class SourceSentence:
    """A sentence of an article, as a candidate support. n is the number an LLM saw its source under."""

    text: str
    hit: Hit
    index: int
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    n: int = 0


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one claim: the sentence(s) supporting it, or the one it contradicts, and why."""

    claim: str
    verdict: str  # supported | contradicted | not_found
    support: tuple[SourceSentence, ...] = ()
    reason: str = ""
    relatedness: float = 0.0

    @property
    def supported(self) -> bool:
        return self.verdict == "supported"

    @property
    def quote(self) -> str:
        return "".join(s.text for s in self.support)


@dataclass(frozen=True)
class CheckerModel:
    """The fitted part: how related a sentence must be to a claim to support it."""

    weights: tuple[float, float, float]  # terms covered, bigrams covered, e5 cosine
    bias: float
    threshold: float  # a sentence this related can support the claim
    contradiction_threshold: float  # a sentence this related is about the claim: what it says otherwise contradicts

    @classmethod
    def load(cls) -> "CheckerModel":
        raw = json.loads(resources.files("assistant").joinpath("data/checker.json").read_text(encoding="utf-8"))
        return cls(tuple(raw["weights"]), raw["bias"], raw["threshold"], raw["contradiction_threshold"])

    def score(self, terms: float, bigrams: float, cosine: float) -> float:
        return float(np.dot(self.weights, (terms, bigrams, cosine)) + self.bias)


@dataclass(frozen=True)
class _Facts:
    text: str
    figures: tuple[Figure, ...]
    clauses: tuple[str, ...]
    terms: tuple[str, ...]
    bigrams: frozenset[str]


class ClaimChecker:
    """check(claim, candidates) -> ClaimCheck; candidates_from(hits) gives an article's sentences."""

    def __init__(self, article_sentences: Callable[[Hit], tuple[list[str], np.ndarray]] | None = None,
                 query_vector: Callable[[str], np.ndarray] | None = None, model: CheckerModel | None = None) -> None:
        self.article_sentences = article_sentences
        self.query_vector = query_vector
        self.model = model or CheckerModel.load()

    def candidates_from(self, hits: Sequence[Hit], numbers: Sequence[int] | None = None) -> list[SourceSentence]:
        """Every sentence of the hits' articles (numbered as given) with its stored vector."""
        from .sentences import split_sentences

        candidates = []
        for position, hit in enumerate(hits):
            n = numbers[position] if numbers else 0
            if self.article_sentences is not None:
                sentences, vectors = self.article_sentences(hit)
            else:
                sentences, vectors = split_sentences(hit.article.text), None
            for index, sentence in enumerate(sentences):
                if _INSTRUCTION.search(sentence):
                    continue  # an instruction to a model inside a document supports nothing it makes a model say
                vector = vectors[index] if vectors is not None and len(vectors) > index else None
                candidates.append(SourceSentence(sentence, hit, index, vector, n))
            if hit.issue.issue_no is not None:
                # Where the article appeared is the source's too (every citation shows it): 《title》刊于
                # 《杭州人大信息》第5期（总第711期），2025年7月11日出版，栏目“要闻速递”。
                note = issue_note(hit, "zh")
                vector = self.query_vector(note) if self.query_vector is not None else None
                candidates.append(SourceSentence(note, hit, MASTHEAD, vector, n))
        return candidates

    def check(self, claim: str, candidates: Sequence[SourceSentence], hint: Sequence[int] = ()) -> ClaimCheck:
        claim = _MARKERS.sub("", claim).strip()
        if not candidates or not compact(claim):
            return ClaimCheck(claim, "not_found", (), "档案中没有相关内容")
        if english_claim(claim):
            # Measured on eval/claims_en.jsonl: the e5 cosine of an English sentence and a Chinese one does
            # not tell a faithful translation from a false one (see the README); it is not confirmed.
            return ClaimCheck(claim, "not_found", (), "英文句子无法与中文来源逐句核验")
        if _only_a_source_name(claim, candidates):
            return ClaimCheck(claim, "not_found", (), "只是来源的名称，不是回答")
        for source in {c.hit.issue.source for c in candidates}:
            claim = claim.replace(source, "")  # a source's file name, copied from its header, says nothing
        results = self._results(claim, candidates, hint)
        decided = _decide(claim, results, self.model.contradiction_threshold, "档案中没有相关内容")
        if decided.supported:
            return self._own_item(claim, decided, candidates, hint)
        # "两期…分别是387家和2075家": each figure rests on its own source, one claim each.
        parts = [self._results(part, candidates, hint) for part in respective_parts(claim, claim_facts(claim), candidates)]
        checks = _respectively(parts)
        if checks:
            support = tuple(dict.fromkeys(s for c in checks for s in c.support))
            # 两期…分别: as many issues as the frame counts, each figure from its own.
            issues = {s.hit.issue.source for s in support}
            framed = _frames(claim_facts(claim), claim.find("分别"), len(checks))
            if all(f.unit != "期" or len(issues) == len(checks) for f in framed):
                return ClaimCheck(claim, "supported", support, "", min(c.relatedness for c in checks))
        return decided

    def _own_item(self, claim: str, decided: ClaimCheck, candidates: Sequence[SourceSentence],
                  hint: Sequence[int]) -> ClaimCheck:
        """An item of a list (三是深化项目审查监督) where its article enumerates one: supported by that item's
        own head and body, or contradicted by the head the article gives in that place."""
        match = ITEM.match(claim)
        if not match or match.group("w"):
            return decided  # 首先/其次 in a model's sentence is as often its own ordering as the article's
        number = item_number(claim)
        spans = _item_spans(decided.support[0].hit.article.article_id, number, candidates)
        if not spans:
            return decided
        own = [c for span in spans for c in span]
        # What conflicts with the claim was weighed over the whole archive; here only where it can rest.
        inside = [r for r in self._results(claim, own, hint) if r.supported]
        # Each word of the item must be its own item's: 四是深化共同富裕监督 is not the fourth item
        # "四是深化审计整改监督" because both deepen some supervision.
        told = compact("".join(c.text for c in own)).lower()
        if inside and all(term in told for term in claim_facts(claim).terms):
            return max(inside, key=lambda r: (r.relatedness, -len(r.support)))
        head = spans[0][0]
        return ClaimCheck(claim, "contradicted", (head,), f"来源所列第{number}项为“{_clipped(head.text)}”",
                          decided.relatedness)

    def _results(self, claim: str, candidates: Sequence[SourceSentence], hint: Sequence[int]) -> list[ClaimCheck]:
        """The claim compared with each of its most related sentences (and pairs of them)."""
        facts = claim_facts(claim)
        claim_vector = self.query_vector(claim) if self.query_vector is not None else None
        scored = sorted(((self._relatedness(facts, (c,), claim_vector) + (0.02 if c.n and c.n in hint else 0.0), c)
                         for c in candidates), key=lambda pair: -pair[0])
        options = _options([c for _, c in scored[:TOP_CANDIDATES]], len(facts.clauses) > 1)
        return [self._compare(claim, facts, option, claim_vector) for option in options]

    # --- one support ---------------------------------------------------------------------------
    def _relatedness(self, facts: _Facts, support: tuple[SourceSentence, ...], claim_vector) -> float:
        return self.model.score(*self.evidence(facts, support, claim_vector))

    def evidence(self, facts: _Facts, support: tuple[SourceSentence, ...], claim_vector) -> tuple[float, float, float]:
        """(share of the claim's words, share of its bigrams, e5 cosine) for a support: what relatedness weighs."""
        hit = support[0].hit
        text = compact("".join(s.text for s in support) + hit.article.title).lower()
        terms = (sum(1 for t in facts.terms if t in text) / len(facts.terms)) if facts.terms else 0.0
        bigrams = (sum(1 for g in facts.bigrams if g in text) / len(facts.bigrams)) if facts.bigrams else 0.0
        cosines = [float(s.vector @ claim_vector) for s in support if s.vector is not None and claim_vector is not None]
        cosine = max(cosines) if cosines else 0.0
        return terms, bigrams, cosine

    def _compare(self, claim: str, facts: _Facts, support: tuple[SourceSentence, ...], claim_vector) -> ClaimCheck:
        related = self._relatedness(facts, support, claim_vector)
        hit = support[0].hit
        text = "".join(s.text for s in support)
        meta = _meta(hit)

        def verdict(name: str, reason: str = "") -> ClaimCheck:
            return ClaimCheck(claim, name, support, reason, related)

        contradiction, missing = _compare_figures(facts, text, meta, hit)
        if contradiction:
            return verdict("contradicted", contradiction)
        for conflict in (_footer(claim, hit), _polarity(facts, text), _direction(facts, text), _from_to(facts, text),
                         _frequency(facts, text), _done_or_planned(facts, text), _deputy(facts, text)):
            if conflict:
                return verdict("contradicted", conflict)
        # A denial must be the source's own: 尚未落地 is supported only by a sentence that denies it too.
        missing += [f"“未{w}”的说法" for w in sorted(_negated_words(facts.text) - _negated_words(text))]
        names_missing, substitute = _names(claim, text + meta, hit.article.text + meta)
        if substitute:
            return verdict("contradicted", substitute)
        missing += names_missing
        if missing:
            return verdict("not_found", f"来源中没有提到{'、'.join(dict.fromkeys(missing))}")
        if related < self.model.threshold:
            return verdict("not_found", "来源中没有这一说法")
        return verdict("supported")


_LIST_JOINER = re.compile(r"\s*(?:、|，|,|和|及|与|以及|、以及)\s*")


def respective_parts(claim: str, facts: _Facts, candidates: Sequence[SourceSentence]) -> list[str]:
    """"…分别是387家和2075家" -> ["…是387家", "…是2075家"]: a list of figures after 分别 whose figures no one
    source sentence holds together (where one does, it decides their order)."""
    at = claim.find("分别")
    listed: list[Figure] = []
    for figure in facts.figures:
        if figure.start < at + 2:
            continue
        if listed and not _LIST_JOINER.fullmatch(claim[listed[-1].end:figure.start]):
            break
        if listed and figure.kind != listed[0].kind:
            break
        listed.append(figure)
    if at < 0 or len(listed) < 2:
        return []
    for candidate in candidates:
        held = find_figures(candidate.text)
        if sum(any(f.same_value(h) for h in held) for f in listed) >= 2:
            return []
    head, tail = claim[:at] + claim[at + 2:listed[0].start], claim[listed[-1].end:]
    # The count the list distributes over (两期, 这两年) is the frame, not a figure of either part.
    for figure in reversed(_frames(facts, at, len(listed))):
        head = head[:figure.start] + head[figure.end:]
    return [head + figure.text + tail for figure in listed]


def _frames(facts: _Facts, at: int, count: int) -> list[Figure]:
    """The figures before 分别 that count what it distributes over: 两期 in 两期…分别是387家和2075家."""
    return [f for f in facts.figures if f.end <= at and f.kind == "quantity" and f.value == count]


def _item_spans(article_id: str, number: int, candidates: Sequence[SourceSentence]) -> list[list[SourceSentence]]:
    """Each enumeration of an article with an item in that place: the item's head and the sentences up to
    the next head (at most ITEM_BODY of them)."""
    sentences = sorted({c.index: c for c in candidates if c.hit.article.article_id == article_id and c.index >= 0}.values(),
                       key=lambda c: c.index)
    spans = []
    for group in enumeration_groups([c.text for c in sentences]):
        if len(group) < number:
            continue
        start = group[number - 1]
        end = group[number] if number < len(group) else start + 1 + ITEM_BODY
        spans.append(sentences[start:min(end, start + 1 + ITEM_BODY)])
    return spans


def _clipped(text: str, limit: int = 30) -> str:
    text = text.rstrip("。；;，,")
    return text if len(text) <= limit else text[:limit] + "…"


def _respectively(parts: list[list[ClaimCheck]]) -> tuple[ClaimCheck, ...]:
    """The checks of a claim's respective parts (one figure each) when each part is supported: its best
    support outranks what contradicts it, unless the contradicting source is another part's (两期分别: each
    issue's figure differs from the other's). Empty when a part is not supported."""
    best = []
    for results in parts:
        supported = [r for r in results if r.supported]
        if not supported:
            return ()
        best.append(max(supported, key=lambda r: r.relatedness))
    for i, results in enumerate(parts):
        others = {r.support[0].hit.article.article_id for j, r in enumerate(best) if j != i}
        if any(r.verdict == "contradicted" and r.relatedness > best[i].relatedness
               and r.support[0].hit.article.article_id not in others for r in results):
            return ()
    return tuple(best)


def _options(top: list[SourceSentence], joined: bool) -> list[tuple[SourceSentence, ...]]:
    """Each of the top sentences alone, and for a claim that joins two facts, pairs of them from one article."""
    options: list[tuple[SourceSentence, ...]] = [(c,) for c in top]
    pairs = top[:PAIRED] if joined else []
    for i, first in enumerate(pairs):
        for second in pairs[i + 1:]:
            if first.hit.article.article_id == second.hit.article.article_id:
                options.append(tuple(sorted((first, second), key=lambda s: s.index)))
    return options


def _decide(claim: str, results: list[ClaimCheck], contradiction_threshold: float, nothing: str) -> ClaimCheck:
    supported = [r for r in results if r.supported]
    contradicted = [r for r in results if r.verdict == "contradicted"]
    best_contradiction = max(contradicted, key=lambda r: r.relatedness) if contradicted else None
    if supported:
        best = max(supported, key=lambda r: (r.relatedness + (SINGLE_BONUS if len(r.support) == 1 else 0.0)))
        # The sentence the claim is most about decides: a weaker sentence elsewhere that happens not to
        # conflict does not outvote the one that says otherwise.
        if (best_contradiction is None or best.relatedness > best_contradiction.relatedness
                or set(best_contradiction.support) <= set(best.support)):
            return best
    if best_contradiction is not None and best_contradiction.relatedness >= contradiction_threshold:
        return best_contradiction
    not_found = [r for r in results if r.verdict == "not_found"]
    return not_found[0] if not_found else ClaimCheck(claim, "not_found", (), nothing)


def english_claim(text: str) -> bool:
    """A sentence in English (a few Chinese characters at most): not comparable with the sources as it is."""
    return len(re.findall(r"[\u4e00-\u9fff]", text)) < MIN_CLAIM_CHARS and len(re.findall(r"[A-Za-z]{2,}", text)) >= 3


@lru_cache(maxsize=4096)
def claim_facts(text: str) -> _Facts:
    chars = re.sub(r"[^\w\u3400-\u9fff]", "", compact(text).lower())
    bigrams = frozenset(chars[i:i + 2] for i in range(len(chars) - 1))
    return _Facts(text, find_figures(text), tuple(m.group(0) for m in _CLAUSE.finditer(text)),
                  tuple(compact(t).lower() for t in content_terms(text)), bigrams)


def _meta(hit: Hit) -> str:
    """What an article says of itself: its title, byline, district, issue number and date."""
    issue, article = hit.issue, hit.article
    return " ".join(filter(None, (article.title, article.byline, article.district, issue.label, issue.publication,
                                  chinese_date(issue.date), f"总第{issue.total_no}期" if issue.total_no else "")))


def masthead_text(hit: Hit) -> str:
    """The figures an article has from its issue, which every citation shows: 期号, 总期号, date.
    Not the title's or the file name's numbers: a claim's figure must be the sentence's or these."""
    issue = hit.issue
    return " ".join(filter(None, (f"第{issue.issue_no}期" if issue.issue_no is not None else "",
                                  f"总第{issue.total_no}期" if issue.total_no is not None else "",
                                  chinese_date(issue.date))))


def _only_a_source_name(claim: str, candidates: Sequence[SourceSentence]) -> bool:
    """A sentence that only repeats a source's title, byline or file name (the model echoing its sources)."""
    rest = claim
    for hit in {id(c.hit): c.hit for c in candidates}.values():
        title, byline = hit.article.title, hit.article.byline
        # A title counts as a name only where it is written as one (《title》, or title（byline）): the
        # title of a brief (信息摘登) is its own first words, which a claim may well repeat.
        for name in (f"《{title}》", f"{title}（{byline}）", f"{title}({byline})", byline if len(byline) >= 4 else "",
                     hit.issue.source, hit.issue.label):
            if name and name not in ("《》", "（）", "()"):
                rest = rest.replace(name, "")
    return len(re.findall(r"[\u4e00-\u9fff]", rest)) < MIN_CLAIM_CHARS


# --- figures ---------------------------------------------------------------------------------------
def _compare_figures(facts: _Facts, text: str, meta: str, hit: Hit) -> tuple[str, list[str]]:
    """(what contradicts the claim's figures, the claim's figures the source does not give)."""
    source = find_figures(text)
    meta_figures = find_figures(masthead_text(hit)) + _relative_years(text, hit)
    missing: list[str] = []
    for figure in facts.figures:
        if _code(figure):  # a phone or document number: its digits, exactly, or nothing
            if re.sub(r"\D", "", figure.text) not in re.sub(r"\D", "", text + meta):
                missing.append(figure.text)
            continue
        same = [s for s in source if figure.same_value(s)]
        if same:
            conflict = _measure_conflict(figure, same, source)
            if conflict:
                return conflict, missing
            if not any(_about_the_same(figure, s) for s in same):
                missing.append(f"{_local(figure) or ''}{figure.text}")  # the figure is there, about something else
            continue
        if any(figure.same_value(s) for s in meta_figures):
            continue
        comparable = [s for s in source if figure.comparable(s)]
        about_it = [s for s in comparable if _measure_terms(figure) & _measure_terms(s) or _shared_window(figure, s) >= 2]
        if about_it:
            return f"来源记载为{about_it[0].text}", missing
        if comparable and figure.kind in ("year", "rank", "date", "total_issue"):
            return f"来源记载为{'、'.join(dict.fromkeys(s.text for s in comparable))}", missing
        if _names_an_issue(figure):  # 第8期 for an article of 第9期: the masthead says otherwise
            printed = [m for m in find_figures(masthead_text(hit)) if _names_an_issue(m) and m.kind == figure.kind]
            if printed:
                return f"来源刊于{hit.issue.label}", missing
        missing.append(figure.text)
    return "", missing


def _footer(claim: str, hit: Hit) -> str:
    """The issue's editor and phone are its footer's: a claim naming 责任编辑 or 电话 names those, not a
    byline the article carries ("责任编辑是富阳区人大常委会办公室")."""
    issue = hit.issue
    if issue.editor and "编辑" in claim and issue.editor not in compact(claim):
        return f"来源记载本期责任编辑为{issue.editor}"
    digits = re.sub(r"\D", "", issue.phone)
    if digits and "电话" in claim and re.search(r"\d{5,}", claim) and digits[-8:] not in re.sub(r"\D", "", claim):
        return f"来源记载电话为{issue.phone}"
    return ""


def _code(figure: Figure) -> bool:
    """A number of seven digits or more without a unit: a phone or document number, not a quantity."""
    return figure.kind == "quantity" and not figure.unit and len(re.sub(r"\D", "", figure.text)) >= 7


def _names_an_issue(figure: Figure) -> bool:
    return figure.kind == "total_issue" or (figure.kind == "ordinal" and figure.unit == "期")


def _relative_years(text: str, hit: Hit) -> tuple[Figure, ...]:
    """今年 and 去年 in an issue of 2024 are 2024年 and 2023年."""
    year = int(hit.issue.date[:4]) if hit.issue.date[:4].isdigit() else None
    if year is None:
        return ()
    found = []
    for word, offset in (("今年", 0), ("去年", -1), ("明年", 1), ("前年", -2)):
        if word in text:
            found.append(Figure(f"{year + offset}年", "year", float(year + offset), "年", "", 0, 0))
    return tuple(found)


def _measure_terms(figure: Figure) -> frozenset[str]:
    """The words naming what a figure measures: 产量 in 产量达到500吨, 任务 in 十二项任务, A类 in A类17项."""
    return frozenset(terms_of(figure.context)) | frozenset(terms_of(figure.after)[:1])


def _following(figure: Figure) -> frozenset[str]:
    """The word right after a figure: 写字楼 in 7幢写字楼."""
    return frozenset(terms_of(figure.after)[:1])


def _nearest(figure: Figure, count: int) -> frozenset[str]:
    """The words right before a figure: where Chinese names its measure (产值达到500吨)."""
    return frozenset(terms_of(figure.context)[-count:])


@lru_cache(maxsize=8192)
def terms_of(text: str) -> tuple[str, ...]:
    jieba = segmenter()
    tokens = [t.strip().lower() for t in jieba.cut(re.sub(r"\s+", "", text))]
    words: dict[str, None] = {}
    for i, token in enumerate(tokens):
        if token.isascii() and token.isalnum() and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            words[token + tokens[i + 1]] = None  # A类, B级
        elif len(token) >= 2 and token not in STOPWORDS and token not in _LINKS and re.search(r"[\u4e00-\u9fff]", token):
            words[token] = None
    return tuple(words)


def _local(figure: Figure) -> str:
    """The few characters around a figure that say what it counts."""
    return figure.context[-LOCAL_CHARS:]


def _window_grams(text: str) -> frozenset[str]:
    for link in _LINKS:
        text = text.replace(link, " ")
    grams = set()
    for run in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z]+", text):
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
        if len(run) == 1 and run.isascii():
            grams.add(run)
    return frozenset(grams)


def _about_the_same(figure: Figure, source: Figure) -> bool:
    """A figure of the claim and the same figure in the source share a word of what they count: the claim
    "新建了3个智算中心" is not supported by "3个街道". A figure with nothing around it (a bare 500吨) passes."""
    if figure.kind not in ("quantity", "percent") or figure.unit_class in DURATIONS:
        return True
    claim = _window_grams(figure.lead[-LOCAL_CHARS:] + " " + figure.tail[:LOCAL_AFTER]) | _counted(figure)
    if not claim:
        return True
    for bare, counted in ((source, figure), (figure, source)):
        noun = _bare_noun(bare)
        if noun and counted.after.startswith(noun):
            return True  # 连发12问 and 提了12个问题: the one character after a bare number is what it counts
    return bool(claim & (_window_grams(source.lead + " " + source.tail) | _counted(source)))


def _bare_noun(figure: Figure) -> str:
    """The one character that follows a number without a unit and ends its word: 问 in 连发12问，."""
    match = re.match(r"([\u4e00-\u9fff])(?![\u4e00-\u9fff])", figure.tail) if not figure.unit else None
    return match.group(1) if match else ""


def _counted(figure: Figure) -> frozenset[str]:
    """The unit with the one character it counts, where a quote mark cuts the window: 张图 in “三张图”."""
    pair = figure.text[-1:] + figure.tail[:1]
    return frozenset([pair]) if re.fullmatch(r"[\u4e00-\u9fff]{2}", pair) else frozenset()


def _shared_window(figure: Figure, source: Figure) -> int:
    """How many character bigrams of what surrounds a figure the source figure's clause shares (配送车 in
    为80辆燃气配送车 and 为70辆配送车): the two count the same thing."""
    claim = _window_grams(figure.lead[-LOCAL_CHARS:] + " " + figure.tail[:LOCAL_CHARS])
    return len(claim & _window_grams(source.lead + " " + source.tail))


def _measure_conflict(figure: Figure, same: list[Figure], source: tuple[Figure, ...]) -> str:
    """The claim's figure is the source's, but the word right before it names another figure's measure there
    (产值达到500吨 where 产值 is 6亿元; A类9项 where 9项 is B类)."""
    if figure.kind not in ("quantity", "percent", "date"):
        return ""
    own = frozenset().union(*(_measure_terms(s) for s in same))
    for other in source:
        if other.kind != figure.kind and {other.kind, figure.kind} != {"quantity", "percent"} or other.same_value(figure):
            continue
        if any(other.start == s.start for s in same):
            continue
        # The nearest word for any figure; the two nearest when the figures are of one kind (a swap of like figures).
        reach = 2 if other.unit_class == figure.unit_class else 1
        shared = (_nearest(figure, reach) & _nearest(other, 2)) - own
        if not shared and other.unit_class == figure.unit_class and figure.unit:
            # Or the word right after a counted figure, where Chinese names what it counts: 14幢写字楼 where
            # the source has 7幢写字楼和14幢独栋楼宇.
            shared = (_following(figure) & _following(other)) - own
        if shared:
            word = sorted(shared, key=len)[-1]
            return f"来源中{word}为{other.text}，{same[0].text}说的是{_name_of(same[0]) or '另一项'}"
    return ""


def _name_of(figure: Figure) -> str:
    terms = terms_of(figure.context)
    return terms[-1] if terms else ""


# --- polarity, direction, rank ---------------------------------------------------------------------
_NEGATION = "|".join(sorted(NEGATIONS, key=len, reverse=True))
# Words that begin with a negation but deny nothing: 不断完善, 不少, 不仅, 无论, 非常.
_LEXICALISED = "断|少|仅|但|论|管|同|久|禁|过|妨|料|然|外|常|偿|缝|形|人机|一而足"
_NEGATED_WORD = re.compile(rf"(?:{_NEGATION})(?!{_LEXICALISED})[已尚还也都仍均再又就能会将要需]{{0,2}}"
                           r"(?:[对在向把被给为从与和跟按将]{1})?([\u4e00-\u9fff]{2})")
_ENDS_NEGATED = re.compile(rf"(?:{_NEGATION})[已尚还也都仍均再又就能会将要需]{{0,2}}$")


def _negated_words(text: str) -> set[str]:
    """The two characters each negation applies to: 没有达到 -> 达到, 尚未提请 -> 提请, 无需报省 -> 报省."""
    return {m.group(1) for m in _NEGATED_WORD.finditer(text)}


def _affirmed(text: str, word: str) -> bool:
    """The word occurs in the text at least once without a negation before it."""
    return any(not _ENDS_NEGATED.search(text[max(0, m.start() - 5):m.start()]) for m in re.finditer(re.escape(word), text))


def _polarity(facts: _Facts, text: str) -> str:
    """What the claim denies the source affirms, or the reverse: 产量没有达到500吨 against 产量达到500吨.
    Words are compared as written, so 顺利完成 and 没有完成 meet at 完成 whatever the segmentation."""
    source_negated = _negated_words(text)
    for word in _negated_words(facts.text):
        if word in text and _affirmed(text, word) and word not in source_negated:
            return f"来源的说法是肯定的：{word}"
    for word in _negated_words(text):
        if word in facts.text and _affirmed(facts.text, word) and word not in _negated_words(facts.text):
            match = _NEGATED_WORD.search(text[text.find(word) - 6:text.find(word) + 2]) if text.find(word) >= 6 else None
            return f"来源的说法是否定的：{match.group(0) if match else word}"
    return ""


def _directions(text: str) -> list[tuple[str, str, str]]:
    """(up or down, the two characters before, the two after) of each word of direction:
    进一步降低财政管理 -> (down, 一步, 财政)."""
    found = []
    for sense, words in (("up", UP), ("down", DOWN)):
        for word in words:
            for m in re.finditer(word, text):
                found.append((sense, text[max(0, m.start() - 2):m.start()], text[m.end():m.end() + 2]))
    return found


_EVERY = re.compile(r"每(?:个)?(周|月|年|季度|季|天|日|半月|半年|星期)")


def _frequency(facts: _Facts, text: str) -> str:
    """每周 against 每月: how often, when the source says it of the same thing."""
    claim, source = set(_EVERY.findall(facts.text)), set(_EVERY.findall(text))
    if claim and source and not claim & source:
        return f"来源记载为每{'、每'.join(sorted(source))}"
    return ""


def _direction(facts: _Facts, text: str) -> str:
    """增长 against 下降: about the same thing (the same characters before or after), or in a sentence
    that has only the other sense."""
    claim, source = _directions(facts.text), _directions(text)
    for sense, before, after in claim:
        for other, s_before, s_after in source:
            if other != sense and ((len(after) == 2 and after == s_after) or (len(before) == 2 and before == s_before)):
                return f"来源记载为{'增加或提升' if other == 'up' else '减少或降低'}"
    claim_senses, source_senses = {d[0] for d in claim}, {d[0] for d in source}
    if len(claim_senses) == 1 and len(source_senses) == 1 and claim_senses != source_senses:
        return f"来源记载为{'增加或提升' if 'up' in source_senses else '减少或降低'}"
    return ""


def _from_to(facts: _Facts, text: str) -> str:
    """从17项扩容至21项 against 从21项缩减到17项, 将“A”模式转变为“B” against the reverse: the same two
    things (figures, or quoted names) in the opposite order."""
    def ends(match: re.Match) -> tuple[str, str]:
        return (match.group("a"), match.group("b")) if match.group("a") is not None else (match.group("c"), match.group("d"))

    for claim_match in _FROM_TO.finditer(facts.text):
        a, b = ends(claim_match)
        for source_match in _FROM_TO.finditer(text):
            sa, sb = ends(source_match)
            if _same_thing(a, sb) and _same_thing(b, sa) and not _same_thing(a, b):
                return f"来源记载为从{sa.strip()}到{sb.strip()}"
    return ""


# What a source says is still to come: 将在黄村陆续落地, 拟于年内出台, 即将施行. Not the 将 of 将A转变为B.
_PLANNED = re.compile(r"即将|将(?:于|在|会|要|陆续|逐步|进一步|继续|全面|启动|推出|开展|出台|建成|实施)|拟|计划于|预计")
_DONE = re.compile(r"(?<![而得])已(?:经)?")


def _done_or_planned(facts: _Facts, text: str) -> str:
    """已经建成落地 against 将在黄村陆续落地: the claim says done what the source says is to come. The
    clause's last word (its predicate) is the thing done; the source must say it after a mark of the future."""
    for clause in facts.clauses:
        done = _DONE.search(clause)
        words = terms_of(clause[done.end():]) if done else ()
        if not words:
            continue
        predicate = words[-1]
        to_come, done_there = None, False
        for source_clause in _CLAUSE.findall(text):
            if predicate not in source_clause:
                continue
            planned = _PLANNED.search(source_clause)
            if planned and predicate in source_clause[planned.end():] and not _DONE.search(source_clause):
                to_come = to_come or source_clause[planned.start():].strip()
            else:
                done_there = True  # the source also says it without a mark of the future
        if to_come and not done_there:
            return f"来源说的是将来：{to_come}"
    return ""


# The rank a post's title carries: 副主任 is not 主任, 第一副组长 is not 组长.
_DEPUTY_MARKS = ("第一副", "常务副", "执行副", "副")


def _mark(text: str) -> str:
    """The deputy mark a text ends with, if any (its post's title follows)."""
    return next((mark for mark in _DEPUTY_MARKS if text.endswith(mark)), "")


def _deputy(facts: _Facts, text: str) -> str:
    """副主任与副市长共同挂帅 against 主任与市长共同挂帅: aligned with the source clause it is most like, a
    clause of the claim adds or drops the deputy mark of a post the two otherwise write alike."""
    titles = tuple(sorted({t.removeprefix("副") for t in lexicon().person_titles}, key=len, reverse=True))
    source_clauses = [(c.strip(), compact(c)) for c in _CLAUSE.findall(text) if compact(c)]
    for claim_clause in facts.clauses:
        claim = compact(claim_clause)
        if not claim or not source_clauses:
            continue
        matchers = [(difflib.SequenceMatcher(None, claim, key, autojunk=False), shown, key) for shown, key in source_clauses]
        matcher, shown, source = max(matchers, key=lambda m: sum(b.size for b in m[0].get_matching_blocks()))
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "equal" and _mark(claim[i1:i2]) != _mark(source[j1:j2]) \
                    and any(claim.startswith(t, i2) and source.startswith(t, j2) for t in titles):
                return f"来源记载为{shown}"
    return ""


def _same_thing(a: str, b: str) -> bool:
    """Two ends of a change name the same thing: the same figure, or the same quoted name."""
    fa, fb = find_figures(a), find_figures(b)
    if fa and fb:
        return fa[0].same_value(fb[0])
    qa, qb = _QUOTED.findall(a), _QUOTED.findall(b)
    return bool(qa and qb and compact(qa[0]) == compact(qb[0]))


# --- names -----------------------------------------------------------------------------------------
def _names(claim: str, support: str, article: str) -> tuple[list[str], str]:
    """(names of the claim its article lacks, what the supporting sentence names in the place of one).

    Places, people, bodies, laws and quoted names must occur in the article (its text, title, byline
    or masthead): a sentence need not repeat the district its article is about."""
    missing = []
    key, support_key = compact(article).lower(), compact(support).lower()
    districts = lexicon().districts
    for anchor in question_anchors(claim, "zh"):
        if anchor.written_in(key):
            continue  # weak anchors too: a claim asserts its places (湖州德清), a question only asks about them
        name = anchor.forms[0]
        if re.fullmatch(r"(?:19|20)\d{2}", name):
            continue  # years are figures, compared above
        if name in districts:
            others = [d for d in districts if d in support_key and d not in claim] or [
                d for d in districts if d in key and d not in claim]
            if others:
                return missing, f"来源记载为{others[0]}"
        missing.append(name)
    for place in _local_places(claim):
        if place not in key and place not in missing:
            missing.append(place)
    # People must be in the supporting sentences themselves: what a claim says a person did is said of them there.
    for person in _persons(claim):
        if person not in support_key and person[:2] not in support_key and person not in missing:
            others = [p for p in _persons(support) if p not in claim]
            if others and person not in key:
                return missing, f"来源记载为{others[0]}"
            missing.append(person)
        else:
            post = _post_conflict(claim, article, person)
            if post:
                return missing, post
    for body in _bodies(claim) + [w for w in lexicon().domain_words if w in claim]:
        if compact(body).lower() not in key and body not in missing:
            missing.append(body)
    return missing, ""


@lru_cache(maxsize=4096)
def _persons(text: str) -> tuple[str, ...]:
    """Personal names jieba tags as such, starting with a surname, that are not everyday words."""
    import jieba.posseg as posseg

    from .judge import looks_like_name

    segmenter()
    return tuple(dict.fromkeys(w.word for w in posseg.cut(text) if w.flag == "nr" and looks_like_name(w.word)))


def _local_places(claim: str) -> list[str]:
    """Towns, streets, villages and communities by name (瓜沥镇, 宁围街道, 黄村村): the name ends where a jieba
    word ends and is not inside a longer word (农业农村部门 holds no village 业农村; 实现乡镇 no township 实现乡)."""
    spans, at = [], 0
    for token in segmenter().cut(claim):
        spans.append((at, at + len(token)))
        at += len(token)
    ends = {end for _, end in spans}
    places = []
    for m in _LOCAL_PLACE.finditer(claim):
        inside = any(start <= m.start() and m.end() <= end and end - start > m.end() - m.start() for start, end in spans)
        if m.end() in ends and not inside:
            places.append(m.group(0))
    return places


# Towns, streets, villages and communities by name: 瓜沥镇, 宁围街道, 黄村村.
_LOCAL_PLACE = re.compile(r"[\u4e00-\u9fff]{2}(?:街道|镇|乡|村|社区)(?![民委级])")
_BODY_END = re.compile(r"(?:局|委|委员会|院|办|厅|中心|法院|检察院|政府|公司|集团|协会|学会|研究会|学校|医院|银行)$")
_BEFORE_NAME = re.compile(r"[\u4e00-\u9fff]{1,12}$")


def _bodies(claim: str) -> list[str]:
    """The bodies a claim names (住建局, 政法委, 区委改革办): jieba words of three or more characters that end as a body does."""
    return [t for t in dict.fromkeys(segmenter().cut(claim)) if len(t) >= 3 and _BODY_END.search(t)
            and t not in lexicon().stopwords and not any(t.startswith(h) and len(h) >= 2 for h in lexicon().home_places)]


def _post_conflict(claim: str, haystack: str, person: str) -> str:
    """The post the claim gives a person (市委书记李火林) must be the source's (主任李火林): each word of it
    occurs just before the name in the source."""
    titles = lexicon().person_titles
    at = claim.find(person)
    before = _BEFORE_NAME.search(claim[:at])
    if not before or not any(before.group(0).endswith(t) for t in titles):
        return ""
    # The post is the title word (主任, 秘书长) with a party body written onto it (市委书记, 党组书记); the
    # organisation before it (市人大常委会) is often left out by the source and is not compared.
    tokens = [t for t in segmenter().cut(before.group(0)[-POST_CHARS:]) if t.strip()]
    title_at = max((i for i, t in enumerate(tokens) if any(t.endswith(title) for title in titles)), default=None)
    if title_at is None:
        return ""
    post_words = [tokens[title_at]] + ([tokens[title_at - 1]] if title_at and tokens[title_at - 1][-1:] in "委组" else [])
    windows = [haystack[max(0, m.start() - SOURCE_POST_CHARS):m.start()] for m in re.finditer(re.escape(person), haystack)]
    if not windows or not any(any(w.endswith(t) for t in titles) for w in windows):
        return ""  # the source names the person without a post: nothing to compare
    if any(all(word in window for word in post_words) for window in windows):
        return ""
    shown = next(w for w in windows if any(w.endswith(t) for t in titles))
    return f"来源记载为{_BEFORE_NAME.search(shown).group(0) if _BEFORE_NAME.search(shown) else shown}{person}"
