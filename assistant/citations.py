"""How a source is named, in one place: for the CLI, the JSON, prompts and cards."""

from __future__ import annotations

import re

from .records import Article, Citation, Hit, Issue

EN_ISSUE_NO = re.compile(r"\bissue\s+(?:no\.?\s*|number\s*)?(\d+)\b", re.I)


def years_named(question: str) -> set[int]:
    """The years a question names (2024年, 2024 in English); not the question's relative 今年."""
    return {int(year) for year in re.findall(r"(?<![\d.])((?:19|20)\d\d)(?:\s*年|(?![\d\u4e00-\u9fff%.]))", question)}


def mixed_years_note(question: str, citations: tuple[Citation, ...] | list[Citation], language: str = "zh") -> str:
    """A notice for an answer quoting articles of different years to a question that names neither a year
    nor an issue: every subject of the bulletin recurs year after year (代表建议交办, 专项监督), and a reader
    quoting "一共有几件" must see that the 12件 and the 8件 are two years' figures. Empty otherwise."""
    if years_named(question) or names_an_issue(question):
        return ""
    years = sorted({c.hit.issue.date[:4] for c in citations if c.hit.issue.date})
    if len(years) < 2:
        return ""
    if language == "en":
        return (f"The quoted articles are from different years ({', '.join(years)}) and the question names none: "
                "check which issue you mean before quoting.")
    return f"所引文章分属不同年份（{'、'.join(y + '年' for y in years)}），问题未指明年份：引用前请核对所需的那一期。"


def names_an_issue(question: str) -> bool:
    """Does the question name some issue by its number (第5期, 总第711期, issue No. 711)?"""
    return bool(re.search(r"第\s*\d+\s*期", question) or EN_ISSUE_NO.search(question))


def question_names_issue(question: str, issue: Issue) -> bool:
    """Does the question name this issue: by its 总期号 (总第711期, "issue No. 711"), or by its 期号 and the
    year (2025年第5期, "issue 5 of 2025")?"""
    totals = {int(n) for n in re.findall(r"总第\s*(\d+)\s*期", question)}
    if totals:
        return issue.total_no in totals
    numbers = {int(n) for n in re.findall(r"(?<!总)第\s*(\d+)\s*期", question)}
    years = set(re.findall(r"((?:19|20)\d{2})\s*年", question))
    # English: "issue No. 711" is the 总期号 (the number that names one issue), or the 期号 with its year
    english = {int(n) for n in EN_ISSUE_NO.findall(question)}
    if issue.total_no is not None and issue.total_no in english:
        return True
    numbers |= english
    years |= set(re.findall(r"\b((?:19|20)\d{2})\b", question)) if english else set()
    return issue.issue_no in numbers and bool(issue.date) and issue.date[:4] in years


def issue_reference(issue: Issue, language: str = "zh") -> str:
    """《杭州人大信息》第9期（总第697期，2024-06-28）, or the file name when there is no masthead."""
    if language == "en":
        if issue.issue_no is None:
            return f"{issue.source}" + (f", {issue.date}" if issue.date else "")
        total = f" (total No. {issue.total_no}" + (f", {issue.date})" if issue.date else ")") if issue.total_no else ""
        return f"《{issue.publication}》 No. {issue.issue_no}{total}"
    if issue.issue_no is None:
        return issue.source + (f"（{issue.date}）" if issue.date else "")
    inner = [f"总第{issue.total_no}期"] if issue.total_no is not None else []
    if issue.date:
        inner.append(issue.date)
    suffix = f"（{'，'.join(inner)}）" if inner else ""
    return f"《{issue.publication}》第{issue.issue_no}期{suffix}"


def source_line(issue: Issue, article: Article, language: str = "zh") -> str:
    """The full reference of one article: issue, title, byline."""
    byline = f"（{article.byline}）" if article.byline else ""
    if language == "en":
        byline = f" ({article.byline})" if article.byline else ""
        return f"{issue_reference(issue, 'en')}, 《{article.title}》{byline}"
    return f"{issue_reference(issue)}《{article.title}》{byline}"


def citation_json(n: int, issue: Issue, article: Article, quote: str, score: float | None = None) -> dict:
    """One citation object, as `ask --json` and `check --json` print it."""
    return {
        "n": n,
        "issue_label": issue.label,
        "issue_no": issue.issue_no,
        "total_no": issue.total_no,
        "date": issue.date or None,
        "title": article.title,
        "byline": article.byline,
        "source": issue.source,
        "article_id": article.article_id,
        "quote": quote,
        "score": score,
    }


VERDICT_LABELS = {
    "zh": {"supported": "有据可查", "contradicted": "与来源不符", "not_found": "未找到出处"},
    "en": {"supported": "supported", "contradicted": "contradicted", "not_found": "not found"},
}


def chinese_date(iso: str) -> str:
    """2024-06-28 -> 2024年6月28日 (how the archive and its readers write dates)."""
    try:
        year, month, day = iso.split("-")
        return f"{int(year)}年{int(month)}月{int(day)}日"
    except ValueError:
        return ""


def short_reference(hit: Hit) -> str:
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
        when = f"，{chinese_date(issue.date)}出版" if issue.date else ""
        total = f"（总第{issue.total_no}期）" if issue.total_no is not None else ""
        where = f"《{issue.publication}》第{issue.issue_no}期{total}{when}"
    column = f"，栏目“{article.column}”" if article.column else ""
    return f"《{article.title}》刊于{where}{column}。" + _footer(issue)


def issue_itself_note(issue: Issue, language: str) -> str:
    """A question about an issue it names by number (总第711期是哪天出版的) is answered by the masthead alone,
    not by the sentences of whichever of its articles ranked first."""
    if language == "en":
        total = f" (total No. {issue.total_no})" if issue.total_no is not None else ""
        when = f" was published on {issue.date}" if issue.date else "'s masthead carries no date"
        return f"《{issue.publication}》 No. {issue.issue_no}{total}{when}."
    total = f"（总第{issue.total_no}期）" if issue.total_no is not None else ""
    when = f"于{chinese_date(issue.date)}出版" if issue.date else "刊头没有日期"
    return f"《{issue.publication}》第{issue.issue_no}期{total}{when}。" + _footer(issue)


def _footer(issue: Issue) -> str:
    """The issue's footer, which a reader of the PDF sees too: who edited it and how to reach them."""
    footer = "，".join(filter(None, (f"本期责任编辑{issue.editor}" if issue.editor else "",
                                   f"电话{issue.phone}" if issue.phone else "")))
    return f"{footer}。" if footer else ""


def chunk_header(issue: Issue, article: Article) -> str:
    """The line prepended to each chunk so that issue, date and title words retrieve too."""
    parts = [f"《{issue.publication}》{issue.label}"]
    if issue.date:
        parts.append(issue.date)
    if article.column:
        parts.append(article.column)
    parts.append(f"《{article.title}》")
    return " ".join(parts)
