"""One renderer for an answer and a claim check: text (CLI), JSON (ask --json, feedback), Markdown (copy)
and HTML (the page).

How a source is named comes from assistant/citations.py; which sources an answer has from
`Answer.sources`. HTML goes through the Jinja2 templates of assistant/templates/ with autoescape on:
every text from a document or a question is escaped by the engine, never by hand.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .answering import REFUSAL_EN, REFUSAL_ZH
from .citations import VERDICT_LABELS, citation_json, issue_reference, source_line
from .records import Answer, Article, Hit, Issue

_MARKER = re.compile(r"\[(\d+)\]")
CHECK_MARKS = {"supported": "✓", "contradicted": "✗", "not_found": "？"}


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, PackageLoader

    return Environment(loader=PackageLoader("assistant", "templates"), autoescape=True, trim_blocks=True,
                       lstrip_blocks=True)


def _render(template: str, **values) -> str:
    return _environment().get_template(template).render(**values).strip()


def marked(paragraph: str, quotes: list[str]) -> list[tuple[str, bool]]:
    """The paragraph as (text, is a quoted sentence) pieces: the first occurrence of each quote is marked."""
    spans = []
    for quote in quotes:
        at = paragraph.find(quote) if quote else -1
        if at >= 0 and not any(start < at + len(quote) and at < end for start, end in spans):
            spans.append((at, at + len(quote)))
    pieces, position = [], 0
    for start, end in sorted(spans):
        if start > position:
            pieces.append((paragraph[position:start], False))
        pieces.append((paragraph[start:end], True))
        position = end
    if position < len(paragraph):
        pieces.append((paragraph[position:], False))
    return pieces


def linked(text: str) -> list[tuple[str, int | None]]:
    """The text as pieces, each [n] marker a piece of its own with its number (the page makes it a link)."""
    pieces: list[tuple[str, int | None]] = []
    position = 0
    for match in _MARKER.finditer(text):
        if match.start() > position:
            pieces.append((text[position:match.start()], None))
        pieces.append((match.group(0), int(match.group(1))))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


# --- text and JSON ---------------------------------------------------------------------------------
def answer_text(answer: Answer) -> str:
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
            lines += [f"- {source_line(hit.issue, hit.article, answer.language)}" for hit in answer.closest]
        return "\n".join(lines).rstrip()
    lines.append("Sources:" if answer.language == "en" else "来源：")
    lines += [f"[{c.n}] {source_line(c.hit.issue, c.hit.article, answer.language)}" for c in answer.sources]
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict:
    """The JSON object of `assistant ask --json` (and of a rating's sources)."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [citation_json(c.n, c.hit.issue, c.hit.article, c.quote, c.score) for c in answer.citations],
        "mode": answer.mode,
        "notice": answer.notice,
        "unsupported": list(answer.unsupported),
        "quoted_lines": list(answer.quoted),
        "sentences": [
            {"text": c.text, "verdict": c.verdict, "reason": c.reason or None, "quote": c.quote, "citations": list(c.cited),
             "markers": list(c.markers), "sources": list(c.sources), "reattributed": c.reattributed}
            for c in answer.checked
        ],
        "verdict": answer.verdict or None,
        "reason": answer.reason or None,
        "rewritten": answer.rewritten or None,
        "closest": [
            {"title": h.article.title, "source": h.issue.source, "issue_label": h.issue.label,
             "article_id": h.article.article_id}
            for h in answer.closest
        ],
    }


