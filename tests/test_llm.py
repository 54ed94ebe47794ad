"""The LLM answerer with a scripted chat model: verification, fallbacks, notices, follow-ups."""

import httpx
import openai
import pytest

from assistant.answering import REFUSAL_ZH
from assistant.conversation import Conversation
from assistant.fakes import ScriptedChatModel
from assistant.ingest import ingest
from assistant.pipeline import Assistant

from .conftest import SAMPLE

QUESTION = "2024年西湖龙井茶春茶产量是多少？"
GOOD = "2024年，西湖龙井茶春茶产量达到500吨[1]，产值约6亿元[1]。"


@pytest.fixture
def fake_index_settings(sample_settings):
    """The sample index built with the real model; only the chat model is scripted."""
    return sample_settings


@pytest.fixture
def fake_embedder(real_embedder):
    return real_embedder


def _assistant(settings, fake_embedder, *replies):
    return Assistant(settings, embedder=fake_embedder, chat_model=ScriptedChatModel.script(*replies))


def test_verified_answer_is_kept_with_citations(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, GOOD).ask(QUESTION)
    assert answer.mode == "llm" and not answer.refused and not answer.notice
    assert "500吨" in answer.text and answer.text.endswith("[1]。")
    assert answer.citations[0].hit.issue.label == "第9期（总第697期）"
    assert "500吨" in answer.citations[0].quote  # the source sentence to verify against
    assert answer.timings["first_token"] is not None


def test_a_marker_naming_no_source_is_only_a_hint(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, "春茶产量达到500吨[9]。").ask(QUESTION)
    assert answer.mode == "llm" and answer.text == "春茶产量达到500吨[1]。"
    assert answer.checked[0].markers == (9,) and answer.checked[0].verdict == "supported"
    assert "500吨" in answer.citations[0].quote


def test_a_wrong_figure_is_removed_with_what_the_source_says(fake_index_settings, fake_embedder):
    reply = GOOD + "品牌价值达到99.9亿元[1]。"
    answer = _assistant(fake_index_settings, fake_embedder, reply).ask(QUESTION)
    assert answer.mode == "llm" and "99.9" not in answer.text
    wrong = [c for c in answer.checked if "99.9" in c.text]
    assert wrong and wrong[0].verdict == "contradicted" and "84.35亿元" in wrong[0].reason
    assert any("99.9" in s and "84.35亿元" in s for s in answer.unsupported)
    assert "1 句未通过核验" in answer.notice


def test_refusal_reply_is_a_refusal(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, REFUSAL_ZH).ask(QUESTION)
    assert answer.refused and answer.mode == "llm" and not answer.citations and answer.closest


def test_garbage_reply_falls_back(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, "asdf qwer zxcv !!!").ask(QUESTION)
    assert answer.mode == "extractive" and answer.notice and "500吨" in answer.text


def test_empty_reply_falls_back(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, "").ask(QUESTION)
    assert answer.mode == "extractive" and "空回答" in answer.notice


def test_a_faithful_answer_without_markers_gets_its_citation(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, "西湖龙井茶春茶产量达到500吨。").ask(QUESTION)
    assert answer.mode == "llm" and answer.text == "西湖龙井茶春茶产量达到500吨[1]。" and not answer.notice
    assert answer.citations[0].hit.issue.label == "第9期（总第697期）" and "500吨" in answer.citations[0].quote


def test_a_made_up_answer_falls_back(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, "杭州市的市长是王伟民。[1]").ask(QUESTION)
    assert answer.mode == "extractive" and "未通过核验" in answer.notice
    assert answer.checked[0].verdict != "supported" and "王伟民" not in answer.text


_REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


@pytest.mark.parametrize("failure, words", [
    (openai.APIConnectionError(request=_REQUEST), "无法连接"),
    (openai.APITimeoutError(request=_REQUEST), "超时"),
    (openai.RateLimitError("slow down", response=httpx.Response(429, request=_REQUEST), body=None), "繁忙"),
    (openai.InternalServerError("boom", response=httpx.Response(500, request=_REQUEST), body=None), "HTTP 500"),
])
def test_endpoint_failures_fall_back_with_a_notice(fake_index_settings, fake_embedder, failure, words):
    answer = _assistant(fake_index_settings, fake_embedder, failure).ask(QUESTION)
    assert answer.mode == "extractive" and words in answer.notice and "摘录式回答" in answer.notice
    assert "500吨" in answer.text


