"""Check an LLM answer against its sources: every sentence must cite a source that supports it.

A sentence survives when it carries at least one [n] naming a source that was given, every number
in it occurs in a cited source, and (for Chinese) most of its wording does too. Markup and links
that are not in the sources are removed: the answer can never carry them into the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cleaning import compact

_MARKER = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_HTML = re.compile(r"<[^>]{0,200}>")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_URL = re.compile(r"(?:https?|ftp|javascript|data):[^\s）)」”]*", re.I)
_MD_MARKS = re.compile(r"(\*\*|__|`+|^#+\s*|^>\s*|^[-*+]\s+)", re.M)
MIN_WORDING = 0.45  # share of a Chinese sentence's character bigrams found in its cited sources


@dataclass(frozen=True)
class SourceText:
    n: int
    text: str


@dataclass(frozen=True)
class CheckedSentence:
    text: str  # without markers
    sources: tuple[int, ...]  # valid source numbers, in the order cited
    ok: bool
    reason: str = ""


def strip_markup(text: str, sources_text: str) -> str:
    """Remove HTML tags, Markdown links/emphasis and URLs unless that exact string is in a source."""
    text = _HTML.sub(lambda m: m.group(0) if m.group(0) in sources_text else "", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _URL.sub(lambda m: m.group(0) if m.group(0) in sources_text else "", text)
    return _MD_MARKS.sub("", text)


def split_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
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


def check(text: str, sources: list[SourceText], language: str = "zh") -> list[CheckedSentence]:
    by_n = {source.n: compact(source.text) for source in sources}
    checked = []
    for body, markers in split_sentences(text):
        valid = tuple(n for n in markers if n in by_n)
        if not valid:
            reason = "引用的来源不存在" if markers else "没有标注来源"
            checked.append(CheckedSentence(body, (), False, reason))
            continue
        cited = "".join(by_n[n] for n in valid)
        numbers = [n for n in _NUMBER.findall(_halfwidth(body)) if n not in cited]
        if numbers:
            checked.append(CheckedSentence(body, valid, False, f"数字 {'、'.join(numbers)} 不在所引来源中"))
            continue
        if language == "zh" and _wording(body, cited) < MIN_WORDING:
            checked.append(CheckedSentence(body, valid, False, "表述与所引来源不符"))
            continue
        checked.append(CheckedSentence(body, valid, True))
    return checked


def _wording(sentence: str, source: str) -> float:
    chars = re.sub(r"[^\u4e00-\u9fff]", "", sentence)
    grams = {chars[i : i + 2] for i in range(len(chars) - 1)}
    if not grams:
        return 1.0
    return sum(1 for g in grams if g in source) / len(grams)


def _halfwidth(text: str) -> str:
    return text.translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)} | {0xFF0E: ord(".")})


def best_quote(sentence: str, source_text: str) -> str:
    """The sentence of the source that shares most wording with an answer sentence: what to verify."""
    from .sentences import split_sentences

    candidates = split_sentences(source_text) or [source_text]
    chars = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", sentence)
    grams = {chars[i : i + 2] for i in range(len(chars) - 1)}
    return max(candidates, key=lambda s: sum(1 for g in grams if g in s))
