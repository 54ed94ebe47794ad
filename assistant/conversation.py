"""Follow-up questions: rewrite "那临平区呢？" or "这是哪一期的？" into a standalone question.

With an LLM configured, prompts/rewrite.txt asks it; otherwise (or when its rewrite looks wrong)
a rule carries the places, years and topic of the previous question into the new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cleaning import compact
from .lexical import content_terms

_DEPENDENT = re.compile(r"^(那么?|这|该|它|其中|还有|另外|此外|同时|那篇|这篇)|呢[？?]?$|这篇|该文|这一期|这期|那一期|这是|那是|谁写的|作者")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,3}(?:区|县|市)(?![\u4e00-\u9fff]{0,2}人大常委会办公室)|[\u4e00-\u9fff]{2,4}(?:街道|镇)")
_YEAR = re.compile(r"(?:19|20)\d{2}年")
_LEADING = re.compile(r"^(那么|那|还有|另外|此外)[，,\s]*")


@dataclass
class Turn:
    question: str
    standalone: str
    answer: str


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)

    def add(self, question: str, standalone: str, answer: str) -> None:
        self.turns.append(Turn(question, standalone, answer))
        del self.turns[:-6]  # a short memory is enough for follow-ups

    def clear(self) -> None:
        self.turns.clear()

    @property
    def previous(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


def needs_rewrite(question: str, conversation: Conversation) -> bool:
    if not conversation.turns:
        return False
    if _DEPENDENT.search(question.strip()):
        return True
    # Short and names no place although the previous question did: it leans on it.
    previous = conversation.previous.standalone
    return len(question) <= 30 and not _PLACE.search(question) and bool(_PLACE.search(previous))


def rule_rewrite(question: str, previous: str) -> str:
    """Carry over what the follow-up leaves out: the place (or a new place replaces the old), the year,
    and, when the follow-up names almost nothing itself, the whole previous question."""
    question = question.strip()
    body = _LEADING.sub("", question)
    new_places = _PLACE.findall(body)
    old_places = _PLACE.findall(previous)
    if new_places and old_places and re.fullmatch(r"[\u4e00-\u9fff]{2,6}(?:呢)?[？?]?", body):
        # "那临平区呢？": the same question about another place.
        rewritten = previous
        for old in old_places:
            rewritten = rewritten.replace(old, new_places[0], 1)
            break
        return rewritten
    if len(content_terms(body)) <= 1:
        # "这是哪一期的？": nothing of its own to search with.
        return f"{previous.rstrip('？?。')}？{body}"
    carried = [] if new_places else old_places[:1]
    carried += [year for year in _YEAR.findall(previous) if year not in body][:1]
    prefix = "".join(c for c in carried if c not in body)
    return f"{prefix}{body}" if prefix else body


REWRITE_MAX_CHARS = 1000  # a rewritten question is a line; anything longer is not one


def llm_rewrite(chat_model, conversation: Conversation, question: str, deadline: float = 30.0) -> str | None:
    """The LLM's rewrite, or None when it fails, runs past the deadline or returns no question."""
    from .bounded import invoke_text
    from .prompting import render

    history = "\n".join(f"问：{t.standalone}\n答：{t.answer[:200]}" for t in conversation.turns[-3:])
    try:
        reply = invoke_text(chat_model, [("human", render("rewrite", history=history, question=question))],
                            deadline, REWRITE_MAX_CHARS)
    except Exception:
        return None
    text = reply.strip().splitlines()
    candidate = text[0].strip() if text else ""
    return candidate if plausible_rewrite(candidate, question) else None


def plausible_rewrite(candidate: str, question: str) -> bool:
    """A rewrite keeps the user's own words: most of the follow-up's topic words, in its language.

    Small models answer "next" or "下文：" instead of rewriting; those fall back to the rule.
    """
    if not 4 <= len(candidate) <= 200 or candidate.startswith(("问：", "答：")):
        return False
    if compact(candidate) == compact(question):
        return False  # the follow-up echoed back: nothing was rewritten, so the rule rewrites it
    cjk = sum(1 for ch in question if "\u4e00" <= ch <= "\u9fff")
    if cjk and sum(1 for ch in candidate if "\u4e00" <= ch <= "\u9fff") < 4:
        return False
    if len(_ASKING.findall(candidate)) < len(_ASKING.findall(question)):
        return False  # 扩大到多少个村？服务项目扩到多少项？ rewritten as the first question only
    terms = content_terms(_LEADING.sub("", question))
    kept = sum(1 for term in terms if term in candidate.lower())
    return not terms or kept * 2 >= len(terms)


# The words that ask: a rewrite asks at least as many things as the follow-up.
_ASKING = re.compile(r"多少|几|谁|什么|哪|何时|为何|怎么|怎样|如何|是否|\b(?:what|which|who|whom|whose|when|where|why|how)\b",
                     re.I)


def standalone_question(question: str, conversation: Conversation | None, chat_model=None,
                        deadline: float = 30.0) -> str:
    if conversation is None or not needs_rewrite(question, conversation):
        return question
    previous = conversation.previous.standalone
    if chat_model is not None:
        rewritten = llm_rewrite(chat_model, conversation, question, deadline)
        if rewritten:
            return rewritten
    return rule_rewrite(question, previous)
