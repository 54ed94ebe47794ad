"""Answers from the real model on the real sample: quotes, citations, refusals, English."""

import json
import re

import pytest

from assistant.answering import REFUSAL_EN, REFUSAL_ZH
from assistant.sentences import enumeration_groups
from assistant.asked import several_issues
from assistant.render import answer_json, answer_text as format_answer
from assistant.cleaning import compact

pytestmark = pytest.mark.slow


def test_fact_is_quoted_with_a_citation(real_assistant):
    answer = real_assistant.ask("2024年西湖龙井茶春茶产量是多少？")
    assert not answer.refused
    assert "500吨" in answer.text and "[1]" in answer.text
    first = answer.citations[0]
    assert first.hit.issue.label == "第9期（总第697期）" and first.hit.issue.date == "2024-06-28"
    assert first.hit.article.byline == "农工委 刘策"
    # Every quote is a sentence of the cited article, verbatim.
    for citation in answer.citations:
        assert compact(citation.quote) in compact(citation.hit.article.text)
    rendered = format_answer(answer)
    assert "《杭州人大信息》第9期（总第697期，2024-06-28）《市人大常委会积极推动西湖龙井“金字招牌”越擦越亮》（农工委 刘策）" in rendered


def test_issue_without_masthead_is_cited_by_file_name(real_assistant):
    answer = real_assistant.ask("代表建议中A类件占总数的比例是多少？")
    assert "77.8%" in answer.text
    assert "000_7add4dc35fc77e00.txt《市人大常委会扎实推动代表建议高质量办理》（代表工委）" in format_answer(answer)


@pytest.mark.parametrize("question", [
    # Written for this test, not taken from eval/qa.jsonl: another city, another year, a regulation the
    # archive never names, a district whose article is about another subject, a year the topic lacks.
    "温州市人大常委会是怎样督办代表建议的？",
    "2016年杭州市人大代表建议的办理满意率是多少？",
    "《杭州市电动自行车管理条例》是哪一天开始施行的？",
    "上城区人大在老旧小区加装电梯方面做了哪些监督？",
    "西湖龙井茶2019年的春茶产量是多少吨？",
])
def test_questions_the_archive_cannot_answer_are_refused(real_assistant, question):
    answer = real_assistant.ask(question)
    assert answer.refused and answer.text.startswith(REFUSAL_ZH) and not answer.citations
    assert answer.verdict in ("mentions", "unrelated") and answer.reason  # says what the archive holds
    assert answer.closest  # the closest articles are offered instead


def test_across_issues_names_several_issues(real_assistant):
    answer = real_assistant.ask("哪几期讲过淳安县的做法？")
    sources = {c.hit.issue.source for c in answer.citations}
    assert len(sources) >= 3
    assert all(c.hit.article.district == "淳安县" for c in answer.citations)


def test_a_question_about_two_issues_is_answered_from_each(real_assistant):
    # Asked as "how" (怎么报的), not 哪几期: the answer still names each issue the archive reports it in.
    answer = real_assistant.ask("西湖区打造“青年留杭第一区”，大学生创业企业的数字在两期里分别是怎么报的？")
    assert not answer.refused
    assert len({c.hit.issue.source for c in answer.citations}) == 2
    assert "387家" in answer.text
    named = [line for line in answer.text.splitlines() if "《" in line.split("：")[0]]
    assert len(named) == 2  # each article's first line carries its 期号 or file, and its title
    assert all(f"《{c.hit.article.title}》" in answer.text for c in answer.sources)


@pytest.mark.parametrize("question, several", [
    ("哪几期讲过建德市人大的工作？", True),
    ("滨江区西兴街道工委在两期里报道的做法分别是什么？", True),
    ("《杭州市数据流通交易促进条例》在不同期里的进展是怎么说的？", True),
    ("Which issues reported on Jiande?", True),
    ("总第几期刊登了这篇文章？", False),
    ("“杭州人大·E讲堂”一般每个月安排几期？", False),
    ("二期工程什么时候完工？", False),
    ("Which issue carried the article on Jiande?", False),
])
def test_questions_about_several_issues_are_told_apart(question, several):
    assert several_issues(question) is several


def test_items_the_article_enumerates_are_listed_one_per_line(real_assistant):
    answer = real_assistant.ask("上城区给医保联动监督画的三张图分别指哪些？")
    assert not answer.refused
    lines = answer.text.splitlines()
    assert [line[:3] for line in lines if line[:2] in ("一是", "二是", "三是")] == ["一是绘", "二是绘", "三是绘"]
    assert all(name in answer.text for name in ("设计图", "施工图", "成果图"))


