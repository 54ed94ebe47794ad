"""The extractive answerer: quote the sentences that answer, cite them, or say plainly there is none.

It never writes a word of its own about the archive's content: every claim is a quoted sentence
with its [n]. Whether the archive answers at all is judged on what the question names (places,
people, years, laws, issue numbers) and how much of its wording the best articles contain: the
embedding scores of this model crowd together for relevant and irrelevant questions alike.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from dataclasses import dataclass

from .citations import issue_reference, source_line
from .cleaning import compact
from .lexical import STOPWORDS, content_terms
from .records import Answer, Citation, Hit

MAX_QUOTES = 3
MAX_ACROSS = 5
_ABOUT_AUTHOR = re.compile(r"谁写的|作者|署名|撰稿|who wrote|author", re.I)
_ABOUT_ISSUE = re.compile(r"哪一期|哪期|第几期|总第几期|哪天出|哪天出版|出版日期|什么时候出|期号|哪个栏目|什么栏目|which issue|what date|when was .* published", re.I)
_ACROSS_ISSUES = re.compile(r"哪几期|哪些期|几期|各期|哪些区|哪几个区|哪些地方|which issues?", re.I)
MIN_COVERAGE = 0.5  # share (IDF-weighted) of the question's topic words an answering article contains
_SENTENCE = re.compile(r"[^。！？；!?]*[。！？；!?]+[”’」』）)]*|[^。！？；!?]+$")
_QUANTITY = re.compile(r"多少|几|数量|比例|百分|how many|how much|what percentage|number of", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ISSUE_NO = re.compile(r"第\s*(\d+)\s*期|总第\s*(\d+)\s*期")
_LAW = re.compile(r"《([^》]{2,40})》")
_GENERIC_PLACES = frozenset({"杭州", "杭州市", "浙江", "浙江省", "全市", "全省", "我市", "本市", "中国", "全国"})

REFUSAL_ZH = "资料中没有找到能回答这个问题的内容。"
REFUSAL_EN = "The archive does not contain an answer to this question."


@dataclass(frozen=True)
class _Scored:
    hit_rank: int
    sentence: str
    score: float


def question_language(question: str) -> str:
    cjk = sum(1 for ch in question if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in question if ch.isascii() and ch.isalpha())
    return "en" if latin > 3 * cjk and latin >= 3 else "zh"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if len(compact(s)) >= 4]


class ExtractiveAnswerer:
    """answer(question, hits) -> Answer with quoted, cited sentences or a refusal."""

    def __init__(self, doc_freq: dict[str, int], n_docs: int) -> None:
        self.doc_freq = doc_freq
        self.n_docs = max(1, n_docs)

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        language = question_language(question)
        supported = [hit for hit in hits if self.supports(question, hit, language)]
        if not supported:
            return Answer(question=question, text=REFUSAL_EN if language == "en" else REFUSAL_ZH,
                          refused=True, citations=(), language=language, closest=tuple(hits[:3]))
        picked = self._pick_sentences(question, supported, language)
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[tuple[str, int]] = []
        for item in picked:
            hit = supported[item.hit_rank]
            key = hit.article.article_id
            if key not in numbers:
                numbers[key] = len(numbers) + 1
            citations.append(Citation(n=numbers[key], hit=hit, quote=item.sentence, score=round(item.score, 4)))
            parts.append((item.sentence, numbers[key]))
        across = bool(_ACROSS_ISSUES.search(question))
        if across:
            # Name each article and its issue: the question is where and when, not only what.
            named = {c.n: _short_reference(c.hit) for c in citations}
            parts = [(f"{named[n]}：{s}", n) for s, n in parts]
        if language == "en":
            text = "From the archive (quoted in Chinese): " + " ".join(f"“{s}”[{n}]" for s, n in parts)
        else:
            text = ("；".join if across else "".join)(f"{s}[{n}]" for s, n in parts)
        if _ABOUT_ISSUE.search(question):
            first = citations[0]
            text = f"{issue_note(first.hit, language)}[{first.n}] {text}"
        if _ABOUT_AUTHOR.search(question):
            first = citations[0]
            article = first.hit.article
            note = (f"《{article.title}》 is signed: {article.byline}." if language == "en"
                    else f"《{article.title}》署名：{article.byline or '未署名'}。")
            text = f"{note}[{first.n}] {text}"
        return Answer(question=question, text=text, refused=False, citations=tuple(citations), language=language)

    # --- is the question answered by this article at all? ------------------------------------
    def supports(self, question: str, hit: Hit, language: str) -> bool:
        haystack = compact(
            " ".join([hit.article.title, hit.article.text, hit.article.byline, hit.article.district,
                      hit.issue.publication, hit.issue.label, hit.issue.date, _chinese_date(hit.issue.date),
                      hit.issue.source, hit.article.column])
        ).lower()
        for anchor in question_anchors(question, language):
            if not any(_mentions(haystack, option) for option in anchor):
                return False
        if language == "en":
            # The glossary is the bridge to the Chinese text: no known term, nothing to vouch for.
            from .english import english_terms

            terms = english_terms(question)
            found = sum(1 for options in terms if any(_mentions(haystack, o) for o in options))
            return bool(terms) and found * 2 >= len(terms)
        terms = [t for t in content_terms(question) if not _YEAR.fullmatch(t)]
        if not terms:
            return True
        weights = {t: self._idf(t) for t in terms}
        found = sum(w for t, w in weights.items() if compact(t) in haystack)
        return found / sum(weights.values()) >= MIN_COVERAGE

    def _idf(self, term: str) -> float:
        df = self.doc_freq.get(term.lower())
        if df is None:
            # Unknown to the index as one token (jieba cut it differently): weigh it as rare.
            df = 1
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    # --- which sentences answer -------------------------------------------------------------------
    def _pick_sentences(self, question: str, hits: list[Hit], language: str) -> list[_Scored]:
        terms = content_terms(question) if language == "zh" else []
        weights = {t: self._idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        wants_number = bool(_QUANTITY.search(question))
        english_terms = []
        if language == "en":
            from .english import english_terms as _english_terms

            english_terms = _english_terms(question)
        scored: list[_Scored] = []
        for rank, hit in enumerate(hits[:MAX_ACROSS]):
            matched = compact("".join(chunk.text for chunk in hit.chunks))
            for index, sentence in enumerate(sentences(hit.article.text)):
                key = compact(sentence)
                coverage = sum(w for t, w in weights.items() if compact(t) in key) / total
                if language == "en":
                    found = sum(1 for options in english_terms if any(o in key for o in options))
                    coverage = found / max(1, len(english_terms))
                score = coverage + 0.15 / (rank + 1)
                if key in matched:
                    score += 0.1
                if wants_number and re.search(r"\d", sentence):
                    score += 0.25
                if index == 0 and hit.article.kind == "brief":
                    score += 0.05
                scored.append(_Scored(rank, sentence, score))
        scored.sort(key=lambda s: -s.score)
        if not scored:
            return []
        if _ACROSS_ISSUES.search(question):
            # "哪几期讲过…": one sentence from each supporting article, in rank order.
            best_per_hit: dict[int, _Scored] = {}
            for item in scored:
                best_per_hit.setdefault(item.hit_rank, item)
            return [best_per_hit[rank] for rank in sorted(best_per_hit)][:MAX_ACROSS]
        best = scored[0].score
        picked = [scored[0]]
        for item in scored[1:]:
            if len(picked) == MAX_QUOTES:
                break
            if item.score >= 0.75 * best and item.sentence not in {p.sentence for p in picked}:
                picked.append(item)
        return picked


@lru_cache(maxsize=512)
def question_anchors(question: str, language: str) -> tuple[tuple[str, ...], ...]:
    """What the question names that an answering article must mention: each a tuple of alternatives."""
    anchors: list[tuple[str, ...]] = []
    for year in _YEAR.findall(question):
        anchors.append((year,))
    for match in _ISSUE_NO.finditer(question):
        if match.group(1):
            anchors.append((f"第{match.group(1)}期",))
        else:
            anchors.append((f"总第{match.group(2)}期",))
    for law in _LAW.findall(question):
        anchors.append((law,))
    if language == "en":
        from .english import english_anchors

        anchors.extend(english_anchors(question))
        return tuple(anchors)
    from .lexical import _jieba

    _jieba()  # the dictionary with the domain words, and quiet logging, before posseg uses it
    import jieba.posseg as posseg

    for word in posseg.cut(question):
        token = word.word.strip()
        if token in _GENERIC_PLACES or token in STOPWORDS or len(token) < 2:
            continue
        if word.flag == "ns" or word.flag == "nr" and len(token) >= 2:
            anchors.append(_place_variants(token))
    return tuple(anchors)


def _mentions(haystack: str, option: str) -> bool:
    if option.startswith("py:"):
        from .english import pinyin_of

        return option[3:] in pinyin_of(haystack)
    return compact(option).lower() in haystack


def _chinese_date(iso: str) -> str:
    """2024-06-28 -> 2024年6月28日 (how the archive and its readers write dates)."""
    try:
        year, month, day = iso.split("-")
        return f"{int(year)}年{int(month)}月{int(day)}日"
    except ValueError:
        return ""


def _short_reference(hit: Hit) -> str:
    """第9期（2024-06-28）《title》, or the file name where the issue has no masthead."""
    issue = hit.issue
    if issue.issue_no is not None:
        where = f"第{issue.issue_no}期" + (f"（{issue.date}）" if issue.date else "")
    else:
        where = issue.source
    return f"{where}《{hit.article.title}》"


def issue_note(hit: Hit, language: str) -> str:
    """Where the article appeared, from the masthead: for questions about the issue itself."""
    issue, article = hit.issue, hit.article
    if language == "en":
        where = issue_reference(issue, "en")
        column = f", column {article.column}" if article.column else ""
        return f"The article 《{article.title}》 appeared in {where}{column}."
    if issue.issue_no is None:
        where = f"文件 {issue.source}（该期没有刊头，期号和日期不详）"
    else:
        when = f"，{_chinese_date(issue.date)}出版" if issue.date else ""
        total = f"（总第{issue.total_no}期）" if issue.total_no is not None else ""
        where = f"《{issue.publication}》第{issue.issue_no}期{total}{when}"
    column = f"，栏目“{article.column}”" if article.column else ""
    return f"《{article.title}》刊于{where}{column}。"


def _place_variants(token: str) -> tuple[str, ...]:
    """西湖区 also matches 西湖; 宁波市 also matches 宁波."""
    variants = {token}
    if len(token) >= 3 and token[-1] in "市区县省镇":
        variants.add(token[:-1])
    return tuple(variants)


def format_answer(answer: Answer) -> str:
    """The answer as the CLI prints it: text, then numbered sources (or the closest articles)."""
    lines = []
    if answer.rewritten:
        lines.append(f"（理解为：{answer.rewritten}）")
    if answer.notice:
        lines.append(f"【提示】{answer.notice}")
    lines += [answer.text, ""]
    if answer.refused:
        if answer.closest:
            lines.append("Closest articles:" if answer.language == "en" else "最接近的文章：")
            for hit in answer.closest:
                lines.append(f"- {source_line(hit.issue, hit.article, answer.language)}")
        return "\n".join(lines).rstrip()
    lines.append("Sources:" if answer.language == "en" else "来源：")
    seen: set[int] = set()
    for citation in answer.citations:
        if citation.n in seen:
            continue
        seen.add(citation.n)
        lines.append(f"[{citation.n}] {source_line(citation.hit.issue, citation.hit.article, answer.language)}")
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict:
    """The JSON object of `assistant ask --json`."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [
            {
                "n": c.n,
                "issue_label": c.hit.issue.label,
                "issue_no": c.hit.issue.issue_no,
                "total_no": c.hit.issue.total_no,
                "date": c.hit.issue.date or None,
                "title": c.hit.article.title,
                "byline": c.hit.article.byline,
                "source": c.hit.issue.source,
                "article_id": c.hit.article.article_id,
                "quote": c.quote,
                "score": c.score,
            }
            for c in answer.citations
        ],
        "mode": answer.mode,
        "notice": answer.notice,
        "unsupported": list(answer.unsupported),
        "rewritten": answer.rewritten or None,
        "closest": [
            {"title": h.article.title, "source": h.issue.source, "issue_label": h.issue.label,
             "article_id": h.article.article_id}
            for h in answer.closest
        ],
    }
