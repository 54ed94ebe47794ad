"""The one interface every embedder speaks: langchain's Embeddings, plus a name and a dimension."""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
from langchain_core.embeddings import Embeddings


class ArchiveEmbedder(Embeddings):
    """An embedder whose vectors are L2-normalised, so inner product is cosine similarity.

    Subclasses implement `_embed(texts, is_query)`; langchain's `embed_documents` and
    `embed_query` (lists of floats) and the numpy helpers the index uses are built on it.
    """

    name: str
    dim: int

    @abstractmethod
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), rows L2-normalised."""

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._embed(list(texts), False), dtype=np.float32)

    def embed_question(self, text: str) -> np.ndarray:
        return self.embed_questions([text])[0]

    def embed_questions(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._embed(list(texts), True), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_question(text).tolist()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32)
