"""The one sentence splitter for Chinese: quotes, citations and the judge's evidence all use it."""

from __future__ import annotations

import re

from .cleaning import compact

# A sentence ends at 。！？； (or their ASCII forms), taking a closing quote or bracket with it.
_SENTENCE = re.compile(r"[^。！？；!?\n]*[。！？；!?]+[”’」』）)]*|[^。！？；!?\n]+")
MIN_CHARS = 4


def split_sentences(text: str) -> list[str]:
    """Sentences of a text in order; paragraph breaks end a sentence; fragments under 4 characters go."""
    return [s.strip() for s in _SENTENCE.findall(text) if len(compact(s)) >= MIN_CHARS]