def test_a_stream_past_the_deadline_falls_back(fake_index_settings, fake_embedder):
    from assistant.answering import ExtractiveAnswerer
    from assistant.llm import LLMAnswerer

    assistant = _assistant(fake_index_settings, fake_embedder, GOOD * 50)
    slow = LLMAnswerer(assistant.chat_model, assistant.answerer, assistant.checker, deadline=0.0)
    answer = slow.answer(QUESTION, assistant.search(QUESTION))
    assert answer.mode == "extractive" and "超时" in answer.notice


def test_links_and_markup_not_in_sources_are_removed(fake_index_settings, fake_embedder):
    reply = "**2024年**，西湖龙井茶春茶产量达到500吨[1]，详见[这里](http://evil.example/x)<script>alert(1)</script>。"
    answer = _assistant(fake_index_settings, fake_embedder, reply).ask(QUESTION)
    assert "http" not in answer.text and "<script>" not in answer.text and "**" not in answer.text


def test_unanswerable_question_is_refused_without_calling_the_model(fake_index_settings, fake_embedder):
    model = ScriptedChatModel.script("宁波市的做法是……[1]。")
    answer = Assistant(fake_index_settings, embedder=fake_embedder, chat_model=model).ask("宁波市人大有哪些做法？")
    assert answer.refused and model.i == 0


def test_follow_up_is_rewritten_by_the_llm(fake_index_settings, fake_embedder):
    model = ScriptedChatModel.script(GOOD, "2024年西湖龙井茶春茶产量的报道是哪一期的？", GOOD)
    assistant = Assistant(fake_index_settings, embedder=fake_embedder, chat_model=model)
    conversation = Conversation()
    assistant.ask(QUESTION, conversation=conversation)
    answer = assistant.ask("这是哪一期的？", conversation=conversation)
    assert answer.rewritten == "2024年西湖龙井茶春茶产量的报道是哪一期的？"


def test_follow_up_rule_rewrite_without_llm(fake_index_settings, fake_embedder):
    assistant = Assistant(fake_index_settings, embedder=fake_embedder)
    conversation = Conversation()
    assistant.ask("西湖区人大在优化营商环境方面做了什么？", conversation=conversation)
    answer = assistant.ask("那萧山区呢？", conversation=conversation)
    assert answer.rewritten == "萧山区人大在优化营商环境方面做了什么？"
    assert answer.citations[0].hit.article.district == "萧山区"


def test_api_key_is_never_shown(monkeypatch):
    from assistant.llm import build_chat_model
    from assistant.settings import load_settings

    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "sk-very-secret-123")
    settings = load_settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    assert "sk-very-secret-123" not in repr(settings) and "sk-very-secret-123" not in str(settings.model_dump())
    assert "sk-very-secret-123" not in repr(build_chat_model(settings))


def test_prompts_render_with_their_variables():
    from assistant.errors import ConfigError
    from assistant.prompting import render

    text = render("answer_system", refusal="没有。", sources="[1] 资料")
    # The marker format, with no sentence a small model would copy as its answer ("第一句话：…" was).
    assert "[1]" in text and "第一句话" not in text and "[1] 资料" in text and "没有。" in text
    with pytest.raises(ConfigError, match="missing variables"):
        render("rewrite", question="那临平区呢？")


def test_unusable_llm_rewrite_falls_back_to_the_rule(fake_index_settings, fake_embedder):
    model = ScriptedChatModel.script(GOOD, "next", GOOD)
    assistant = Assistant(fake_index_settings, embedder=fake_embedder, chat_model=model)
    conversation = Conversation()
    assistant.ask("西湖区人大在优化营商环境方面做了什么？", conversation=conversation)
    answer = assistant.ask("那萧山区呢？", conversation=conversation)
    assert answer.rewritten == "萧山区人大在优化营商环境方面做了什么？"


