"""Hybrid retrieval: dense (FAISS) and BM25 (jieba tokens) fused by reciprocal rank, grouped by article."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .citations import names_an_issue, question_names_issue, years_named
from .cleaning import compact
from .embedding import question_vector
from .index import ArchiveIndex
from .lexical import tokenize
from .lexicon import lexicon
from .parsing import CITY_UNIT
from .records import Filters, Hit

RRF_K = 60  # the constant of Cormack et al.; ranks matter, scores of the two retrievers do not mix
CANDIDATES = 50  # chunks taken from each retriever before fusion
CHUNKS_PER_HIT = 3
MODES = ("hybrid", "dense", "bm25")
# A short place name (临平) stands for its district where most of its uses in the archive are the full name.
SHORT_FORM_SHARE = 0.75


@dataclass(frozen=True)
class RankedChunk:
    rowid: int
    rrf: float
    cosine: float | None


def _is_english(question: str) -> bool:
    from .answering import question_language

    return question_language(question) == "en"


def another_city(district: str) -> bool:
    """Is an article's unit another city: a 市 that is not one of Hangzhou's own (建德市 today; 临安市, 富阳市,
    萧山市, 余杭市 in earlier issues)? A 区 or 县 the lexicon does not list may be one of the city's own zones
    (钱塘新区, 高新区, 西湖景区), so it does not count."""
    return district.endswith("市") and district not in lexicon().home_units


def excess_coverage(haystack: str, weights: dict[str, float], doc_freq: dict[str, int], n: int,
                    size: float) -> float:
    """The IDF-weighted share of the words found in haystack, less the share a text of `size` chunks'
    length would hold by chance (a word in df of n chunks: 1 - (1 - df/n) ** size)."""
    total = sum(weights.values()) or 1.0
    return sum(w * ((t.lower() in haystack) - (1.0 - (1.0 - doc_freq[t] / n) ** size))
               for t, w in weights.items()) / total


class Retriever:
    """search(question) -> the best articles, each with its matching chunks."""

    def __init__(self, index: ArchiveIndex, embedder, mode: str = "hybrid", word_cache: Path | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}. Currently, mode is {mode!r}")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self._filter_cache: dict[Filters, np.ndarray] = {}
        self._districts: dict[str, tuple[str, ...]] | None = None
        self._sentence_matrix: tuple[list[str], np.ndarray] | None = None
        self._term_bridge = None
        self._word_cache = word_cache  # the machine's English word vectors (assistant/crosslingual.py)
        self._chunk_length: float | None = None
        self._last_terms: tuple[str, list[str]] | None = None

    def search(self, question: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        filters = filters or Filters()
        allowed = self._allowed(filters)
        if allowed is not None and not len(allowed):
            return []
        ranked = self.rank_chunks(question, allowed)
        voices = []
        if self.mode in ("hybrid", "dense") and _is_english(question):
            # BM25 cannot read an English question against Chinese text; the sentence-level dense ranking
            # takes its place as the second voice in the fusion (assistant/judge.py uses the same vectors).
            voices.append(self._sentence_ranks(question))
        if self.mode in ("hybrid", "bm25"):
            voices.append(self._coverage_ranks(question, ranked, k))
        return self._group(ranked, k, self._districts_named(question), voices, years_named(question), question)

    def query_terms(self, question: str) -> list[str]:
        """The question's words as the index's tokens: jieba's, or an English question's bridged terms.
        BM25 and the coverage ranking both ask, so the last question's terms are kept."""
        if self._last_terms is not None and self._last_terms[0] == question:
            return self._last_terms[1]
        if _is_english(question):
            # The English question's words as the archive's own Chinese terms (assistant/crosslingual.py).
            terms = self._bridge().chinese_terms(question)
        else:
            terms = tokenize(question)
        terms = [t for t in dict.fromkeys(terms) if t in self.index.doc_freq]
        self._last_terms = (question, terms)
        return terms

    def _coverage_ranks(self, question: str, ranked: list[RankedChunk], k: int) -> dict[str, int]:
        """The candidate articles ranked by how much more of the question each holds than its length explains.

        BM25 scores chunks one by one; a question often names details the asked article spreads over
        several paragraphs (the law's name in the first, the figure in the fourth), while another year's
        report on the same subject holds the common words in one chunk and not the rest. Each of the
        question's words counts by its IDF, less the chance that an article of this length holds it
        anyway (1 - (1 - df/N) ** chunks' worth of text): without that, the longest articles win.
        """
        terms = self.query_terms(question)
        if not terms:
            return {}
        n = self.index.n_chunks
        weights = {t: math.log(1 + n / self.index.doc_freq[t]) for t in terms}
        chunk_length = self._mean_chunk_length()
        store = self.index.store
        chunks = store.chunks_by_rowid([r.rowid for r in ranked[: CANDIDATES * 2]])
        candidates = list(dict.fromkeys(chunks[r.rowid].article_id for r in ranked if r.rowid in chunks))
        excess = {}
        for article_id in candidates[: max(k * 6, 30)]:
            article = store.article(article_id)
            if article is None:
                continue
            haystack = compact(article.title + article.text).lower()
            excess[article_id] = excess_coverage(haystack, weights, self.index.doc_freq, n,
                                                 max(1.0, len(haystack) / chunk_length))
        return {article_id: rank for rank, article_id in enumerate(sorted(excess, key=lambda a: -excess[a]))}

    def _mean_chunk_length(self) -> float:
        if self._chunk_length is None:
            self._chunk_length = max(1.0, self.index.store.mean_chunk_length())
        return self._chunk_length

    def _sentence_ranks(self, question: str) -> dict[str, int]:
        """Articles ranked by their best sentence's cosine with the question."""
        if self._sentence_matrix is None:
            self._sentence_matrix = self.index.store.all_sentence_vectors(self.index.dim)
        article_ids, vectors = self._sentence_matrix
        if not len(article_ids):
            return {}
        cosines = vectors @ question_vector(self.embedder, question)
        ranks: dict[str, int] = {}
        for i in np.argsort(-cosines)[: CANDIDATES * 4]:
            ranks.setdefault(article_ids[i], len(ranks))
        return ranks

    def rank_chunks(self, question: str, allowed: np.ndarray | None = None) -> list[RankedChunk]:
        scores: dict[int, float] = defaultdict(float)
        cosines: dict[int, float] = {}
        if self.mode in ("hybrid", "dense"):
            for rank, (rowid, cosine) in enumerate(self._dense(question, allowed)):
                scores[rowid] += 1.0 / (RRF_K + rank + 1)
                cosines[rowid] = cosine
        if self.mode in ("hybrid", "bm25"):
            for rank, rowid in enumerate(self._bm25(question, allowed)):
                scores[rowid] += 1.0 / (RRF_K + rank + 1)
        ordered = sorted(scores.items(), key=lambda item: -item[1])
        return [RankedChunk(rowid, score, cosines.get(rowid)) for rowid, score in ordered]

    def _dense(self, question: str, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        import faiss

        if self.index.dense.ntotal == 0:
            return []
        vector = question_vector(self.embedder, question)[None, :]
        k = min(CANDIDATES, self.index.dense.ntotal)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        distances, ids = self.index.dense.search(vector, k, params=params)
        return [(int(i), float(d)) for i, d in zip(ids[0], distances[0]) if i >= 0]

    def _bm25(self, question: str, allowed: np.ndarray | None) -> list[int]:
        tokens = self.query_terms(question)
        if not tokens or self.index.n_chunks == 0:
            return []
        mask = None
        if allowed is not None:
            mask = np.isin(self.index.bm25_ids, allowed).astype(np.float32)
        k = min(CANDIDATES, self.index.n_chunks)
        positions, scores = self.index.bm25.retrieve(
            [tokens], k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [int(self.index.bm25_ids[p]) for p, s in zip(positions[0], scores[0]) if s > 0]

    def _bridge(self):
        if self._term_bridge is None:
            from .crosslingual import TermBridge, WordVectors

            self._term_bridge = TermBridge(self.index.store.term_vectors(self.index.dim), self.embedder,
                                           WordVectors(self._word_cache, self.embedder))
        return self._term_bridge

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        if not filters.active:
            return None
        if filters not in self._filter_cache:
            self._filter_cache[filters] = self.index.store.rowids_matching(filters)
        return self._filter_cache[filters]

    def _districts_named(self, question: str) -> set[str]:
        """The districts a question names; an article about one counts as ranked first by a third voice.

        A district is named in full (西湖区) or by its short form (临平) where the archive itself writes
        the short form mostly as the place: 临平 mostly stands in 临平区, while 西湖 is as often the lake
        or the tea (SHORT_FORM_SHARE). A question that names no district but the city's own bodies (市领导, 全市, 杭州)
        names the city's own articles.
        """
        if self._districts is None:
            self._districts = self._place_forms()
        if _is_english(question):  # Tonglu, Lin'an: by sound (assistant/crosslingual.py)
            places = set(self._bridge().places(question))
            return {d for d in self._districts if d in places or d[:-1] in places}
        named = {d for d, forms in self._districts.items() if any(form in question for form in forms)}
        if not named:
            rest = question
            for forms in self._districts.values():
                for form in forms:
                    rest = rest.replace(form, "")
            if any(word in rest for word in lexicon().city_level):
                named = {CITY_UNIT}
        return named

    def _place_forms(self) -> dict[str, tuple[str, ...]]:
        """Each district of the archive with the forms that name it: the full name, and the short form
        where at least SHORT_FORM_SHARE of the archive's uses of it are the full name."""
        forms = {}
        for district in self.index.store.districts():
            if not district.endswith(("区", "县", "市")) or district == CITY_UNIT:
                continue
            short = district[:-1]
            full_uses, short_uses = self.index.store.occurrences(district), self.index.store.occurrences(short)
            forms[district] = (district, short) if len(short) >= 2 and short_uses and full_uses >= SHORT_FORM_SHARE * short_uses \
                else (district,)
        return forms

    def _group(self, ranked: list[RankedChunk], k: int, districts: set[str] = frozenset(),
               voices: list[dict[str, int]] = (), years: set[int] = frozenset(), question: str = "") -> list[Hit]:
        """One hit per article, so a long article cannot fill every slot.

        Each of `voices` ranks articles (the coverage ranking, an English question's sentence ranking) and
        adds its reciprocal rank to the article's best chunk's fused score. An article about a district the question names counts as if a third retriever had ranked it
        first: a place name is one word among many for BM25 and the embedding, but decides relevance.
        So does an article of the year the question names: an issue dated that year or the next (the
        bulletin reports after the fact), or an undated issue's article that names the year. Across an
        archive where every subject recurs year after year, the year tells the reports apart. An article of
        the issue the question names by its number (总第697期, issue No. 697) counts the same. A question
        naming no place at all means the bulletin's own city: an article about another city's congress
        (温州市; not 临安市, a former unit of the city: `another_city`) loses as much.
        """
        store = self.index.store
        chunks = store.chunks_by_rowid([r.rowid for r in ranked])
        by_article: dict[str, list[RankedChunk]] = {}
        order: list[str] = []
        for item in ranked:
            chunk = chunks.get(item.rowid)
            if chunk is None:
                continue
            if chunk.article_id not in by_article:
                order.append(chunk.article_id)
                by_article[chunk.article_id] = []
            by_article[chunk.article_id].append(item)
        articles = {article_id: store.article(article_id) for article_id in order[: max(k * 6, 30)]}
        bonus = 1.0 / (RRF_K + 1)

        def of_year(article) -> bool:
            if not years or article is None:
                return False
            issue = store.issue(article.source)
            if issue is not None and issue.date:
                return any(year <= int(issue.date[:4]) <= year + 1 for year in years)
            return any(f"{year}年" in article.text for year in years)

        named = names_an_issue(question)

        def of_issue(article) -> bool:
            if not named or article is None:
                return False
            issue = store.issue(article.source)
            return issue is not None and question_names_issue(question, issue)

        dated = {article_id: of_year(article) or of_issue(article) for article_id, article in articles.items()}

        # A question naming no place asks about the bulletin's own city (温州市's report on the same law is
        # not what "营商环境条例是怎么立法的" means), unless it asks about other cities (外地的做法).
        at_home = not districts and not any(word in question.lower() for word in lexicon().elsewhere_words)

        def score(article_id: str) -> float:
            article = articles[article_id]
            boosted = article is not None and article.district in districts
            extra = bonus if dated[article_id] else 0.0
            if at_home and article is not None and another_city(article.district):
                extra -= bonus
            for ranks in voices:
                if article_id in ranks:
                    extra += 1.0 / (RRF_K + ranks[article_id] + 1)
            return by_article[article_id][0].rrf + (bonus if boosted else 0.0) + extra

        hits: list[Hit] = []
        for article_id in sorted(articles, key=score, reverse=True)[:k]:
            items = by_article[article_id][:CHUNKS_PER_HIT]
            article = articles[article_id]
            issue = store.issue(article.source) if article else None
            if article is None or issue is None:
                continue
            cosines = [i.cosine for i in items if i.cosine is not None]
            hits.append(
                Hit(
                    issue=issue,
                    article=article,
                    chunks=tuple(chunks[i.rowid] for i in items),
                    score=score(article_id),
                    dense_score=max(cosines) if cosines else None,
                )
            )
        return hits
