"""Chinese word segmentation (jieba) for BM25 and for judging what a question asks about."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from .lexicon import lexicon

STOPWORDS = lexicon().stopwords
_TOKEN_OK = re.compile(r"[\w\u3400-\u9fff]")


@lru_cache(maxsize=1)
def segmenter():
    """jieba with the domain words added and its logging quiet."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for word in (*lexicon().domain_words, *lexicon().districts):
        jieba.add_word(word, freq=200000)
    return jieba


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: jieba's search-mode cut, lower-cased, punctuation and spaces dropped."""
    return [token.lower() for token in segmenter().cut_for_search(text) if _TOKEN_OK.search(token)]


def content_terms(text: str) -> list[str]:
    """The words of a question that carry its topic: tokens minus stopwords, in order, unique.

    Tokens jieba invents from unknown character runs (各讲, 天出) are dropped unless Latin or digits:
    they are cut artefacts, not words an article could be expected to contain.
    """
    jieba = segmenter()
    seen: dict[str, None] = {}
    for token in jieba.cut(text):
        token = token.strip().lower()
        if not token or not _TOKEN_OK.search(token) or token in STOPWORDS:
            continue
        if len(token) == 1 and not token.isdigit():
            continue
        if not token.isascii() and not jieba.dt.FREQ.get(token):
            continue
        seen.setdefault(token, None)
    return list(seen)
