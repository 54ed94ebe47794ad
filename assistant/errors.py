"""Errors raised deep in the pipeline and turned into one-line messages at the edges."""


class AssistantError(Exception):
    """Base class: its message is shown to the user as is, on one line."""


class ConfigError(AssistantError):
    """A setting has a value the assistant cannot use."""


class NoIndexError(AssistantError):
    """There is no index at the configured location yet."""


class EmbedderMismatchError(AssistantError):
    """The index was built with another embedder than the one configured."""


class UnreadableSourceError(AssistantError):
    """A source file cannot be turned into text (empty, binary, scanned, broken)."""


class IndexBusyError(AssistantError):
    """Another process is writing the index."""


class IndexReadOnlyError(AssistantError):
    """The index directory cannot be written (read-only mount or permissions): reading still works."""
