"""Any sentence-transformers model by id or local path (optional extra: pip install '.[st]').

torch is imported here only, when this backend is chosen, so the default path never pays for it.
"""

from __future__ import annotations

import os

import numpy as np

from .base import ArchiveEmbedder
from .errors import EmbedderConfigError


class SentenceTransformersEmbedder(ArchiveEmbedder):
    def __init__(self, model: str, device: str = "cpu") -> None:
        # Never reach for a hub at run time: a model must be a local path or already cached.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedderConfigError(
                "sentence-transformers is not installed - install the extra: pip install '.[st]' "
                "(and torch==2.13.0 for the CPU build)"
            ) from None
        try:
            self._model = SentenceTransformer(model, device=device)
        except Exception as exc:  # the library raises many types for a missing model
            raise EmbedderConfigError(f"cannot load sentence-transformers model {model!r}: {exc}".splitlines()[0]) from None
        self.name = f"sentence-transformers:{model}"
        self.dim = int(self._model.get_sentence_embedding_dimension())
        # e5-family models were trained with these prefixes; others take the text as is.
        lowered = model.lower()
        self._prefixes = ("query: ", "passage: ") if "e5" in lowered else ("", "")

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        prefix = self._prefixes[0] if is_query else self._prefixes[1]
        vectors = self._model.encode(
            [prefix + text for text in texts],
            batch_size=16,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
