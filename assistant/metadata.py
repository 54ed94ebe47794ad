"""Issue metadata that staff fill in or correct: 期号, 总期号, date, publication.

Three of the five sample issues have no masthead, so nothing in their text says which issue they
are. A correction is kept in `issue_metadata.json` beside the index generations (not inside one),
so it outlives re-ingest, rebuilds and rollbacks, and it is applied:

- at once, by writing a new generation whose issue row carries it (every citation shows it);
- at every later ingest of that file, over the masthead and any issues.csv row.

`suggest_date` offers the date the issue's own text points to; it is never filled in silently.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from datetime import date, datetime, timezone
from pathlib import Path

from .errors import AssistantError
from .records import Article, Issue

METADATA_FILE = "issue_metadata.json"
FIELDS = ("publication", "issue_no", "total_no", "date")


def load_corrections(index_dir: Path) -> dict[str, dict]:
    """source -> {field: value, ..., "updated_at", "updated_by"}; empty when none were made."""
    path = Path(index_dir) / METADATA_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise AssistantError(f"刊期信息文件 {path} 无法读取（{exc}）：请修复或删除它") from None
    return data if isinstance(data, dict) else {}


def apply_correction(issue: Issue, correction: dict | None) -> Issue:
    """The issue with the fields staff set; fields they left alone keep the masthead's values."""
    if not correction:
        return issue
    return dataclasses.replace(issue, **{k: correction[k] for k in FIELDS if k in correction})


def validate(fields: dict) -> dict:
    """The fields in their stored types; a clear one-line error for a bad value (第0期, 2024-13-45)."""
    clean: dict = {}
    for name in ("issue_no", "total_no"):
        if name not in fields:
            continue
        value = fields[name]
        if value is None or str(value).strip() == "":
            clean[name] = None
            continue
        text = str(value).strip()
        label = "期号" if name == "issue_no" else "总期号"
        if not text.isdigit() or int(text) <= 0:
            raise AssistantError(f"{label}应为正整数，收到：{text}")
        clean[name] = int(text)
    if "date" in fields:
        clean["date"] = parse_date(fields["date"])
    if "publication" in fields:
        publication = str(fields["publication"] or "").strip().strip("《》")
        if not publication:
            raise AssistantError("刊名不能为空")
        if len(publication) > 40:
            raise AssistantError(f"刊名过长（{len(publication)} 字，最多 40 字）")
        clean["publication"] = publication
    return clean


def parse_date(value) -> str:
    """An ISO date (YYYY-MM-DD) that exists on the calendar, or ""; anything else is a clear error."""
    text = str(value or "").strip()
    if not text:
        return ""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise AssistantError(f"日期格式应为 年-月-日（YYYY-MM-DD，如 2024-06-28），收到：{text}")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise AssistantError(f"日期不存在：{text}（请检查月份 1–12 和当月天数）") from None
    return text


def set_issue_metadata(index_dir: Path, source: str, fields: dict, user: str | None = None) -> Issue:
    """Store a correction and make it live in a new generation; returns the issue as cited from now on."""
    from .index import IndexWriter

    index_dir = Path(index_dir)
    clean = validate(fields)
    with IndexWriter(index_dir) as writer:
        store = writer.store
        issue = store.issue(source)
        if issue is None:
            raise AssistantError(f"索引中没有文件 {source}（用 assistant stats 查看已导入的文件）")
        updated = dataclasses.replace(issue, **clean)
        if updated.total_no is not None:
            other = next((i for i in store.issues() if i.source != source and i.total_no == updated.total_no
                          and i.publication == updated.publication), None)
            if other is not None:
                raise AssistantError(f"总第{updated.total_no}期已是 {other.source} 的期号：同一期不能有两条记录")
        corrections = load_corrections(index_dir)
        record = {**corrections.get(source, {}), **clean, "sha256": issue.sha256,
                  "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "updated_by": user or ""}
        corrections[source] = record
        _write_json(index_dir / METADATA_FILE, corrections)
        store.db.execute("UPDATE issues SET publication = ?, issue_no = ?, total_no = ?, date = ? WHERE source = ?",
                         (updated.publication, updated.issue_no, updated.total_no, updated.date, source))
        writer.commit({"operation": "metadata", "edited": [source]})
    return updated


def save_corrections(index_dir: Path, corrections: dict[str, dict]) -> None:
    _write_json(Path(index_dir) / METADATA_FILE, corrections)


def _write_json(path: Path, data: dict) -> None:
    """Write beside, sync, rename over: a crash leaves the old file or the new one, never half of one."""
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


# "2024年3月27日" names its year; "3月27日" takes the year the issue names (a bulletin reports the
# weeks before it goes out, so its latest dated event bounds its date from below).
_FULL_DATE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")
_YEAR = re.compile(r"((?:19|20)\d{2})年")


@dataclasses.dataclass(frozen=True)
class DateSuggestion:
    date: str
    evidence: str  # the sentence the date comes from
    note: str  # how it was read, for the user to judge


def suggest_date(articles: list[Article]) -> DateSuggestion | None:
    """The latest date the issue's articles report, as a suggestion with its evidence; None when the
    text names no day it can be dated by."""
    text = "\n".join(a.text for a in articles)
    candidates: list[tuple[date, str, str]] = []
    for match in _FULL_DATE.finditer(text):
        day = _date(match.group(1), match.group(2), match.group(3))
        if day is not None:
            candidates.append((day, _sentence_around(text, match.start()), "正文中的完整日期"))
    years = sorted({int(y) for y in _YEAR.findall(text)})
    if not candidates and years:
        year = years[-1]
        for match in _MONTH_DAY.finditer(text):
            day = _date(str(year), match.group(1), match.group(2))
            if day is not None:
                note = f"正文只写了月日，年份取正文提到的{year}年" + ("（正文还提到" + "、".join(
                    f"{y}年" for y in years[:-1]) + "）" if len(years) > 1 else "") + "，请核对"
                candidates.append((day, _sentence_around(text, match.start()), note))
    if not candidates:
        return None
    day, evidence, note = max(candidates, key=lambda c: c[0])
    return DateSuggestion(day.isoformat(), evidence, note)


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _sentence_around(text: str, at: int) -> str:
    start = max(text.rfind(mark, 0, at) for mark in "。！？\n") + 1
    ends = [i for i in (text.find(mark, at) for mark in "。！？\n") if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return text[start:end].strip()[:120]