def test_a_rewrite_must_ask_everything_the_follow_up_asks():
    from assistant.conversation import plausible_rewrite

    follow_up = "到2024年扩大到多少个村了？服务项目扩到多少项？"
    assert not plausible_rewrite("到2024年，“健康村长”试点扩大到多少个村？", follow_up)
    assert plausible_rewrite("到2024年，“健康村长”试点扩大到多少个村？服务项目扩到多少项？", follow_up)
    assert plausible_rewrite("到2024年，“健康村长”试点扩大到多少个村，服务项目扩到多少项？", follow_up)
    assert plausible_rewrite("Which issue reported the spring tea output?", "Which issue was that?")


def test_failure_notices_follow_the_exception_types_of_openai_and_httpx():
    import httpx
    import openai

    from assistant.llm import failure_notice

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    limited = openai.RateLimitError("slow down", response=httpx.Response(429, request=request), body=None)
    denied = openai.AuthenticationError("no", response=httpx.Response(401, request=request), body=None)
    broken = openai.InternalServerError("boom", response=httpx.Response(502, request=request), body=None)
    cases = [(openai.APITimeoutError(request=request), "超时"), (httpx.ReadTimeout("t"), "超时"),
             (TimeoutError(), "超时"), (limited, "繁忙"), (openai.APIConnectionError(request=request), "无法连接"),
             (httpx.ConnectError("refused"), "无法连接"), (denied, "访问密钥"), (broken, "HTTP 502"),
             (ValueError("odd"), "出错（ValueError）")]
    for exc, words in cases:
        notice = failure_notice(exc)
        assert words in notice and notice.endswith("以下为摘录式回答。"), (exc, notice)


def test_an_english_answer_is_checked_through_the_models_chinese_rendering(fake_index_settings, fake_embedder):
    question = "How much spring tea did West Lake Longjing produce in 2024?"
    reply = "In 2024, West Lake Longjing spring tea output reached 500 tons [1]. Its brand value was 90 billion yuan [1]."
    rendering = "1. 2024年，西湖龙井茶春茶产量达到500吨。\n2. 其品牌价值为90亿元。"
    answer = _assistant(fake_index_settings, fake_embedder, reply, rendering).ask(question)
    assert answer.mode == "llm" and answer.language == "en"
    assert answer.text.startswith("In 2024, West Lake Longjing spring tea output reached 500 tons")
    assert "90 billion" not in answer.text and "500吨" in answer.citations[0].quote
    shown, removed = answer.checked
    assert shown.verdict == "supported" and "按中文译文核验" in shown.reason
    assert removed.verdict != "supported"
    # Without a usable rendering (the model fails), English sentences stay unconfirmed and the answer falls back.
    failed = _assistant(fake_index_settings, fake_embedder, reply, openai.APIConnectionError(request=httpx.Request("POST", "http://x"))).ask(question)
    assert failed.mode == "extractive" and "未通过核验" in failed.notice
    # A bare value is read in the place of the question, which is rendered with it.
    bare = _assistant(fake_index_settings, fake_embedder, "500 tons",
                      "1. 2024年西湖龙井茶春茶产量是多少吨？\n2. 500吨").ask(question)
    assert bare.mode == "llm" and bare.text.startswith("500 tons") and "500吨" in bare.citations[0].quote


def test_a_question_across_issues_quotes_the_issues_the_model_left_out(fake_index_settings, fake_embedder):
    # The model writes about one article of several; the others the judge found are quoted, one line each.
    reply = "建德市人大常委会将就业促进工作列入年度监督重点[1]。"
    answer = _assistant(fake_index_settings, fake_embedder, reply).ask("哪几期讲过建德市人大的工作？分别讲的是什么？")
    assert answer.mode == "llm" and answer.text.startswith("建德市人大常委会将就业促进工作列入年度监督重点[1]。")
    assert len(answer.quoted) >= 2 and all(line in answer.text for line in answer.quoted)
    assert "原文摘录" in answer.notice
    quoted_numbers = [int(line.rsplit("[", 1)[1].rstrip("]")) for line in answer.quoted]
    assert quoted_numbers == list(range(2, 2 + len(answer.quoted)))
    by_number = {c.n: c for c in answer.citations}
    for line, n in zip(answer.quoted, quoted_numbers):
        assert by_number[n].quote in line and by_number[n].hit.article.title in line
    assert len({c.hit.article.article_id for c in answer.citations}) == 1 + len(answer.quoted)


