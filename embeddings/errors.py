"""The one error this package raises: a configured embedder that cannot be built (its message says what to do).

The application wraps it in its own error type (assistant/embedding.py); this package imports nothing from it.
"""


class EmbedderConfigError(Exception):
    """An embedder spec or model that cannot be used."""
