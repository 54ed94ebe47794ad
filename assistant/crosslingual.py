"""English questions against a Chinese archive: each English term mapped to the archive's own Chinese terms.

BM25 cannot read an English question, and the dense score of an English question against Chinese
passages is low enough that unrelated articles win in a large archive. The bridge gives BM25 a Chinese
query: every content word of the question ("allowance", "livestream") is
embedded with the multilingual model and matched to the nearest terms of the index vocabulary (jieba's
tokens of the archive, embedded once at ingest and stored in the index).

Nearest neighbours across languages suffer from hubness: some terms (参考, 依据, 提供) are close to every
English query. Each term's mean similarity to a set of everyday English words (data, in
assistant/data/lexicon.toml) is subtracted from its score, as in CSLS (Conneau et al. 2018), which turns
"mediation -> 遵循, 依据" into "mediation -> 纠纷, 沟通" and "gas cylinder depot -> 参考" into "-> 燃气, 液化气".

Place names written in pinyin (Xiaoshan, Chun'an) are matched by sound instead.

Embedding each word of a question costs about 6 ms on 2 cores, most of an English search's time. The
words' vectors depend only on the embedder, not on the archive, so they are kept once per machine
(`WordVectors`, a SQLite file in ASSISTANT_CACHE_DIR): the first ingest on a machine embeds the 20,000 most
frequent English words (wordfreq's list, about 2 minutes), and a question's word not among them is
embedded when first asked and kept.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedding import question_vectors
from .lexicon import lexicon

TERMS_PER_PHRASE = 2
WORD_CACHE_FILE = "english-words.sqlite"
_TERM = re.compile(r"[\u4e00-\u9fff]{2,6}")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
# Words that carry no topic: function words and the question's own frame.
_FUNCTION_WORDS = frozenset(
    """a an the of in on at to for from by with about into over under after before during since until between among
    and or but if then than that this these those there here it its they them their he she his her we our you your i
    is are was were be been being do does did done has have had having will would shall should can could may might must
    what which who whom whose when where why how many much more most some any all each every both either neither no not
    so such very also just only still yet too as per via please tell me according year years month months day days
    first second third last next new old one two three four five six seven eight nine ten total number amount""".split()
)


def vocabulary(token_lists) -> set[str]:
    """The archive's Chinese terms worth a vector: jieba tokens of 2 to 6 Chinese characters."""
    return {token for tokens in token_lists for token in tokens if _TERM.fullmatch(token)}


@dataclass(frozen=True)
class TermVectors:
    """The stored terms, their vectors and each term's hubness (mean similarity to everyday English)."""

    terms: list[str]
    vectors: np.ndarray
    hubness: np.ndarray


def probe_vectors(embedder) -> np.ndarray:
    """The everyday English words, embedded as questions: what a term's hubness is measured against."""
    words = lexicon().english_probes
    return np.stack([embedder.embed_question(word) for word in words]) if words else np.zeros((0, embedder.dim))


def hubness(vectors: np.ndarray, probes: np.ndarray) -> np.ndarray:
    if not len(probes) or not len(vectors):
        return np.zeros(len(vectors), dtype=np.float32)
    return (vectors @ probes.T).mean(axis=1).astype(np.float32)


def add_term_vectors(store, embedder, batch: int = 256) -> int:
    """Embed the vocabulary terms the store has no vector for yet (only new text on a later ingest)."""
    _, token_lists = store.all_tokens()
    missing = sorted(store.missing_terms(vocabulary(token_lists)))
    if not missing:
        return 0
    probes = probe_vectors(embedder)
    for start in range(0, len(missing), batch):
        terms = missing[start:start + batch]
        vectors = embedder.embed_passages(terms)
        store.put_terms(terms, vectors, hubness(vectors, probes))
    return len(missing)


