"""Attribution: each sentence of an LLM answer matched to the source sentence(s) that support it.

attribute(text, packed, checker) -> list[Attributed]. The model's [n] markers are hints only: a
supported sentence without a marker gets its citation, and one whose marker names the wrong source
is re-attributed (and says so). What decides is the claim checker's verdict against the sentences
of all the numbered sources the model was given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .claims import ClaimCheck, ClaimChecker
from .records import Hit
from .verify import marked_sentences

_LIST_MARK = re.compile(r"\s*(?:[0-9]{1,2}|[一二三四五六七八九十]{1,2}|[a-zA-Z])\s*[.、)）:：]?\s*")


@dataclass(frozen=True)
class Attributed:
    """One sentence of the answer: the model's markers, the verdict, and the sources that support it."""

    text: str
    markers: tuple[int, ...]  # the [n] the model wrote
    check: ClaimCheck
    sources: tuple[int, ...]  # the numbered sources of the supporting sentences (empty unless supported)

    @property
    def reattributed(self) -> bool:
        """Supported, but not by the source the model named."""
        return bool(self.sources and self.markers and not set(self.markers) & set(self.sources))


def attribute(text: str, packed: Sequence[tuple[int, Hit, str]], checker: ClaimChecker) -> list[Attributed]:
    """Check every sentence of `text` against the sentences of the numbered sources in `packed`."""
    numbers = [n for n, _, _ in packed]
    candidates = checker.candidates_from([hit for _, hit, _ in packed], numbers)
    result = []
    for body, markers in marked_sentences(text):
        if _LIST_MARK.fullmatch(body):
            continue  # "1." of a numbered list: a fragment of layout, not a sentence
        check = checker.check(body, candidates, hint=markers)
        sources = tuple(dict.fromkeys(s.n for s in check.support)) if check.supported else ()
        result.append(Attributed(body, markers, check, sources))
    return result
