"""Wires settings -> embedder -> index -> retriever -> answerer: the one object the surfaces use."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from collections.abc import Callable

from .answering import ExtractiveAnswerer, column_named, question_language
from .asked import asked_for, several_issues
from .citations import mixed_years_note
from .claims import ClaimCheck, ClaimChecker
from .conversation import Conversation, standalone_question
from .index import ArchiveIndex, live_generation
from .judge import AnswerabilityJudge
from .records import Answer, Filters, Hit
from .retrieval import Retriever
from .settings import Settings


MAX_QUESTION_CHARS = 2000
MAX_CLAIMS = 200  # sentences checked in one call of `check`: a draft of several pages
CHECK_HITS = 5  # the articles retrieval finds for one claim, whose sentences are its candidates


def clean_question(question: str) -> str:
    """Control characters become spaces and the length is bounded: a question is a line, not a document."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in (question or "")).strip()
    return cleaned[:MAX_QUESTION_CHARS]


def claim_sentences(text: str) -> list[str]:
    """A draft's paragraphs split into sentences, each a claim to check."""
    from .sentences import split_sentences

    return [clean_question(s) for s in split_sentences(text or "") if clean_question(s)]


class Assistant:
    """Loads the index and the model once; answers many questions, alone or in a conversation."""

    def __init__(self, settings: Settings, embedder=None, retrieval: str = "hybrid", chat_model=None,
                 use_llm: bool | None = None) -> None:
        from .embedding import load_embedder

        self.settings = settings
        self.embedder = embedder or load_embedder(settings.embedder)
        self.retrieval_mode = retrieval
        if chat_model is None and (settings.llm_enabled if use_llm is None else use_llm):
            from .llm import build_chat_model

            chat_model = build_chat_model(settings)
        self.chat_model = chat_model if use_llm is not False else None
        self._load()

    def _load(self) -> None:
        self.index = ArchiveIndex.open(Path(self.settings.index_dir), self.embedder.name)
        self.retriever = Retriever(self.index, self.embedder, mode=self.retrieval_mode, word_cache=self.settings.cache_dir)
        self.judge = AnswerabilityJudge(self.embedder, self.index.store, self.index.doc_freq, self.index.n_chunks)
        self.judge.english_terms = self.retriever.query_terms
        self.answerer = ExtractiveAnswerer(self.judge)
        self.checker = ClaimChecker(self.judge.article_sentences, self.judge.query_vector)
        self.llm = None
        if self.chat_model is not None:
            from .llm import LLMAnswerer

            self.llm = LLMAnswerer(self.chat_model, self.answerer, self.checker, self.settings.llm_context_tokens,
                                   deadline=self.settings.llm_timeout * 2,
                                   max_chars=max(2000, 8 * self.settings.llm_max_tokens))

    @property
    def mode(self) -> str:
        return "llm" if self.llm else "extractive"

    def search(self, question: str, filters: Filters | None = None, k: int | None = None) -> list[Hit]:
        return self.retriever.search(question, k=k or self.settings.top_k, filters=filters)

    def ask(self, question: str, filters: Filters | None = None, conversation: Conversation | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        question = clean_question(question)
        standalone = standalone_question(question, conversation, self.chat_model, deadline=self.settings.llm_timeout)
        hits = self.with_column(standalone, self.search(standalone, filters))
        if self.llm is not None:
            answer = self.llm.answer(standalone, hits, on_token)
        else:
            answer = self.answerer.answer(standalone, hits)
        answer = replace(answer, question=question, rewritten=standalone if standalone != question else "",
                         retrieved=tuple(hits), notice=self._notice(standalone, answer))
        if conversation is not None:
            conversation.add(question, standalone, answer.text)
        return answer

    @staticmethod
    def _notice(question: str, answer: Answer) -> str:
        """The answerer's notice, and whether the quoted articles are of several years the question does not
        choose between (not for a question about several issues, whose answer spans them on purpose)."""
        if answer.refused or several_issues(question) or asked_for(question, answer.language).kind == "issues":
            return answer.notice
        return " ".join(filter(None, (answer.notice, mixed_years_note(question, answer.citations, answer.language))))

    def with_column(self, question: str, hits: list[Hit]) -> list[Hit]:
        """A question asking which articles a column of an issue holds (“信息摘登”有几则, 情况交流栏目收了哪几篇)
        is answered from the issue's table of contents, not from what retrieval ranks: every article of
        the column named, in the issue the question names or else of the best hit that has it, comes first."""
        column = column_named(question, hits)
        if column is None or asked_for(question, question_language(question)).kind != "issues":
            return hits
        issue, column = column
        have = {hit.article.article_id for hit in hits}
        store = self.index.store
        extra = [Hit(issue, article, store.chunks_of(article.article_id)[:1], hits[-1].score)
                 for article in store.articles(issue.source) if article.column == column and article.article_id not in have]
        listed = [hit for hit in hits if hit.issue.source == issue.source and hit.article.column == column] + extra
        return listed + [hit for hit in hits if hit not in listed]

    def check(self, text: str, filters: Filters | None = None) -> list[ClaimCheck]:
        """Each sentence of a draft against the whole archive (or the filtered part): supported,
        contradicted (with what the source says) or not found."""
        return [self.check_claim(claim, filters) for claim in claim_sentences(text)[:MAX_CLAIMS]]

    def check_claim(self, claim: str, filters: Filters | None = None) -> ClaimCheck:
        """One sentence against the articles retrieval finds for it."""
        hits = self.search(claim, filters, k=CHECK_HITS)
        return self.checker.check(claim, self.checker.candidates_from(hits))

    def reload_if_changed(self) -> bool:
        """Pick up a generation written by an ingest since this one was loaded."""
        live = live_generation(Path(self.settings.index_dir))
        if live is None or live == self.index.path:
            return False
        old = self.index
        self._load()
        old.close()
        return True

    def close(self) -> None:
        self.index.close()
