"""Parse the text of one issue into its masthead, table of contents, articles and briefs."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from .cleaning import glue, compact, is_page_furniture, join_lines, normalise, repair_characters
from .records import PUBLICATION, Article, Issue, ParsedIssue

from .lexicon import lexicon

DISTRICTS = lexicon().districts
CITY_UNIT = "市人大常委会"

_MASTHEAD_NUMBERS = re.compile(r"第\s*(\d+)\s*期\s*[（(]\s*总\s*第\s*(\d+)\s*期\s*[)）]")
_MASTHEAD_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MASTHEAD_EDITION = re.compile(r"^[（(]\s*([\u4e00-\u9fff])\s*([\u4e00-\u9fff])?\s*[)）]$")
_TOC_COLUMN = re.compile(r"-\s*([^\s*\-][^*]{0,12}?)\s*\*\*")
_BRIEF_COUNT = re.compile(r"(\d+)\s*则")
# A byline: a whole line in parentheses (ASCII or full-width, mixed), naming a department.
_BYLINE = re.compile(r"^[（(]\s*([^()（）。]{1,60}?)\s*[)）]$")
_DEPARTMENT_WORD = re.compile(r"委|办|室|处|厅|组|站|局|院|中心|部")
# Department names end in one of these; in PDF text the space before the authors is lost.
_DEPARTMENT_END = re.compile(r"^(.*(?:办公室|办公厅|研究室|工委|委员会|工作处|秘书一处|秘书二处|处|室|组))(.*)$")
_UNIT_PREFIX = re.compile(r"^([\u4e00-\u9fff]{2,3}(?:区|县|市))")
_TITLE_BREAKERS = re.compile(r"[，,。；;！？!?]")
_LINE_END_NOT_TITLE = re.compile(r"[、，,：:；;]$")
_BRIEF_START = re.compile(r"^[\u4e00-\u9fff]{2,3}(?:区|县|市)人大常委会")
_DISTRIBUTION = re.compile(r"^\s*[\u3000 ]*送\s*[：:]")
_EDITOR_LINE = re.compile(r"^\s*(本期)?责任编辑\s*[：:]|^\s*电话\s*[：:]")
_EDITOR = re.compile(r"^\s*(?:本期)?责任编辑\s*[：:]\s*([\u4e00-\u9fff·\s]{2,12}?)\s*$")
_PHONE = re.compile(r"^\s*(?:联系)?电话\s*[：:]\s*([0-9０-９()（）\-－\s]{7,20})\s*$")
FOOTER_LINES = 8  # the footer (送, 责任编辑, 电话) is the issue's last lines
_CLAUSE_END = "，,。；;！？!?"
BRIEF_TITLE_CHARS = 40


@dataclass(frozen=True)
class ManifestEntry:
    """One row of an issues.csv beside the files: fills or overrides masthead fields."""

    file: str
    issue_no: int | None = None
    total_no: int | None = None
    date: str = ""


def parse_issue(text: str, source: str, sha256: str, manifest: ManifestEntry | None = None) -> ParsedIssue:
    """Parse the raw text of one file named `source` into an issue and its articles."""
    lines = [line.rstrip() for line in repair_characters(text).split("\n")]
    lines = [line for line in lines if line.strip() and not is_page_furniture(line)]
    editor, phone = _footer(lines)
    lines = _cut_distribution_list(lines)
    issue, lines = _masthead(lines, source, sha256)
    issue = replace(issue, editor=editor, phone=phone)
    toc, lines = _table_of_contents(lines)
    if manifest is not None:
        issue = _apply_manifest(issue, manifest)
    width = _wrap_width(lines)
    articles: list[Article] = []
    warnings: list[str] = []
    previous_column = ""
    for item_lines, byline_text in _split_items(lines):
        title, body = _title_and_body(item_lines, width)
        paragraphs = join_lines(body)
        if len(compact("".join(paragraphs))) < 4:  # stray characters, not an article
            paragraphs = []
        if not paragraphs:
            if title:
                warnings.append(f"标题“{title}”下没有正文，已跳过")
            continue
        kind = "article" if title else "brief"
        if not title:
            title = brief_title(paragraphs[0])
        byline, department, authors = parse_byline(byline_text)
        column = toc.column_for(title, kind, previous_column) if toc else ""
        previous_column = column
        ordinal = len(articles)
        articles.append(
            Article(
                article_id=_article_id(source, ordinal, title),
                source=source,
                ordinal=ordinal,
                title=title,
                kind=kind,
                byline=byline,
                department=department,
                authors=authors,
                district=_district(title, paragraphs[0], department),
                column=column,
                paragraphs=tuple(paragraphs),
            )
        )
    if toc and toc.brief_count is not None:
        briefs = sum(1 for a in articles if a.kind == "brief")
        if briefs != toc.brief_count:
            warnings.append(f"目录写有信息摘登 {toc.brief_count} 则，正文解析出 {briefs} 则")
    return ParsedIssue(issue=issue, articles=tuple(articles), warnings=tuple(warnings))


def brief_title(paragraph: str) -> str:
    """A short title for a brief: its first clause (commas inside quotes do not end it)."""
    depth = 0
    for index, char in enumerate(paragraph):
        if char in "“《（(「":
            depth += 1
        elif char in "”》）)」":
            depth = max(0, depth - 1)
        elif char in _CLAUSE_END and depth == 0:
            clause = paragraph[:index]
            break
    else:
        clause = paragraph
    if not compact(clause):
        clause = paragraph.strip() or "（无标题）"
    if len(clause) > BRIEF_TITLE_CHARS:
        clause = clause[:BRIEF_TITLE_CHARS] + "…"
    return clause


def parse_byline(inner: str) -> tuple[str, str, tuple[str, ...]]:
    """'法工委立法工作处  吴 超  章喆蓉' -> ('法工委立法工作处 吴超 章喆蓉', '法工委立法工作处', ('吴超', '章喆蓉'))."""
    tokens = inner.replace("\u3000", " ").split()
    if not tokens:
        return "", "", ()
    department, rest = tokens[0], tokens[1:]
    match = _DEPARTMENT_END.match(department)
    if match and match.group(2):
        # PDF text lost the space: 代表工委李兴军 -> 代表工委 + 李兴军
        department, rest = match.group(1), [match.group(2), *rest]
    authors: list[str] = []
    pending = ""
    for token in rest:
        # Two-character names are printed with a space inside (吴 超): rejoin single characters.
        if len(token) == 1:
            if pending:
                authors.append(pending + token)
                pending = ""
            else:
                pending = token
            continue
        if pending:
            authors.append(pending)
            pending = ""
        authors.append(token)
    if pending:
        authors.append(pending)
    department = normalise(department)
    byline = " ".join([department, *authors])
    return byline, department, tuple(authors)


def _footer(lines: list[str]) -> tuple[str, str]:
    """本期责任编辑：杨青青 / 电话：(0571)85250657, from the issue's last lines."""
    editor = phone = ""
    for line in lines[-FOOTER_LINES:]:
        if found := _EDITOR.match(line):
            editor = compact(found.group(1))
        elif found := _PHONE.match(line):
            phone = re.sub(r"\s", "", found.group(1))  # as printed: (0571)85250657
    return editor, phone