def answer_markdown(answer: Answer | None) -> str:
    """The answer with its references as Markdown, ready to paste into a report: quotes as `>` blocks,
    each reference in the form staff cite: [1] 《杭州人大信息》第9期（总第697期，2024-06-28）《标题》（署名）."""
    if answer is None:
        return ""
    if answer.refused:
        return answer.text
    lines = [answer.text.replace("\n", "  \n"), "", "来源：" if answer.language != "en" else "Sources:", ""]
    for citation in answer.sources:
        lines += [f"[{citation.n}] {source_line(citation.hit.issue, citation.hit.article, answer.language)}", ""]
        lines += [f"> {quote}" for quote in dict.fromkeys(c.quote for c in answer.citations if c.n == citation.n)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- claim checks ------------------------------------------------------------------------------
def check_citations(check) -> list[tuple[int, Issue, Article, str]]:
    """The articles a claim check rests on, numbered, each with its quoted sentence(s): the supporting
    sentences, or the one that says otherwise; none when nothing was found."""
    if check.verdict == "not_found":
        return []
    grouped: dict[str, tuple[Issue, Article, list[str]]] = {}
    for support in check.support:
        key = support.hit.article.article_id
        grouped.setdefault(key, (support.hit.issue, support.hit.article, []))[2].append(support.text)
    return [(n, issue, article, "".join(quotes)) for n, (issue, article, quotes) in enumerate(grouped.values(), 1)]


def check_json(check) -> dict:
    """One object of `assistant check --json`: the claim, its verdict, the citations, the reason."""
    return {
        "claim": check.claim,
        "verdict": check.verdict,
        "citations": [citation_json(n, issue, article, quote, round(check.relatedness, 4))
                      for n, issue, article, quote in check_citations(check)],
        "reason": check.reason or None,
    }


def format_check(check, language: str = "zh") -> str:
    """A claim check as the CLI prints it: the mark and verdict, the claim, the source and its own words."""
    mark = {"supported": "✔", "contradicted": "✘", "not_found": "?"}[check.verdict]
    lines = [f"{mark} [{VERDICT_LABELS[language][check.verdict]}] {check.claim}"]
    if check.reason:
        lines.append(f"    {'原因' if language == 'zh' else 'reason'}：{check.reason}")
    for n, issue, article, quote in check_citations(check):
        lines.append(f"    [{n}] {source_line(issue, article, language)}")
        lines.append(f"        {'原文' if language == 'zh' else 'source'}：{quote}")
    return "\n".join(lines)


# --- HTML ----------------------------------------------------------------------------------------
def badge_html(answer: Answer | None) -> str:
    """How the answer was made (extractive, LLM verified, none), the rewrite, the notice, what was removed."""
    if answer is None:
        return ""
    if answer.refused:
        label, kind = "档案中没有答案", "refused"
    elif answer.mode == "llm":
        label, kind = "大模型回答 · 已核验引用", "llm"
    else:
        label, kind = "摘录式回答", "extractive"
    removed = [c for c in answer.checked if c.verdict != "supported"]
    return _render("badge.html", answer=answer, label=label, kind=kind, removed=removed, verdicts=VERDICT_LABELS["zh"])


def message_html(answer: Answer, k: int, filters_note: str = "") -> str:
    """The chat bubble of answer k: the answer (a list answer as a list), its [n] as links bound to this
    answer, and its references, so the chat's own copy carries the sources."""
    zh = answer.language != "en"
    lines = [linked(line) for line in answer.text.split("\n") if line.strip()]
    if answer.refused:
        refs = [(n, source_line(h.issue, h.article, answer.language)) for n, h in enumerate(answer.closest, 1)]
        title = "最接近的文章（点击查看）" if zh else "Closest articles (click to open)"
    else:
        refs = [(c.n, source_line(c.hit.issue, c.hit.article, answer.language)) for c in answer.sources]
        title = "来源" if zh else "Sources"
    return _render("message.html", zh=zh, k=k, lines=lines, refs=refs, refs_title=title, filters_note=filters_note)


def cards_html(answer: Answer | None) -> str:
    """The source cards: each cited article with its quoted sentences marked in their paragraph; for a
    refusal, the reason and the closest articles."""
    if answer is None:
        return ""
    if answer.refused:
        english = answer.language == "en"
        closest = [(n, _hit_view(h)) for n, h in enumerate(answer.closest, 1)]
        return _render("cards.html", answer=answer, headline=REFUSAL_EN if english else REFUSAL_ZH, closest=closest,
                       closest_title="Closest articles (click to open):" if english else "最接近的文章（点击查看全文）：")
    cards = []
    for citation in answer.sources:
        article = citation.hit.article
        quotes = [c.quote for c in answer.citations if c.n == citation.n]
        paragraph = next((p for p in article.paragraphs if any(q in p for q in quotes)), quotes[0])
        cards.append({"n": citation.n, "reference": issue_reference(citation.hit.issue), "column": article.column,
                      "title": article.title, "byline": article.byline, "paragraph": marked(paragraph, quotes)})
    return _render("cards.html", answer=answer, cards=cards)


def source_choices(answer: Answer | None) -> list[tuple[str, str]]:
    """The side panel's list: the cited articles, or a refusal's closest ones; each opens in full."""
    if answer is None:
        return []
    if answer.refused:
        return [(f"[{n}] {h.article.title}", str(n)) for n, h in enumerate(answer.closest, 1)]
    return [(f"[{c.n}] {c.hit.article.title}", str(c.n)) for c in answer.sources]


def article_html(issue: Issue, article: Article, quotes: list[str]) -> str:
    """A whole article under its issue reference, the quoted sentences marked."""
    return _render("article.html", reference=issue_reference(issue), column=article.column, title=article.title,
                   byline=article.byline, paragraphs=[marked(p, quotes) for p in article.paragraphs])


def search_html(hits: list[Hit], filters_note: str = "") -> str:
    """Search results: counted, each a card that opens the article; the filters in force named."""
    views = [{**_hit_view(hit), "article_id": hit.article.article_id,
              "snippet": hit.chunks[0].text[:160] if hit.chunks else ""} for hit in hits]
    return _render("search.html", hits=views, filters_note=filters_note)


def check_html(checks) -> str:
    """Each checked sentence with its mark, verdict, reason, citations and the source's own words marked."""
    rows = [{"verdict": c.verdict, "mark": CHECK_MARKS[c.verdict], "label": VERDICT_LABELS["zh"][c.verdict],
             "claim": c.claim, "reason": c.reason,
             "sources": [(n, source_line(issue, article), marked(quote, [quote]))
                         for n, issue, article, quote in check_citations(c)]} for c in checks]
    counts = {verdict: sum(1 for c in checks if c.verdict == verdict) for verdict in CHECK_MARKS}
    return _render("check.html", rows=rows, counts=counts)


def issue_html(issue: Issue, articles: list[Article]) -> str:
    """An issue's table of contents: each article's kind or column, title and byline."""
    views = [{"kind": "简讯" if a.kind == "brief" else a.column or "文章", "title": a.title, "byline": a.byline}
             for a in articles]
    return _render("issue.html", reference=issue_reference(issue), articles=views)


def _hit_view(hit: Hit) -> dict:
    return {"reference": issue_reference(hit.issue), "title": hit.article.title, "byline": hit.article.byline}


def import_report_html(report, rejected: list[tuple[str, str]]) -> str:
    """What an upload did: added, replaced, unchanged; files that are the same issue as one already in;
    files not imported, each with its reason."""
    from pathlib import Path

    confirm = [(Path(path).name, change) for path, change in report.needs_confirmation] if report else []
    return _render("import_report.html", report=report, confirm=confirm, rejected=rejected)


def history_html(lines: list[str]) -> str:
    return _render("history.html", lines=lines)


def metadata_hint_html(suggestion, undated: bool) -> str:
    return _render("metadata_hint.html", suggestion=suggestion, undated=undated)


def notice_html(message: str) -> str:
    """A one-line message (an error the user can act on) in the page's notice style."""
    return _render("notice.html", message=message)


def question_html(text: str) -> str:
    """The user's own words in a chat bubble: shown as text, never run as markup."""
    from markupsafe import escape

    return str(escape(text or ""))


def generating_html(partial: str) -> str:
    """An LLM answer while it is written: not yet verified, and said so."""
    return "【生成中，尚未核验】" + question_html(partial)


def chips_html(note: str) -> str:
    """The filters in force as chips above the input."""
    return _render("chips.html", parts=[part for part in note.split("；") if part])


def progress_html(text: str) -> str:
    return _render("progress.html", text=text)
