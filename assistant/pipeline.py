"""Wires settings -> embedder -> index -> retriever -> answerer: the one object the surfaces use."""

from __future__ import annotations

from pathlib import Path

from .answering import ExtractiveAnswerer
from .index import ArchiveIndex, live_generation
from .records import Answer, Filters, Hit
from .retrieval import Retriever
from .settings import Settings


class Assistant:
    """Loads the index and the model once; answers many questions."""

    def __init__(self, settings: Settings, embedder=None, retrieval: str = "hybrid") -> None:
        from embeddings import get_embedder

        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedder)
        self.index = ArchiveIndex.open(Path(settings.index_dir), self.embedder.name)
        self.retriever = Retriever(self.index, self.embedder, mode=retrieval)
        self.answerer = ExtractiveAnswerer(self.index.doc_freq, self.index.n_chunks)

    def search(self, question: str, filters: Filters | None = None, k: int | None = None) -> list[Hit]:
        return self.retriever.search(question, k=k or self.settings.top_k, filters=filters)

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        return self.answerer.answer(question, self.search(question, filters))

    def reload_if_changed(self) -> bool:
        """Pick up a generation written by an ingest since this one was loaded."""
        live = live_generation(Path(self.settings.index_dir))
        if live is None or live == self.index.path:
            return False
        old = self.index
        self.index = ArchiveIndex.open(Path(self.settings.index_dir), self.embedder.name)
        self.retriever = Retriever(self.index, self.embedder, mode=self.retriever.mode)
        self.answerer = ExtractiveAnswerer(self.index.doc_freq, self.index.n_chunks)
        old.close()
        return True

    def close(self) -> None:
        self.index.close()
