"""A deterministic embedder for unit tests: hashed character bigrams, no model.

Each bigram maps to a pseudo-random unit vector seeded from SHA-256 of the bigram, so texts
that share words get similar vectors and the same text always gets the same vector.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from .base import ArchiveEmbedder, l2_normalise


@lru_cache(maxsize=65536)
def _gram_vector(gram: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(gram.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


class FakeEmbedder(ArchiveEmbedder):
    name = "fake:bigram-hash"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            compact = "".join(text.split())
            grams = [compact[i : i + 2] for i in range(max(1, len(compact) - 1))]
            for gram in grams:
                out[row] += _gram_vector(gram, self.dim)
        return l2_normalise(out)
