"""The golden parse: every article and brief of the five sample issues, as a careful reader wrote them."""

import json
from pathlib import Path

import pytest

from assistant.cleaning import compact
from assistant.parsing import brief_title, parse_byline, parse_issue
from assistant.reader import read_source

from .conftest import PDFS, SAMPLE

GOLDEN = json.loads((Path(__file__).parent / "golden" / "articles.json").read_text(encoding="utf-8"))


def _parse(path: Path):
    source = read_source(path)
    return parse_issue(source.text, source.name, source.sha256)


def _expected_title(item: dict) -> str:
    return item["title"] if item["kind"] == "article" else item["first_clause"]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_issue(name):
    expected = GOLDEN[name]
    parsed = _parse(SAMPLE / name)
    issue = parsed.issue
    assert {
        "issue_no": issue.issue_no, "total_no": issue.total_no, "date": issue.date or None,
        "edition": issue.edition or None,
    } == expected["issue"]
    got = [
        {
            "title": a.title, "kind": a.kind, "byline": a.byline, "department": a.department,
            "authors": list(a.authors), "district": a.district, "column": a.column,
        }
        for a in parsed.articles
    ]
    want = [
        {
            "title": _expected_title(e) if e["kind"] == "article" else got_title_for_brief(e, got, i),
            "kind": e["kind"], "byline": e["byline"], "department": e["department"], "authors": e["authors"],
            "district": e["district"], "column": e["column"],
        }
        for i, e in enumerate(expected["articles"])
    ]
    assert got == want
    assert parsed.warnings == ()


def got_title_for_brief(expected: dict, got: list[dict], position: int) -> str:
    """Brief titles are derived: the first clause, cut at 40 characters with an ellipsis."""
    clause = expected["first_clause"]
    return clause if len(clause) <= 40 else clause[:40] + "…"


def test_every_item_has_paragraphs_and_no_furniture():
    for name in GOLDEN:
        for article in _parse(SAMPLE / name).articles:
            assert article.paragraphs
            text = article.text
            assert "—01—" not in text and "送：" not in text and "责任编辑" not in text
            assert "**" not in text  # no table-of-contents line leaked into an article


def test_split_numbers_are_joined_in_articles():
    articles = _parse(SAMPLE / "000_7add4dc35fc77e00.txt").articles
    text = next(a.text for a in articles if a.title == "市人大常委会扎实推动代表建议高质量办理")
    assert "312件，占总数的77.8%，较去年提升2.6%。" in text


def test_page_footer_inside_a_sentence_is_removed_and_the_sentence_rejoined():
    articles = _parse(SAMPLE / "000_7add4dc35fc77e00.txt").articles
    text = next(a.text for a in articles if a.title.startswith("余杭区"))
    # The page footer fell between "桃源小" and "区": the sentence reads whole again.
    assert "瓶窑镇桃源小区征求居民意见，对每月缴纳物业管理费达成共识" in text


@pytest.mark.parametrize("name", ["000_7add4dc35fc77e00", "004_dbed6e9d040a5771"])
def test_pdf_parses_like_its_text(name):
    """The PDF path: radicals repaired, footers and a run-together TOC handled, same articles found."""
    parsed = _parse(PDFS / f"{name}.pdf")
    expected = GOLDEN[f"{name}.txt"]
    assert [a.kind for a in parsed.articles] == [e["kind"] for e in expected["articles"]]
    for article, item in zip(parsed.articles, expected["articles"]):
        want = _expected_title(item)
        assert compact(want).startswith(compact(article.title.rstrip("…")))
        # PDF text loses the spaces between authors; the characters must still match.
        assert compact(article.byline) == compact(item["byline"])
        assert article.district == item["district"]
        assert article.column == item["column"]
    assert parsed.issue.issue_no == expected["issue"]["issue_no"]
    assert parsed.issue.date == (expected["issue"]["date"] or "")
    assert "\u2f08" not in "".join(a.text for a in parsed.articles)  # no radical code points left


@pytest.mark.parametrize("path, editor, phone", [
    (SAMPLE / "002_799da0136ed27955.txt", "杨青青", "(0571)85250657"),
    (PDFS / "004_dbed6e9d040a5771.pdf", "杨青青", "(0571)85250657"),  # the same footer through the PDF path
    (SAMPLE / "000_7add4dc35fc77e00.txt", "", ""),  # an issue printed without the footer
])
def test_the_footer_gives_the_issues_editor_and_phone(path, editor, phone):
    parsed = _parse(path)
    assert (parsed.issue.editor, parsed.issue.phone) == (editor, phone)
    assert not any("责任编辑" in a.text or "85250657" in a.text for a in parsed.articles)


def test_byline_with_full_width_spaces_and_split_names():
    assert parse_byline("法工委\u3000 金\u3000 颖") == ("法工委 金颖", "法工委", ("金颖",))
    assert parse_byline("淳安县人大常委会办公室  洪永流 储言者")[2] == ("洪永流", "储言者")
    assert parse_byline("代表工委李兴军") == ("代表工委 李兴军", "代表工委", ("李兴军",))


def test_brief_title_is_the_first_clause_outside_quotes():
    assert brief_title("滨江区人大常委会开展“主场迎亚运，代表展担当”主题活动，倡议全区") == (
        "滨江区人大常委会开展“主场迎亚运，代表展担当”主题活动"
    )


def test_manifest_fills_an_issue_without_masthead():
    from assistant.parsing import ManifestEntry

    source = read_source(SAMPLE / "000_7add4dc35fc77e00.txt")
    parsed = parse_issue(source.text, source.name, source.sha256, ManifestEntry(source.name, 8, 696, "2024-09-10"))
    assert parsed.issue.label == "第8期（总第696期）"
    assert parsed.issue.date == "2024-09-10"
