"""Issue metadata staff fill in: stored beside the generations, shown in every citation, kept on re-ingest."""

import json

import pytest

from assistant.errors import AssistantError
from assistant.index import ArchiveIndex, history, history_lines
from assistant.ingest import ingest
from assistant.metadata import METADATA_FILE, parse_date, set_issue_metadata, suggest_date, validate
from assistant.pipeline import Assistant

from .conftest import SAMPLE, run_cli

UNDATED = "000_7add4dc35fc77e00.txt"  # no masthead in the text: cited by its file name until staff fill it in
MARCH = "001_319007166f9d38be.txt"  # names "3月27日" and "2022年" but no issue number


def test_a_filled_in_issue_is_cited_at_once_and_keeps_it_through_a_reingest(sample_settings, real_embedder):
    assistant = Assistant(sample_settings, embedder=real_embedder)
    try:
        before = assistant.ask("数字经济领域立法工作有哪些做法？")
        assert not before.refused and any(c.hit.issue.source == UNDATED for c in before.citations)
        issue = set_issue_metadata(sample_settings.index_dir, UNDATED,
                                   {"issue_no": "3", "total_no": "650", "date": "2023-02-10"}, user="张三")
        assert issue.label == "第3期（总第650期）" and issue.date == "2023-02-10"
        assert assistant.reload_if_changed()
        after = assistant.ask("数字经济领域立法工作有哪些做法？")
        cited = next(c.hit.issue for c in after.citations if c.hit.issue.source == UNDATED)
        assert (cited.issue_no, cited.total_no, cited.date) == (3, 650, "2023-02-10")
    finally:
        assistant.close()
    rows = history(sample_settings.index_dir)
    assert rows[0]["operation"] == "metadata" and rows[0]["edited"] == [UNDATED]
    assert "修改刊期信息：修改 " + UNDATED in history_lines(rows)[0]
    stored = json.loads((sample_settings.index_dir / METADATA_FILE).read_text(encoding="utf-8"))
    assert stored[UNDATED]["updated_by"] == "张三" and stored[UNDATED]["total_no"] == 650
    # The file changes (a re-scan, an edit) and is ingested again: staff's fields still hold.
    edited = sample_settings.index_dir.parent / "again"
    edited.mkdir()
    (edited / UNDATED).write_text((SAMPLE / UNDATED).read_text(encoding="utf-8") + "\n（本期完）\n", encoding="utf-8")
    report = ingest([edited], sample_settings, real_embedder, replace=True)
    assert report.replaced == [UNDATED] or report.replacements, report
    index = ArchiveIndex.open(sample_settings.index_dir)
    try:
        issue = index.store.issue(UNDATED)
        assert (issue.issue_no, issue.total_no, issue.date) == (3, 650, "2023-02-10")
        # A date filter sees the new date.
        from assistant.records import Filters

        assert len(index.store.rowids_matching(Filters(date_from="2023-02-01", date_to="2023-02-28")))
    finally:
        index.close()


def test_bad_values_are_refused_with_one_line_and_nothing_changes(sample_settings):
    before = (sample_settings.index_dir / "CURRENT").read_text()
    with pytest.raises(AssistantError, match="日期不存在：2024-13-45"):
        set_issue_metadata(sample_settings.index_dir, UNDATED, {"date": "2024-13-45"})
    with pytest.raises(AssistantError, match="期号应为正整数"):
        set_issue_metadata(sample_settings.index_dir, UNDATED, {"issue_no": "0"})
    with pytest.raises(AssistantError, match="没有文件"):
        set_issue_metadata(sample_settings.index_dir, "nope.txt", {"issue_no": "1"})
    # 总第697期 is already 第9期's: one issue, one entry.
    with pytest.raises(AssistantError, match="总第697期已是"):
        set_issue_metadata(sample_settings.index_dir, UNDATED, {"issue_no": "9", "total_no": "697"})
    assert (sample_settings.index_dir / "CURRENT").read_text() == before
    assert not (sample_settings.index_dir / METADATA_FILE).exists()
    assert validate({"issue_no": "", "publication": "《杭州人大信息》"}) == {"issue_no": None, "publication": "杭州人大信息"}
    assert parse_date(" 2024-02-29 ") == "2024-02-29"
    with pytest.raises(AssistantError):
        parse_date("2023-02-29")


def test_the_text_suggests_a_date_and_says_how_it_read_it(real_assistant):
    store = real_assistant.index.store
    suggestion = suggest_date(store.articles(MARCH))
    assert suggestion is not None and suggestion.date.endswith("-03-27")
    assert "3月27日" in suggestion.evidence and "请核对" in suggestion.note
    undated = suggest_date(store.articles(UNDATED))  # "8月15日全国生态日" with 2023年 and 2024年 named
    assert undated is not None and undated.date == "2024-08-15" and "2023年" in undated.note
    from dataclasses import replace

    no_day = [replace(a, paragraphs=("2024年，代表建议办理工作取得成效。",)) for a in store.articles(MARCH)]
    assert suggest_date(no_day) is None  # names no day: nothing is guessed


def test_cli_sets_shows_and_bulk_edits(sample_settings, tmp_path):
    index = str(sample_settings.index_dir)
    shown = run_cli("--index", index, "meta", MARCH)
    assert shown.returncode == 0 and "建议日期" in shown.stdout and "3月27日" in shown.stdout
    done = run_cli("--index", index, "meta", MARCH, "--issue-no", "4", "--date", "2023-03-31")
    assert done.returncode == 0 and "第4期" in done.stdout and "2023-03-31" in done.stdout, done.stderr
    bad = run_cli("--index", index, "meta", MARCH, "--date", "2023-02-30")
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and "日期不存在" in bad.stderr
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "issues.csv").write_text(f"file,issue_no,total_no,date\n{UNDATED},2,649,2023-01-20\n", encoding="utf-8")
    bulk = run_cli("--index", index, "meta", "--csv", str(folder / "issues.csv"))
    assert bulk.returncode == 0 and "总第649期" in bulk.stdout, bulk.stderr
    listing = run_cli("--index", index, "meta").stdout
    assert "《杭州人大信息》第2期（总第649期，2023-01-20）" in listing and "第4期" in listing
