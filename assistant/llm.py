"""Answers written by an LLM behind any OpenAI-compatible endpoint, every sentence verified.

The model sees only the numbered sources that the extractive judge accepts as answering; its
reply is attributed sentence by sentence (assistant/attribution.py): every sentence the claim
checker finds supported in a numbered source is shown with that source's citation and exact quote,
whatever markers the model wrote; contradicted and unsupported sentences are removed and listed.
Whatever goes wrong (endpoint down, timeout, rate limit, empty or unverifiable reply) the
extractive answer stands in, with a one-line notice in Chinese.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from .answering import REFUSAL_EN, REFUSAL_ZH, ExtractiveAnswerer, asked_items, other_issues, question_language
from .answering import refusal as refusal_answer
from .tokens import count_tokens
from .citations import issue_note, short_reference, source_line
from .cleaning import compact
from .bounded import AnswerTooLong, http_client, invoke_text, stream_text
from .prompting import render
from .attribution import Attributed, answer_sentences, attribute, needs_rendering, stated
from .claims import ClaimChecker, english_claim
from .records import Answer, CheckedClaim, Citation, Hit
from .verify import strip_markup

NEIGHBOUR_CHARS = 1200  # article text around the matched chunks given to the model


def build_chat_model(settings):
    """A langchain chat model for the configured endpoint (langchain-openai speaks the protocol)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url.rstrip("/"),
        model=settings.llm_model or "default",
        api_key=settings.llm_api_key.get_secret_value() or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        streaming=True,
        http_client=http_client(settings.llm_timeout),  # no redirects; closable on the deadline
        # langchain-openai sends the limit as max_completion_tokens, which llama.cpp's server (and
        # other OpenAI-compatible servers) ignore; max_tokens in the body is honoured by all of them.
        extra_body={"max_tokens": settings.llm_max_tokens},
    )


def failure_notice(exc: BaseException) -> str:
    """Why the LLM could not answer, in one line of Chinese, without the key or a traceback."""
    import httpx
    import openai

    status = getattr(exc, "status_code", None)
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)):
        reason = "大模型服务响应超时"
    elif isinstance(exc, openai.RateLimitError) or status == 429:
        reason = "大模型服务繁忙（请求过多）"
    elif isinstance(exc, (openai.APIConnectionError, httpx.TransportError, ConnectionError)):
        reason = "无法连接大模型服务"
    elif isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)) or status in (401, 403):
        reason = "大模型服务拒绝了访问密钥"
    elif status:
        reason = f"大模型服务返回错误（HTTP {status}）"
    else:
        reason = f"大模型服务出错（{type(exc).__name__}）"
    return f"{reason}，以下为摘录式回答。"


def pack_sources(hits: list[Hit], budget_tokens: int) -> list[tuple[int, Hit, str]]:
    """Numbered sources within a token budget: the matched chunks of each article, best first."""
    packed: list[tuple[int, Hit, str]] = []
    used = 0
    for hit in hits:
        text = "\n".join(chunk.text for chunk in hit.chunks)
        if len(text) > NEIGHBOUR_CHARS * 2:
            text = text[: NEIGHBOUR_CHARS * 2]
        block_tokens = count_tokens(text) + 60
        if packed and used + block_tokens > budget_tokens:
            break
        packed.append((len(packed) + 1, hit, text))
        used += block_tokens
    return packed


def format_sources(packed: list[tuple[int, Hit, str]], footer: bool = False) -> str:
    """The numbered sources; with footer, each names its issue's editor and phone (for a question about
    the issue itself: 本期责任编辑是谁)."""
    blocks = []
    for n, hit, text in packed:
        issue = hit.issue
        extra = f"（本期责任编辑{issue.editor}，电话{issue.phone}）" if footer and (issue.editor or issue.phone) else ""
        blocks.append(f"[{n}] {source_line(issue, hit.article)}{extra}\n{text}")
    return "\n\n".join(blocks)


