"""The chat page's handlers over the fake embedder: answers, sources, filters, feedback, upload, escaping."""

import sqlite3
import time

import pytest

from assistant.errors import AssistantError
from assistant.ingest import ingest
from assistant.pipeline import Assistant
from assistant import render
from assistant.ui_handlers import Session, filters_text, parse_filters, safe_name, services_for

from .conftest import SAMPLE


@pytest.fixture
def service(sample_settings, real_embedder, tmp_path):
    assistant = Assistant(sample_settings, embedder=real_embedder)
    yield services_for(assistant, tmp_path / "uploads")
    assistant.close()


def _final(service, question, session):
    *_, (text, answer) = list(service.chat.ask_stream(question, session))
    return text, answer


def test_answer_sources_and_full_article(service):
    session = Session()
    text, answer = _final(service, "2024年西湖龙井茶春茶产量是多少？", session)
    assert "500吨" in text and "[1]" in text
    cards = render.cards_html(answer)
    assert "第9期（总第697期，2024-06-28）" in cards and "<mark>" in cards and "农工委 刘策" in cards
    assert "摘录式回答" in render.badge_html(answer)
    choices = render.source_choices(answer)
    assert choices and choices[0][1] == "1"
    article = service.chat.article_for_source("1", session)
    assert article.count("<p>") >= 3 and "<mark>" in article
    markdown = render.answer_markdown(answer)
    assert markdown.startswith(answer.text) and "\n[1] 《杭州人大信息》第9期（总第697期，2024-06-28）《" in markdown
    # Quotes are Markdown block quotes, not indented (which Markdown renders as code).
    quote_lines = [line for line in markdown.splitlines() if "500吨" in line and not line.startswith(answer.text[:5])]
    assert quote_lines and all(line.startswith("> ") for line in quote_lines)
    assert not any(line.startswith("    ") for line in markdown.splitlines())
    # The chat bubble carries the answer, its [n] as links bound to this answer, and the references.
    bubble = render.message_html(answer, 0)
    assert '<a class="ref" href="#ref-0-1">[1]</a>' in bubble
    assert "来源" in bubble and "第9期（总第697期，2024-06-28）" in bubble


def test_refusal_card_offers_closest_articles(service):
    _, answer = _final(service, "宁波市人大常委会在优化营商环境方面有哪些做法？", Session())
    assert answer.refused
    assert "最接近的文章" in render.cards_html(answer) and "档案中没有答案" in render.badge_html(answer)
    # The closest articles open like source cards do.
    choices = render.source_choices(answer)
    assert [value for _, value in choices] == ["1", "2", "3"][:len(answer.closest)] and choices
    session = Session(answers=[answer])
    opened = service.chat.article_for_source("1", session)
    assert answer.closest[0].article.title in opened and opened.count("<p>") >= 2
    assert 'data-n="1"' in render.cards_html(answer) and "最接近的文章" in render.message_html(answer, 0)


def test_each_answer_keeps_its_own_sources_and_feedback(service, sample_settings):
    session = Session()
    _, first = _final(service, "2024年西湖龙井茶春茶产量是多少？", session)
    _, second = _final(service, "建德市“健康村长”服务机制是怎么推进的？", session)
    assert session.current is second
    answer, n = service.chat.show_answer(session, "0:1")
    assert answer is first and n == "1" and session.current is first
    assert first.citations[0].hit.article.title in service.chat.article_for_source("1", session)
    assert service.chat.show_answer(session, "7:1") == (None, "") and service.chat.show_answer(session, "x") == (None, "")
    service.chat.record_feedback(False, "数字要核对", session, answer=second)
    db = sqlite3.connect(sample_settings.index_dir / "feedback.sqlite")
    rows = db.execute("SELECT question, rating FROM feedback").fetchall()
    assert rows == [(second.question, -1)]


def test_a_list_answer_is_shown_as_a_list(service):
    session = Session()
    _, answer = _final(service, "哪几期讲过淳安县的做法？", session)
    bubble = render.message_html(answer, 0)
    assert bubble.count("<li>") >= 2 + len({c.n for c in answer.citations}) and '<ul class="answer-list">' in bubble