def test_items_are_listed_when_the_question_counts_them(real_assistant):
    # 哪四项 asks for the items themselves (the questions are worded for this test).
    counted = real_assistant.ask("临平区抓实财经监督的“四个深化”是哪四项？")
    heads = [line[:2] for line in counted.text.splitlines() if line[:2] in ("一是", "二是", "三是", "四是")]
    assert heads == ["一是", "二是", "三是", "四是"], counted.text


def test_the_sentence_listing_the_asked_items_by_name_is_quoted_first(real_assistant):
    answer = real_assistant.ask("E讲堂的学习系列有哪几个？")
    assert not answer.refused
    first = answer.citations[0].quote
    assert all(name in first for name in ("创新理论", "法律法规", "前沿知识", "省情市情")), answer.text


def test_a_listing_must_name_what_is_asked_and_enumerate():
    from assistant.answering import _listing

    class E:  # the fields _listing reads
        def __init__(self, sentence):
            self.sentence = sentence

    plain, named, other = E("成立E讲堂工作专班，常委会秘书长总牵头。"), E("统筹谋划创新理论、法律法规、前沿知识等三个学习系列。"), \
        E("开展座谈、走访、调研等活动。")
    assert _listing("E讲堂有哪几个学习系列？", [plain, other, named]) is named
    assert _listing("E讲堂有哪几个学习系列？", [plain, other]) is None  # enumerates, but not the series
    assert _listing("E讲堂是谁牵头的？", [plain, named]) is None  # not a question asking for items


def test_a_column_of_an_issue_is_listed_whole_with_its_count(real_assistant):
    # Retrieval ranks a column's articles by their words; the answer lists the column as the issue prints it.
    answer = real_assistant.ask("总第711期的“情况交流”一栏登了哪些文章？")
    first, *lines = answer.text.splitlines()
    assert first == "第5期（总第711期）“情况交流”栏目共4篇："
    assert len(lines) == 4 and all(line.startswith("第5期（2025-07-11）《") for line in lines)
    assert {c.hit.article.column for c in answer.citations} == {"情况交流"}
    briefs = real_assistant.ask("2025年7月11日出版的那期，信息摘登栏目一共有几则？")
    assert briefs.text.startswith("第5期（总第711期）“信息摘登”栏目共4则：")
    assert len({c.hit.article.article_id for c in briefs.citations}) == 4
    # A topic that is also a column's name (代表工作) is not a question about the column.
    topic = real_assistant.ask("富阳区人大的代表工作在哪几期报道过？")
    assert not topic.refused and "栏目共" not in topic.text
    assert len({c.hit.issue.source for c in topic.citations}) >= 2  # not the one issue of that column


def test_the_issues_editor_and_phone_come_from_its_footer(real_assistant):
    answer = real_assistant.ask("总第711期那一期的责任编辑是谁？有联系电话吗？")
    assert not answer.refused and "本期责任编辑杨青青，电话(0571)85250657" in answer.text
    assert answer.citations[0].hit.issue.total_no == 711
    # An issue printed without the footer names no editor rather than another issue's.
    other = real_assistant.ask("市人大常委会立法保障“一号改革工程”那篇文章登在哪一期？")
    assert not other.refused and other.citations[0].hit.issue.source.startswith("001_")
    assert "责任编辑" not in other.text


@pytest.mark.parametrize("question, expected", [
    ("总第711期《杭州人大信息》是哪天出版的？", "《杭州人大信息》第5期（总第711期）于2025年7月11日出版。本期责任编辑杨青青，电话(0571)85250657。[1]"),
    ("When was issue No. 711 of the bulletin published?", "《杭州人大信息》 No. 5 (total No. 711) was published on 2025-07-11.[1]"),
    ("When did issue 9 of 2024 come out?", "《杭州人大信息》 No. 9 (total No. 697) was published on 2024-06-28.[1]"),
    ("总第697期是哪年哪月出的？", "《杭州人大信息》第9期（总第697期）于2024年6月28日出版。本期责任编辑杨青青，电话(0571)85250657。[1]"),
])
def test_a_question_about_an_issue_it_names_is_answered_by_the_masthead_alone(real_assistant, question, expected):
    """Not by the sentences of whichever article of that issue ranked first; the citation quotes the masthead."""
    answer = real_assistant.ask(question)
    assert answer.text == expected
    assert [c.quote for c in answer.citations] == [f"杭州人大信息 {answer.citations[0].hit.issue.label} "
                                                   f"{answer.citations[0].hit.issue.date}"]