class WordVectors:
    """English words embedded as questions, kept on disk by embedder: a word is embedded once per machine.

    A cache that cannot be opened or written (a read-only home) only costs time: the words are then
    embedded at each question, as they were before the cache.
    """

    def __init__(self, folder: Path | None, embedder) -> None:
        self.embedder = embedder
        self.db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(folder / WORD_CACHE_FILE, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS words (embedder TEXT NOT NULL, word TEXT NOT NULL, "
                            "vector BLOB NOT NULL, PRIMARY KEY (embedder, word))")
            self.db.commit()
        except (sqlite3.Error, OSError):
            self.db = None

    def vectors(self, words: list[str]) -> np.ndarray:
        """One row per word, each word's `query:` vector; words not kept yet are embedded and kept."""
        found = self._lookup(words)
        missing = [word for word in dict.fromkeys(words) if word not in found]
        if missing:
            computed = question_vectors(self.embedder, missing)
            found.update(zip(missing, computed))
            self._keep(missing, computed)
        return np.stack([found[word] for word in words]) if words else np.zeros((0, self.embedder.dim))

    def missing(self, words: list[str]) -> list[str]:
        found = self._lookup(words)
        return [word for word in dict.fromkeys(words) if word not in found]

    def prepare(self, words: list[str], batch: int = 256, on_batch=None) -> int:
        """Embed and keep the words not kept yet, a batch at a time (an interrupted run resumes);
        `on_batch(words_done)` after each."""
        missing = self.missing(words)
        for start in range(0, len(missing), batch):
            part = missing[start:start + batch]
            self._keep(part, self.embedder.embed_questions(part))
            if on_batch is not None:
                on_batch(start + len(part))
        return len(missing)

    def mark(self, name: str) -> None:
        self._keep([name], np.zeros((1, self.embedder.dim), dtype=np.float32))

    def _lookup(self, words: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(words))
        with self._lock:
            if self.db is None:
                return found
            for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
                part = wanted[start:start + 500]
                rows = self.db.execute(f"SELECT word, vector FROM words WHERE embedder = ? AND word IN "
                                       f"({','.join('?' * len(part))})", [self.embedder.name, *part])
                found.update((word, np.frombuffer(blob, dtype=np.float32)) for word, blob in rows)
        return found

    def _keep(self, words: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            if self.db is None:
                return
            try:
                self.db.executemany("INSERT OR REPLACE INTO words (embedder, word, vector) VALUES (?, ?, ?)",
                                    [(self.embedder.name, word, np.asarray(vector, dtype=np.float32).tobytes())
                                     for word, vector in zip(words, vectors)])
                self.db.commit()
            except sqlite3.Error:
                self.db = None


def frequent_english_words(count: int) -> list[str]:
    """The `count` most frequent English words that a question's content word can be (wordfreq's list)."""
    if count <= 0:
        return []
    from wordfreq import top_n_list

    return [word for word in top_n_list("en", count) if _content_word(word) == word]


ENGLISH_STAGE = "英文问题词向量（每台机器只算一次）"


def prepare_english_words(settings, embedder, progress: bool = False, on_progress=None) -> int:
    """At ingest: embed the frequent English words this machine has no vector for yet (once per embedder).

    `on_progress(done, total, label, seconds_left)` is told after each batch, as the ingest's files are
    (the upload tab's bar would otherwise sit at its end for the two minutes this takes)."""
    words = frequent_english_words(settings.english_words)
    cache = WordVectors(settings.cache_dir, embedder)
    done = f"#prepared:{settings.english_words}"  # a row no word can be: this list was embedded in full
    if not words or cache.db is None or not cache.missing([done]):
        return 0
    missing = cache.missing(words)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(missing), desc=ENGLISH_STAGE, unit="词", dynamic_ncols=True)
    started = time.monotonic()

    def step(count: int) -> None:
        if bar is not None:
            bar.update(count - bar.n)
        if on_progress is not None:
            rate = count / max(1e-6, time.monotonic() - started)
            on_progress(count, len(missing), ENGLISH_STAGE, (len(missing) - count) / rate if count else None)

    try:
        step(0)
        cache.prepare(missing, on_batch=step)
        cache.mark(done)
        return len(missing)
    finally:
        if bar is not None:
            bar.close()


class TermBridge:
    """chinese_terms(question) -> the archive's Chinese terms for an English question's words."""

    def __init__(self, stored: TermVectors, embedder, words: WordVectors | None = None) -> None:
        self.stored = stored
        self.embedder = embedder
        self.words = words or WordVectors(None, embedder)
        self._pinyin: dict[str, list[str]] | None = None

    def chinese_terms(self, question: str) -> list[str]:
        if not self.stored.terms:
            return []
        found: list[str] = []
        opening = self._opening_place(question)
        phrases = [p for p in _phrases(question) if not opening or p != _content_word(question.split()[0])]
        if phrases:
            scores = self.words.vectors(phrases) @ self.stored.vectors.T - self.stored.hubness
            for row in scores:
                top = np.argpartition(-row, TERMS_PER_PHRASE)[:TERMS_PER_PHRASE] if len(row) > TERMS_PER_PHRASE \
                    else np.arange(len(row))
                found += [self.stored.terms[i] for i in top[np.argsort(-row[top])]]
        found += self.places(question)
        return list(dict.fromkeys(found))

    def places(self, question: str) -> list[str]:
        """The archive's terms for the place names the question writes in pinyin (Tonglu -> 桐庐, 桐庐县)."""
        return [term for name in _pinyin_names(question) for term in self._by_sound(name)] + \
            self._opening_place(question)

    def _opening_place(self, question: str) -> list[str]:
        """A question's first word is capitalised whatever it is, so it names a place only when it sounds
        like one of the archive's districts, counties or cities ("Xiaoshan lets people…" -> 萧山区)."""
        match = re.match(r"\s*([A-Z][a-z']+)\b", question)
        if not match:
            return []
        letters = match.group(1).lower().removesuffix("'s").replace("'", "")
        if len(letters) < 4 or not _pinyin_shaped(letters):
            return []
        return [term for term in self._by_sound(letters) if term.endswith(("区", "县", "市"))]

    def _by_sound(self, letters: str) -> list[str]:
        """Terms whose toneless pinyin is the name, alone or with a place suffix (xiaoshan -> 萧山, 萧山区)."""
        if self._pinyin is None:
            from pypinyin import lazy_pinyin

            self._pinyin = {}
            for term in self.stored.terms:
                if len(term) <= 4:
                    self._pinyin.setdefault("".join(lazy_pinyin(term)).lower(), []).append(term)
        found = list(self._pinyin.get(letters, []))
        for suffix in ("qu", "xian", "shi", "zhen"):
            found += self._pinyin.get(letters + suffix, [])
        return found


def _phrases(question: str) -> list[str]:
    """The question's content words, each embedded alone.

    Pairs of neighbouring words were embedded too until 2026-12-06; without them English retrieval is as
    good or better (hit@1 0.905 -> 0.952 over the sample, 0.738 -> 0.786 with the distractors) and the
    bridge embeds half as many texts."""
    words = [_content_word(w) for w in _WORD.findall(question.replace("-", " "))]
    return list(dict.fromkeys(w for w in words if w and not _is_pinyin_name(w, question)))


def _content_word(word: str) -> str:
    """The word as the bridge embeds it ("Deputies'" -> "deputies"), or "" for a word without a topic."""
    word = word.lower().removesuffix("'s").rstrip("'")
    return word if _WORD.fullmatch(word) and word not in _FUNCTION_WORDS and len(word) > 2 else ""


def _pinyin_names(question: str) -> list[str]:
    names = []
    for match in re.finditer(r"\b[A-Z][a-z']+\b", question):
        word = match.group(0).lower().removesuffix("'s")  # Tonglu's
        letters = word.replace("'", "")
        if match.start() > 0 and _is_pinyin_name(word, question):
            names.append(letters)
    return names


def _is_pinyin_name(word: str, question: str) -> bool:
    letters = word.replace("'", "")
    capitalised = re.search(rf"(?<!^)\b{re.escape(word.capitalize())}\b", question) is not None
    return capitalised and _pinyin_shaped(letters) and len(letters) >= 4


def _pinyin_shaped(letters: str) -> bool:
    from .judge import PINYIN_WORD

    return bool(PINYIN_WORD.fullmatch(letters))