def test_filters_apply_to_the_next_question(service):
    session = Session()
    session.filters = parse_filters("", "", [], ["余杭区"])
    _, answer = _final(service, "营商环境方面做了什么？", session)
    assert answer.citations and {c.hit.article.district for c in answer.citations} == {"余杭区"}
    with pytest.raises(AssistantError, match="YYYY-MM-DD"):
        parse_filters("2024/01/01", "", [], [])
    with pytest.raises(AssistantError, match="日期不存在：2024-13-45"):
        parse_filters("2024-13-45", "", [], [])
    with pytest.raises(AssistantError, match="晚于"):
        parse_filters("2024-06-01", "2024-01-01", [], [])
    assert filters_text(parse_filters("2024-01-01", "", ["a.txt"], ["余杭区"]), {"a.txt": "第9期"}) == (
        "日期 2024-01-01 至 不限；期次 第9期；区县 余杭区")


def test_follow_up_in_a_session_and_clear(service):
    session = Session()
    _final(service, "西湖区人大在优化营商环境方面做了什么？", session)
    _, answer = _final(service, "那萧山区呢？", session)
    assert answer.rewritten == "萧山区人大在优化营商环境方面做了什么？"
    assert "理解为" in render.badge_html(answer)
    service.chat.clear(session)
    assert session.conversation.turns == [] and session.last is None


def test_feedback_is_stored_with_question_answer_and_sources(service, sample_settings):
    session = Session()
    assert "还没有" in service.chat.record_feedback(True, "", session)
    _final(service, "建德市选聘了多少名健康村长？", session)
    assert "已记录" in service.chat.record_feedback(False, "数字要再核对\x00", session)
    db = sqlite3.connect(sample_settings.index_dir / "feedback.sqlite")
    rating, comment, question, sources = db.execute("SELECT rating, comment, question, sources FROM feedback").fetchone()
    assert rating == -1 and comment.startswith("数字要再核对") and "\x00" not in comment
    assert question == "建德市选聘了多少名健康村长？" and "健康村长" in sources


def test_upload_is_used_at_once_and_bad_files_are_listed(service, tmp_path):
    new_issue = tmp_path / "新的一期 (测试) ;rm -rf.txt"
    text = (SAMPLE / "002_799da0136ed27955.txt").read_text(encoding="utf-8")
    new_issue.write_text(text.replace("第 5 期(总第 711 期)", "第 6 期(总第 712 期)")
                         .replace("2025 年 7 月 11 日", "2025 年 8 月 1 日")
                         .replace("梓桐镇", "梓桐镇（测试新增）"), encoding="utf-8")
    docx = tmp_path / "notes.docx"
    docx.write_bytes(b"PK")
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    report = service.imports.ingest_uploads([str(new_issue), str(docx), str(big)])
    assert "新增 1 期" in report and "notes.docx" in report and "MB" in report
    assert any(source == new_issue.name for _, source in service.archive.issue_choices())
    _, answer = _final(service, "梓桐镇（测试新增）村级生态文明建设情况报告制度是哪一期的？", Session())
    assert any(c.hit.issue.total_no == 712 for c in answer.citations)


def test_uploaded_names_cannot_leave_the_upload_folder():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\windows\\x.pdf") == "x.pdf"
    assert safe_name(".hidden.txt") == "hidden.txt"
    assert "/" not in safe_name("a/b\x00c.txt")