def _cut_distribution_list(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _DISTRIBUTION.match(line):
            return lines[:index]
    return [line for line in lines if not _EDITOR_LINE.match(line)]


def _masthead(lines: list[str], source: str, sha256: str) -> tuple[Issue, list[str]]:
    head = lines[:12]
    if not any(compact(line) == PUBLICATION for line in head):
        return Issue(source=source, sha256=sha256), lines
    issue_no = total_no = None
    date = edition = ""
    last = 0
    for index, line in enumerate(head):
        stripped = line.strip()
        if compact(stripped) == PUBLICATION:
            last = index
        elif numbers := _MASTHEAD_NUMBERS.search(stripped):
            issue_no, total_no = int(numbers.group(1)), int(numbers.group(2))
            last = index
        elif when := _MASTHEAD_DATE.fullmatch(stripped):
            date = f"{int(when.group(1)):04d}-{int(when.group(2)):02d}-{int(when.group(3)):02d}"
            last = index
        elif kind := _MASTHEAD_EDITION.match(stripped):
            edition = kind.group(1) + (kind.group(2) or "")
            last = index
        elif stripped.endswith("编") and len(compact(stripped)) <= 16:
            last = index
    issue = Issue(source=source, sha256=sha256, edition=edition, issue_no=issue_no, total_no=total_no, date=date)
    return issue, lines[last + 1 :]


@dataclass(frozen=True)
class _Toc:
    segments: tuple[tuple[str, str], ...]  # (column, compact text of its entries)
    brief_column: str
    brief_count: int | None

    def column_for(self, title: str, kind: str, previous: str) -> str:
        if kind == "brief" and self.brief_column:
            return self.brief_column
        key = compact(title)
        columns = [column for column, _ in self.segments]
        # The TOC lists articles in order: search from the previous article's column on.
        first = columns.index(previous) if previous in columns else 0
        for probe in (key[:12], key[-8:]):
            for column, text in self.segments[first:]:
                if probe and probe in text:
                    return column
        return previous  # a reworded title keeps its neighbour's column  # the TOC lists articles in order: a reworded title keeps its neighbour's column


def _table_of_contents(lines: list[str]) -> tuple[_Toc | None, list[str]]:
    """Find the 目录 block, read its columns, and return the lines after it."""
    start = next((i for i, line in enumerate(lines[:6]) if compact(line) == "目录"), None)
    if start is None:
        return None, lines
    toc_text = ""
    first_entry = ""
    end = None
    for index in range(start + 1, min(len(lines), start + 60)):
        line = lines[index].strip()
        key = compact(line)
        if first_entry and not line.startswith("-") and key and first_entry.startswith(key[:12]):
            end = index
            break
        toc_text += line
        if not first_entry and "**" in toc_text:
            first_entry = compact(toc_text.split("**", 1)[1])
        elif first_entry and index == start + 1:
            pass
        if first_entry and len(first_entry) < 12:
            first_entry = compact(toc_text.split("**", 1)[1])
    if end is None:
        return None, lines
    matches = list(_TOC_COLUMN.finditer(toc_text))
    segments: list[tuple[str, str]] = []
    brief_column, brief_count = "", None
    for number, match in enumerate(matches):
        column = compact(match.group(1))
        stop = matches[number + 1].start() if number + 1 < len(matches) else len(toc_text)
        entries = toc_text[match.end() : stop]
        count = _BRIEF_COUNT.fullmatch(entries.strip())
        if count:
            brief_column, brief_count = column, int(count.group(1))
        else:
            segments.append((column, compact(entries)))
    return _Toc(tuple(segments), brief_column, brief_count), lines[end:]


def _apply_manifest(issue: Issue, entry: ManifestEntry) -> Issue:
    from dataclasses import replace

    return replace(
        issue,
        issue_no=entry.issue_no if entry.issue_no is not None else issue.issue_no,
        total_no=entry.total_no if entry.total_no is not None else issue.total_no,
        date=entry.date or issue.date,
    )


def _wrap_width(lines: list[str]) -> int | None:
    """The line width of hard-wrapped text, or None when paragraphs are on one line each."""
    lengths = sorted(len(line.strip()) for line in lines)
    if len(lengths) < 10:
        return None
    p75 = lengths[int(len(lengths) * 0.75)]
    if p75 > 50:
        return None
    return lengths[int(len(lengths) * 0.9)]


def _split_items(lines: list[str]):
    """Yield (lines, byline) per article or brief; the byline line closes an item."""
    current: list[str] = []
    for line in lines:
        match = _BYLINE.match(line.strip())
        if match and _DEPARTMENT_WORD.search(match.group(1)):
            if current:
                yield current, match.group(1)
            current = []
        else:
            current.append(line)
    if current:
        yield current, ""


def _is_title_line(line: str) -> bool:
    text = line.strip()
    key = compact(text)
    if not 4 <= len(key) <= 60:
        return False
    if _TITLE_BREAKERS.search(text) or _LINE_END_NOT_TITLE.search(text):
        return False
    return not re.match(r"^[一二三四五六七八九十]是", key)


def _title_and_body(lines: list[str], width: int | None) -> tuple[str, list[str]]:
    if len(lines) < 2 or not _is_title_line(lines[0]) or _BRIEF_START.match(compact(lines[0])):
        return "", lines
    title_lines = [lines[0].strip()]
    # A second title line is short: a wrapped body line fills (most of) the width.
    continuation_max = int(width * 0.7) if width else 40
    if len(lines) > 2 and _is_title_line(lines[1]) and len(lines[1].strip()) <= continuation_max:
        title_lines.append(lines[1].strip())
    title = ""
    for piece in title_lines:
        title = glue(title, piece)
    return normalise(title), lines[len(title_lines) :]


def _district(title: str, first_paragraph: str, department: str) -> str:
    for text in (title, first_paragraph, department):
        match = _UNIT_PREFIX.match(compact(text))
        if match and match.group(1) in DISTRICTS:
            return match.group(1)
    # Beyond the known districts: "某某区：" titles or "某某区人大常委会" openings.
    for text in (title, first_paragraph):
        match = re.match(r"^([\u4e00-\u9fff]{2,3}(?:区|县|市))(?:[：:]|人大常委会)", text)
        if match and not match.group(1).startswith("杭州"):
            return match.group(1)
    return CITY_UNIT


def _article_id(source: str, ordinal: int, title: str) -> str:
    return hashlib.sha1(f"{source}\n{ordinal}\n{compact(title)}".encode()).hexdigest()[:16]