def test_a_question_about_an_article_in_a_named_issue_is_answered_from_the_article(real_assistant):
    """总第697期里讲茶叶的文章登在哪个栏目: the issue is named, but the question is about one of its articles."""
    answer = real_assistant.ask("总第697期里讲茶叶的文章登在哪个栏目？")
    assert answer.text.startswith("《市人大常委会积极推动西湖龙井“金字招牌”越擦越亮》刊于《杭州人大信息》第9期（总第697期）")
    assert "栏目“要闻速递”" in answer.text


@pytest.mark.parametrize("question", ["总第712期是哪天出版的？", "When was issue No. 712 published?"])
def test_an_issue_the_archive_does_not_hold_is_refused(real_assistant, question):
    answer = real_assistant.ask(question)
    assert answer.refused and ("712" in answer.text)


def test_enumeration_groups_restart_at_one_and_skip_stray_items():
    sentences = ["引言。", "一是甲。", "正文。", "二是乙。", "三是丙。", "另起。", "二是孤立。", "（一）子。", "（二）丑。"]
    assert enumeration_groups(sentences) == [[1, 3, 4], [7, 8]]


def test_question_about_the_issue_gets_its_date(real_assistant):
    answer = real_assistant.ask("刊登西湖龙井“金字招牌”那篇文章的是哪一期？哪天出版？")
    assert "第9期（总第697期）" in answer.text and "2024年6月28日" in answer.text


def test_english_question_gets_an_english_answer_with_chinese_quotes(real_assistant):
    answer = real_assistant.ask("What was the brand value of West Lake Longjing tea in 2024?")
    assert answer.language == "en" and not answer.refused
    assert answer.text.startswith("From the archive") and "84.35亿元" in answer.text
    assert "Sources:" in format_answer(answer)
    refused = real_assistant.ask("What did the Ningbo people's congress do about business environment?")
    assert refused.refused and refused.text.startswith(REFUSAL_EN) and "ningbo" in refused.reason.lower()


def test_json_shape(real_assistant):
    data = answer_json(real_assistant.ask("建德市选聘了多少名健康村长？"))
    assert set(data) >= {"question", "answer", "refused", "citations"}
    citation = data["citations"][0]
    assert set(citation) == {"n", "issue_label", "issue_no", "total_no", "date", "title", "byline", "source",
                             "article_id", "quote", "score"}
    assert re.search(r"\[\d\]", data["answer"])
    json.dumps(data, ensure_ascii=False)


def test_an_answer_quoting_several_years_says_so_when_the_question_names_none(real_assistant):
    """西湖区's young newcomers are reported in 2024 and 2025: a reader quoting the figure must see that the
    quotes are two years' figures, unless the question chose the year or asked for the issues."""
    answer = real_assistant.ask("西湖区给刚来杭州的年轻人提供免费住宿，一共住了多少人次？")
    assert not answer.refused
    assert {c.hit.issue.date[:4] for c in answer.citations} >= {"2024", "2025"}
    assert "2024年、2025年" in answer.notice and "未指明年份" in answer.notice
    assert "年份" not in real_assistant.ask("2024年西湖区为留住来杭青年做了哪些工作？").notice
    assert "年份" not in real_assistant.ask("哪几期讲过西湖区青年留杭？").notice


def test_mixed_years_note():
    from assistant.citations import mixed_years_note
    from assistant.records import Article, Citation, Hit, Issue

    def cited(n, date):
        issue = Issue(f"{n}.txt", "0", issue_no=n, total_no=700 + n, date=date)
        article = Article(f"a{n}", issue.source, 0, "西湖区", "article", "", "", (), "西湖区", "", ("x",))
        return Citation(n, Hit(issue, article, (), 1.0), "x", 1.0)

    both = [cited(1, "2021-03-12"), cited(2, "2025-07-11")]
    assert mixed_years_note("一共有几件？", both) == \
        "所引文章分属不同年份（2021年、2025年），问题未指明年份：引用前请核对所需的那一期。"
    assert "(2021, 2025)" in mixed_years_note("How many were there?", both, "en")
    for named in ("2021年一共有几件？", "总第701期里一共有几件？", "How many in 2025?"):
        assert mixed_years_note(named, both) == "", named
    assert mixed_years_note("一共有几件？", [cited(1, "2021-03-12"), cited(2, "")]) == ""  # undated: not known
    assert mixed_years_note("一共有几件？", [cited(1, "2021-03-12"), cited(2, "2021-11-01")]) == ""