def test_document_text_is_escaped(service):
    from assistant.records import Article, Issue
    from assistant.render import article_html

    issue = Issue(source="x.txt", sha256="0")
    article = Article("id", "x.txt", 0, "<script>alert(1)</script>", "article", "<b>by</b>", "", (), "", "",
                      ("正文<img src=x onerror=alert(1)>", "[链接](javascript:alert(1))"))
    page = article_html(issue, article, ["正文<img src=x onerror=alert(1)>"])
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert "<mark>正文&lt;img" in page
    # Every renderer escapes: a question and a notice are text too.
    assert render.question_html("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert "&lt;img" in render.notice_html("<img src=x>") and "<img" not in render.notice_html("<img src=x>")


def test_search_only_lists_articles(service):
    page = service.archive.search_html("健康村长", parse_filters("", "", [], []))
    hits = page.count('class="card search-hit"')
    assert "健康村长" in page and hits >= 1 and f"找到 {hits} 篇相关文章" in page and "筛选" not in page
    filtered = service.archive.search_html("健康村长", parse_filters("", "", [], ["建德市"]))
    assert "已按筛选：区县 建德市" in filtered


def test_archive_browsing(service):
    source = "004_dbed6e9d040a5771.txt"
    page = service.archive.issue_html(source)
    assert "第9期（总第697期，2024-06-28）" in page and page.count("<li>") == 12
    article_id = service.archive.article_choices(source)[0][1]
    assert "全省人大代表工作座谈会" in service.archive.article_by_id(article_id)


def test_llm_answer_streams_then_the_verified_text_replaces_it(sample_settings, real_embedder, tmp_path):
    from assistant.fakes import ScriptedChatModel

    reply = "2024年，西湖龙井茶春茶产量达到500吨[1]。品牌价值达到99.9亿元[1]。"
    assistant = Assistant(sample_settings, embedder=real_embedder, chat_model=ScriptedChatModel.script(reply))
    service = services_for(assistant, tmp_path / "uploads")
    steps = list(service.chat.ask_stream("2024年西湖龙井茶春茶产量是多少？", Session()))
    partials = [text for text, final in steps if final is None]
    text, final = steps[-1]
    assert len(partials) > 5 and "99.9" in partials[-1]  # the raw stream arrived piece by piece
    assert final.mode == "llm" and "99.9" not in text and "500吨" in text  # verification removed it
    badge = render.badge_html(final)
    assert "未通过核验" in badge and "99.9亿元" in badge and "来源记载为84.35亿元" in badge  # what was removed, and why
    assistant.close()


def test_the_archive_lists_every_version_and_new_issues_after_an_outside_ingest(service, sample_settings,
                                                                               real_embedder, tmp_path):
    from assistant.ingest import ingest

    assert "（当前）" in service.archive.history_html() and "新增" in service.archive.history_html()
    before = len(service.archive.issue_choices())
    text = (SAMPLE / "002_799da0136ed27955.txt").read_text(encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text(text.replace("第 5 期(总第 711 期)", "第 6 期(总第 712 期)"), encoding="utf-8")
    ingest([other], sample_settings, real_embedder)  # another process, e.g. the CLI
    service.archive.refresh()  # what a new page load does
    assert len(service.archive.issue_choices()) == before + 1
    assert "other.txt" in service.archive.history_html()


def test_questions_are_answered_while_an_upload_is_ingested(service, tmp_path):
    import threading

    text = (SAMPLE / "004_dbed6e9d040a5771.txt").read_text(encoding="utf-8")
    upload = tmp_path / "第10期.txt"
    upload.write_text(text.replace("第 9 期(总第 697 期)", "第 10 期(总第 698 期)"), encoding="utf-8")
    steps: list[str] = []
    result: dict = {}

    def progress(fraction, desc=""):
        steps.append(desc)

    worker = threading.Thread(target=lambda: result.setdefault("report", service.imports.ingest_uploads(
        [str(upload)], progress)))
    worker.start()
    while not steps and worker.is_alive():  # the upload has started
        time.sleep(0.05)
    answer_text, answer = _final(service, "建德市选聘了多少名健康村长？", Session())
    answered_during_upload = worker.is_alive()
    worker.join(timeout=300)
    assert answered_during_upload, "the question waited for the upload"
    assert not answer.refused and "[1]" in answer_text
    assert "新增 1 期" in result["report"] and any("已处理" in s for s in steps)
    assert not list(service.imports.upload_dir.iterdir())  # the upload folder is cleaned
    assert any("第10期" in label for label, _ in service.archive.issue_choices())


def test_a_conversation_belongs_to_its_login():
    from assistant.ui_handlers import session_for

    mine = session_for(Session(), "staff")
    mine.conversation.add("问", "问", "答")
    assert session_for(mine, "staff") is mine
    other = session_for(mine, "visitor")  # the same state arriving under another login
    assert other is not mine and not other.conversation.turns and other.owner == "visitor"
    assert session_for(None, None).owner is None