class LLMAnswerer:
    """answer(question, hits, on_token) -> a verified LLM Answer, or the extractive one with a notice."""

    def __init__(self, chat_model, fallback: ExtractiveAnswerer, checker: ClaimChecker, context_tokens: int = 3000,
                 deadline: float = 120.0, max_chars: int = 8000) -> None:
        self.chat_model = chat_model
        self.fallback = fallback
        self.checker = checker
        self.context_tokens = context_tokens
        self.deadline = deadline  # seconds for the whole streamed answer, chunk or no chunk
        self.max_chars = max_chars  # characters accepted from the model; the rest is cut with a notice

    def answer(self, question: str, hits: list[Hit], on_token: Callable[[str], None] | None = None) -> Answer:
        from dataclasses import replace

        language = question_language(question)
        judgement = self.fallback.judge.judge(question, hits)
        if not judgement.answers:
            # The same judge as the extractive answer: refuse without asking the model to improvise.
            return self.fallback.answer(question, hits, judgement)
        packed = pack_sources(judgement.supporting_hits(), self.context_tokens)
        system = render("answer_system", refusal=REFUSAL_ZH,
                        sources=format_sources(packed, footer=judgement.asked.kind == "issue"))
        messages = [("system", system), ("human", render("answer_user", question=question))]
        started = time.perf_counter()
        cut = ""
        try:
            text, first_token = stream_text(self.chat_model, messages, self.deadline, self.max_chars, on_token)
        except AnswerTooLong as exc:
            text, first_token = exc.text, None
            cut = f"大模型的回答超过 {self.max_chars} 字，已截断后核验。"
        except Exception as exc:  # any transport or protocol failure, or the deadline: fall back, say why
            extractive = self.fallback.answer(question, hits, judgement)
            return replace(extractive, notice=failure_notice(exc))
        timings = {"first_token": first_token, "total": time.perf_counter() - started}
        pieces = [text]
        raw = "".join(pieces).strip()
        if not raw:
            return replace(self.fallback.answer(question, hits, judgement), notice="大模型返回了空回答，以下为摘录式回答。",
                           timings=timings)
        if compact(REFUSAL_ZH) in compact(raw) or compact(REFUSAL_EN).lower() in compact(raw).lower():
            return replace(refusal_answer(question, hits, judgement, mode="llm"), timings=timings)
        sources_text = "\n".join(text for _, _, text in packed)
        reply = strip_markup(raw, sources_text)
        attributed = attribute(reply, packed, self.checker, question)
        if language == "en":
            attributed = self._checked_in_chinese(question, reply, packed, attributed, system)
        kept = [a for a in attributed if a.check.supported]
        unsupported = tuple(f"{a.text}（{VERDICT_ZH[a.check.verdict]}：{a.check.reason}）" for a in attributed
                            if not a.check.supported)
        if not kept:
            extractive = self.fallback.answer(question, hits, judgement)
            return replace(extractive, notice="大模型的回答未通过核验，以下为摘录式回答。", unsupported=unsupported,
                           checked=_checked(attributed, {}), timings=timings)
        renumber: dict[str, int] = {}  # article id -> the number the answer cites it by
        citations: list[Citation] = []
        parts: list[str] = []
        for sentence in kept:
            marks = []
            for support in sentence.check.support:
                key = support.hit.article.article_id
                if key not in renumber:
                    renumber[key] = len(renumber) + 1
                citations.append(Citation(renumber[key], support.hit, support.text, round(sentence.check.relatedness, 4)))
                marks.append(f"[{renumber[key]}]")
            parts.append(_with_markers(sentence.text, "".join(dict.fromkeys(marks))))
        joiner = " " if language == "en" else ""
        text = joiner.join(parts)
        notice = f"有 {len(unsupported)} 句未通过核验，已删除。" if unsupported else ""
        notice = (cut + notice) if cut else notice
        # What the question asks for and the model left out is quoted, one line each, as the extractive
        # answer gives it: each issue of a question across issues (哪几期讲过…, 两期里分别…), each item of a
        # list the article enumerates (分别是哪四项). A small model's few sentences name one of several.
        said = {(s.hit.article.article_id, s.index) for a in kept for s in a.check.support}
        items = [e for e in asked_items(judgement, self.fallback.judge.article_sentences, question)
                 if (e.hit.article.article_id, e.index) not in said]
        # An article counts as answered when a verified sentence rests on its best answering sentence and
        # says more than the question and the article's name ("第9期有报道", "讲的是《…》"); otherwise
        # that line is quoted for it, as the extractive answer gives it.
        best = {}
        for evidence in judgement.evidence:
            best.setdefault(evidence.hit.article.article_id, evidence.index)
        told = {s.hit.article.article_id for a in kept for s in a.check.support
                if s.index == best.get(s.hit.article.article_id) and not restates(a.text, question, s.hit)}
        issues = other_issues(judgement, question, told)
        quoted: list[str] = []
        for item, named in [(e, False) for e in items] + [(e, True) for e in issues]:
            key = item.hit.article.article_id
            renumber.setdefault(key, len(renumber) + 1)
            citations.append(Citation(renumber[key], item.hit, item.sentence, round(item.score, 4)))
            quoted.append((f"{short_reference(item.hit)}：" if named else "") + f"{item.sentence}[{renumber[key]}]")
        if quoted:
            head = "Also in the sources (quoted in Chinese):" if language == "en" else "来源中还有（原文摘录）："
            text = "\n".join([text, head, *quoted])
            notice += (f"The model's answer leaves out part of what was asked; {len(quoted)} lines are quoted from the sources."
                       if language == "en" else f"大模型的回答未写全所问内容，另以原文摘录列出 {len(quoted)} 条。")
        return Answer(question=question, text=text, refused=False, citations=tuple(citations),
                      language=language, mode="llm", notice=notice, unsupported=unsupported,
                      checked=_checked(attributed, renumber), timings=timings, quoted=tuple(quoted))


    def _checked_in_chinese(self, question: str, reply: str, packed: list[tuple[int, Hit, str]],
                            attributed: list[Attributed], system: str) -> list[Attributed]:
        """An English answer checked through the model's own Chinese rendering of the question and of
        each sentence (prompts/translate.txt): the sources are Chinese, and the e5 cosine of an English
        sentence and a Chinese one does not tell a faithful translation from a false one (README). A
        rendering must keep the sentence's numbers and denials; where the model cannot be asked, the
        English sentences stay unconfirmed."""
        sentences = [body for body, _ in answer_sentences(reply, packed) if needs_rendering(body)]
        if not sentences:
            return attributed
        # The question is rendered only for a bare value (99.8%), which is read in the question's place;
        # a value without a Latin word needs no rendering of its own.
        bare = [s for s in sentences if not english_claim(s)]
        sentences = [s for s in sentences if re.search(r"[A-Za-z]", s)]
        lines = ([question] if bare else []) + sentences
        prompt = render("translate", lines="\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1)))
        # After the same system prompt as the answer: the sources' own names are at hand for the rendering,
        # and a server that keeps its prompt cache (llama.cpp) does not read the sources twice.
        messages = [("system", system), ("human", prompt)]
        try:
            text = invoke_text(self.chat_model, messages, self.deadline, self.max_chars)
        except Exception:  # the English sentences stay unconfirmed; the answer falls back if none is left
            return attributed
        rendered = numbered_lines(text, len(lines))
        chinese = {i: line for i, line in rendered.items() if re.search(r"[\u4e00-\u9fff]", line)}
        first = len(lines) - len(sentences) + 1
        renderings = {sentence: chinese[i] for i, sentence in enumerate(sentences, first) if i in chinese}
        for value in bare:
            # Asked to render the question, a model often answers it instead (以99.8%的赞成率通过): that
            # statement is what the bare value says, and is checked as such (its numbers must be the value's
            # and the question's). Otherwise the value is read in the place of the rendered question.
            answered = chinese.get(1, "") if first == 2 and stated(chinese.get(1, ""), value) == value else ""
            renderings.setdefault(value, answered or value)
        return attribute(reply, packed, self.checker, chinese.get(1, question) if first == 2 else question, renderings)


def restates(sentence: str, question: str, hit: Hit) -> bool:
    """Whether a sentence only restates the question and names the article (its title, where and when it
    appeared): "讲过建德市人大的工作，讲的是《…》", "第9期（2024-06-28）报道了…相关工作". Every content
    word it has is the question's or the article's name."""
    from .lexical import content_terms

    # A brief's title is its own first words (derived): repeating it tells what the brief reports.
    names = " ".join([short_reference(hit), issue_note(hit, "zh"), hit.issue.date or ""])
    if hit.article.kind == "brief":
        names = names.replace(hit.article.title, "")
    known = compact(" ".join([question, names])).lower()
    return all(term in known for term in content_terms(sentence))


def numbered_lines(text: str, expected: int) -> dict[int, str]:
    """1. 第一行 / 2、第二行 -> {1: "第一行", 2: "第二行"}: a reply numbered line by line, as asked. A reply
    that drops the numbers is taken line by line only when it has exactly the lines asked for."""
    lines: dict[int, str] = {}
    for match in re.finditer(r"^\s*(\d{1,2})\s*[.、．:：)）]\s*(.+?)\s*$", text, re.M):
        lines.setdefault(int(match.group(1)), match.group(2))
    plain = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines and len(plain) == expected:
        lines = dict(enumerate(plain, 1))
    return lines


VERDICT_ZH = {"supported": "有据", "contradicted": "与来源不符", "not_found": "来源中没有"}


def _checked(attributed: list[Attributed], renumber: dict[str, int]) -> tuple[CheckedClaim, ...]:
    """Every sentence the model wrote, with its verdict: what `ask --json` lists."""
    return tuple(
        CheckedClaim(text=a.text, verdict=a.check.verdict, reason=a.check.reason, quote=a.check.quote,
                     cited=tuple(dict.fromkeys(renumber[s.hit.article.article_id] for s in a.check.support
                                               if s.hit.article.article_id in renumber)) if a.check.supported else (),
                     markers=a.markers, sources=a.sources, reattributed=a.reattributed)
        for a in attributed
    )


def _with_markers(sentence: str, marks: str) -> str:
    """Put markers before the sentence's final punctuation: 产量达到500吨[1]。"""
    if sentence and sentence[-1] in "。！？!?；;.":
        return sentence[:-1] + marks + sentence[-1]
    return sentence + marks
