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


# An item head of an enumeration: 一是…, （二）…, 三、…, 首先/其次/再次/最后.
ITEM = re.compile(r"^\s*(?:(?P<n>[一二三四五六七八九十]{1,2})是|[（(](?P<p>[一二三四五六七八九十]{1,2})[)）]|"
                   r"(?P<c>[一二三四五六七八九十]{1,2})、|(?P<w>首先|其次|再次|最后)[，,]?)")
_CN_ORDINALS = "一二三四五六七八九十"
_WORD_ORDINALS = {"首先": 1, "其次": 2, "再次": 3, "最后": 4}


def item_number(sentence: str) -> int | None:
    """The place of an item head in its list: 三是… -> 3, （十二）… -> 12, 其次… -> 2; None for other sentences."""
    match = ITEM.match(sentence)
    if not match:
        return None
    word = match.group("w")
    if word:
        return _WORD_ORDINALS[word]
    numeral = match.group("n") or match.group("p") or match.group("c")
    return _CN_ORDINALS.index(numeral[-1]) + 1 + (9 if len(numeral) == 2 else 0)


def enumeration_groups(sentences: list[str]) -> list[list[int]]:
    """The runs of item heads in an article, each a list of sentence indices: 一是, 二是, 三是 … (a run
    restarts where its count goes back to 一)."""
    groups: list[list[int]] = []
    previous = 0
    for index, sentence in enumerate(sentences):
        number = item_number(sentence)
        if number is None:
            continue
        if number == 1 or not groups or number != previous + 1:
            if number != 1:
                continue  # a stray 二是 without its 一是 starts no list
            groups.append([])
        groups[-1].append(index)
        previous = number
    return [g for g in groups if len(g) >= 2]
