"""An LLM reply as sentences: markup and links not in the sources removed, [n] markers read.

The markers are hints for attribution (assistant/attribution.py); the claim checker decides.
Markup and links that are not in the sources are removed: the answer can never carry them into the page.
"""

from __future__ import annotations

import re

_MARKER = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+")
_HTML = re.compile(r"<[^>]{0,200}>")
_SCRIPT = re.compile(r"<(script|style)\b[^>]{0,200}>.*?(?:</\1\s*>|$)", re.I | re.S)  # the tag and what it runs
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_URL = re.compile(r"(?:https?|ftp|javascript|data):[^\s）)」”]*", re.I)
_MD_MARKS = re.compile(r"(\*\*|__|`+|^#+\s*|^>\s*|^[-*+]\s+)", re.M)


def strip_markup(text: str, sources_text: str) -> str:
    """Remove HTML tags, Markdown links/emphasis and URLs unless that exact string is in a source."""
    text = _SCRIPT.sub(lambda m: m.group(0) if m.group(0) in sources_text else "", text)
    text = _HTML.sub(lambda m: m.group(0) if m.group(0) in sources_text else "", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _URL.sub(lambda m: m.group(0) if m.group(0) in sources_text else "", text)
    return _MD_MARKS.sub("", text)


def marked_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Sentences with the source numbers cited at their end (a marker after 。 belongs to the sentence)."""
    pieces = [p for p in _SENTENCE_END.split(text) if p and p.strip()]
    result: list[tuple[str, list[int]]] = []
    for piece in pieces:
        leading = re.match(r"^\s*((?:[\[【]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】]\s*)+)", piece)
        if leading and result:
            result[-1][1].extend(_numbers(leading.group(1)))
            piece = piece[leading.end():]
        if not piece.strip():
            continue
        markers = _numbers(piece)
        body = _MARKER.sub("", piece).strip()
        if body:
            result.append((body, markers))
        elif result:
            result[-1][1].extend(markers)
    return [(body, tuple(dict.fromkeys(markers))) for body, markers in result]


def _numbers(text: str) -> list[int]:
    return [int(n) for group in _MARKER.findall(text) for n in re.findall(r"\d+", group)]