def test_a_question_about_one_issue_gets_no_quoted_lines(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, GOOD).ask(QUESTION)
    assert answer.mode == "llm" and answer.quoted == () and "原文摘录" not in answer.notice


def test_items_the_model_leaves_out_of_a_list_are_quoted(fake_index_settings, fake_embedder):
    reply = "一是绘好“设计图”，谋划方案突出“早”[1]。"
    answer = _assistant(fake_index_settings, fake_embedder, reply).ask("上城区给医保联动监督画的三张图分别指哪些？")
    assert answer.mode == "llm" and answer.text.startswith("一是绘好“设计图”，谋划方案突出“早”[1]。")
    assert [line[:5] for line in answer.quoted] == ["二是绘好“", "三是绘好“"]  # not the item the model wrote
    assert all(line.endswith("[1]") for line in answer.quoted)  # the same article, cited by the same number
    assert answer.text.splitlines()[-2:] == list(answer.quoted)


def test_an_article_named_only_by_where_it_appeared_is_quoted_for_what_it_reports(fake_index_settings, fake_embedder):
    title = "建德市：强化监督助推筑牢燃气“安全网”"
    answer = _assistant(fake_index_settings, fake_embedder, f"第5期刊登了《{title}》[1]。").ask(
        "哪几期讲过建德市人大的工作？分别讲的是什么？")
    assert answer.mode == "llm" and answer.checked[0].verdict == "supported"
    assert answer.checked[0].quote.startswith(f"《{title}》刊于《杭州人大信息》第5期")  # where it appeared
    named = [line for line in answer.quoted if f"《{title}》：" in line]
    assert len(named) == 1 and named[0].endswith("[1]")  # what it reports, under the model's number for it


def test_an_article_named_with_the_question_restated_is_quoted_for_what_it_reports(fake_index_settings, fake_embedder):
    """"讲过建德市人大的工作，讲的是《…》" rests on the article's lead sentence but tells nothing the
    question and the title do not: the article is quoted for what it reports."""
    title = "建德市：强化监督助推筑牢燃气“安全网”"
    reply = f"讲过建德市人大的工作，讲的是《{title}》[1]。"
    answer = _assistant(fake_index_settings, fake_embedder, reply).ask("哪几期讲过建德市人大的工作？分别讲的是什么？")
    assert answer.mode == "llm" and answer.checked[0].verdict == "supported"
    assert answer.checked[0].quote and "刊于" not in answer.checked[0].quote  # a sentence of the article's own
    assert any(f"《{title}》：" in line for line in answer.quoted)
    # What a verified sentence rests on is not quoted again.
    told = _assistant(fake_index_settings, fake_embedder, "建德市推动“一乡镇一瓶库”集约化布点方案[1]。").ask(
        "哪几期讲过建德市人大的工作？分别讲的是什么？")
    said = told.checked[0].quote
    assert told.mode == "llm" and said and not any(said in line for line in told.quoted)


def test_a_bare_value_is_shown_in_the_words_of_the_question_it_was_checked_as(fake_index_settings, fake_embedder):
    answer = _assistant(fake_index_settings, fake_embedder, "三次").ask(
        "《杭州市优化营商环境条例》草案审议阶段，市人大常委会一共安排了几次审议？")
    assert answer.mode == "llm" and answer.text.startswith("《杭州市优化营商环境条例》草案审议阶段，市人大常委会一共安排了三次审议[1]")
    assert answer.checked[0].text == "《杭州市优化营商环境条例》草案审议阶段，市人大常委会一共安排了三次审议。"


def test_a_programme_an_article_mentions_is_not_an_article_of_the_issue(fake_index_settings, fake_embedder):
    reply = "《市人大常委会积极推动西湖龙井“金字招牌”越擦越亮》和《人大视窗-我们圆桌会》[1]"
    answer = _assistant(fake_index_settings, fake_embedder, reply).ask("第9期（总第697期）“要闻速递”栏目里有哪两篇？")
    assert answer.mode == "extractive" and answer.checked[0].verdict == "not_found"
    assert "《人大视窗-我们圆桌会》" in answer.checked[0].reason
