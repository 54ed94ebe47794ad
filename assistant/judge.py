"""The answerability judge: does the archive answer this question, only mention its subject, or not at all?

judge(question, hits) -> Judgement. Every sentence of the candidate articles is scored as the answer
to the question by a logistic model over evidence of four sorts:

- semantic: the question against the sentence (and its neighbours) with the bundled e5 model;
- the kind of answer asked for: 谁 needs a person in the sentence, 何时 a date, 多少 a quantity of
  the asked measure (assistant/asked.py);
- what the question names (places, people, years, laws, issue numbers): the article must name them;
- lexical: how much of the question's topic words, weighted by IDF, the sentence and article hold.

The weights and the threshold are fitted on eval/judge_set.jsonl's calibration split by
eval/fit_judge.py and stored in assistant/data/judge.json with the figures they were fitted on.
Both answerers call this judge; none re-implements a piece of it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np

from .asked import Asked, asked_for, several_issues
from .citations import EN_ISSUE_NO, chinese_date, question_names_issue
from .cleaning import compact
from .embedding import passage_vector, question_vector
from .lexical import STOPWORDS, content_terms, segmenter
from .lexicon import lexicon
from .records import Hit, Issue
from .sentences import split_sentences

VERDICTS = ("answers", "mentions", "unrelated")
TOP_SENTENCES = 5  # the ranked sentences the verdict looks at for a value of the asked kind
# Kinds whose value the detector finds reliably (assistant/asked.py): without one among the top
# sentences the archive does not answer, whatever the other evidence says.
HARD_KINDS = ("quantity", "person", "date")
CANDIDATE_HITS = 5
FEATURES = (
    "cos", "cos_gap", "cos_window", "cos_title", "lex", "lex_window", "lex_article", "anchors_article", "anchors_missing",
    "kind", "kind_window", "measure", "measure_window", "rank", "chunk_cos", "english", "meta", "bigrams",
    "strong_missing", "cos_article_gap", "opening", "length", "rarest_article",
)
# The question-level evidence the verdict is fitted on: taken from the best-ranked sentence, and from
# the three best-ranked sentences of its article for what the answer must hold.
DECISION_FEATURES = (
    "rank_logit", "cos", "cos_window", "lex_window", "lex_article", "anchors_article", "anchors_missing",
    "kind_window", "measure_window", "kind_top", "measure_top", "english", "meta", "chunk_cos", "bigrams",
    "rarest_article", "lex_article_gap", "cos_gap",
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ISSUE_NO = re.compile(r"第\s*(\d+)\s*期|总第\s*(\d+)\s*期")
_LAW = re.compile(r"《([^》]{2,40})》")
_QUOTED_NAME = re.compile(r"[“\"「]([^”\"」]{2,20})[”\"」]")
_EN_NAME = re.compile(r"\b[A-Z][a-z']+(?:\s+[A-Z][a-z']+)*")
_EN_COMMON = frozenset(
    """what which who whom whose when where why how is are was were do does did the a an in on of for to and or
    by with from at as please tell me about according i people's people congress standing committee municipal
    district county city province chinese china english hangzhou zhejiang can could would should has have had
    there this that these those it its if any many much
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday mid early late""".split()
)
_KIND_NAMES_ZH = {
    "quantity": "具体数字", "person": "相关人员的姓名", "date": "具体时间", "place": "具体地点",
    "name": "具体名称", "issue": "刊期信息", "byline": "署名", "column": "栏目",
}
_KIND_NAMES_EN = {
    "quantity": "the figure asked for", "person": "the person's name", "date": "the date", "place": "the place",
    "name": "the name asked for", "issue": "the issue details", "byline": "the byline", "column": "the column",
}


@dataclass(frozen=True)
class Evidence:
    """One candidate sentence with the judge's probability that it answers the question."""

    hit_rank: int
    hit: Hit
    index: int  # position of the sentence in its article
    sentence: str
    score: float


@dataclass(frozen=True)
class Judgement:
    """The verdict, the sentences it rests on (best first), and a reason a person can read."""

    verdict: str  # "answers" | "mentions" | "unrelated"
    reason: str
    asked: Asked
    evidence: tuple[Evidence, ...]  # sentences at or above the threshold, best first
    best: Evidence | None = None  # the best sentence, answering or not
    subject: tuple[str, ...] = ()  # what the archive does hold of the question's terms
    missing: tuple[str, ...] = ()  # what the question names that no candidate article does
    features: dict = field(default_factory=dict, compare=False)

    @property
    def answers(self) -> bool:
        return self.verdict == "answers"

    def supporting_hits(self) -> list[Hit]:
        """The articles with answering sentences, in the order of their best sentence."""
        seen: dict[str, Hit] = {}
        for item in self.evidence:
            seen.setdefault(item.hit.article.article_id, item.hit)
        return list(seen.values())


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic model over standardised features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def logit(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))

    def as_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "weights": self.weights.round(6).tolist(),
                "bias": round(self.bias, 6)}

    @classmethod
    def from_dict(cls, raw: dict, expected: tuple[str, ...]) -> "Logistic":
        if tuple(raw["features"]) != expected:
            raise ValueError("judge.json was fitted on other features: run eval/fit_judge.py again")
        return cls(expected, np.array(raw["mean"]), np.array(raw["scale"]), np.array(raw["weights"]),
                   float(raw["bias"]))


@dataclass(frozen=True)
class JudgeModel:
    """The fitted judge: a sentence ranker, a question-level decider, and the decider's threshold."""

    ranker: Logistic
    decider: Logistic
    threshold: float
    fitted_on: dict

    @classmethod
    def load(cls, path=None) -> "JudgeModel":
        text = (path.read_text(encoding="utf-8") if path is not None
                else resources.files("assistant").joinpath("data/judge.json").read_text(encoding="utf-8"))
        raw = json.loads(text)
        return cls(Logistic.from_dict(raw["ranker"], FEATURES), Logistic.from_dict(raw["decider"], DECISION_FEATURES),
                   float(raw["threshold"]), raw.get("fitted_on", {}))

    @classmethod
    def neutral(cls) -> "JudgeModel":
        """A model with every weight zero: a stand-in while eval/fit_judge.py computes features for a new fit."""
        def blank(features):
            n = len(features)
            return Logistic(features, np.zeros(n), np.ones(n), np.zeros(n), 0.0)
        return cls(blank(FEATURES), blank(DECISION_FEATURES), 0.5, {"neutral": True})

    def to_json(self) -> str:
        return json.dumps({"ranker": self.ranker.as_dict(), "decider": self.decider.as_dict(),
                           "threshold": round(self.threshold, 6), "fitted_on": self.fitted_on},
                          ensure_ascii=False, indent=1)


class _Question(NamedTuple):
    """A question read once for judging: what it asks, its weighted terms, anchors and vector."""

    text: str
    language: str
    asked: Asked
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    anchors: tuple["Anchor", ...]
    vector: np.ndarray
    bigrams: frozenset[str]


class AnswerabilityJudge:
    """judge(question, hits) -> Judgement; sentence_features() exposes the evidence for fitting."""

    def __init__(self, embedder, store=None, doc_freq: dict[str, int] | None = None, n_docs: int = 1,
                 model: JudgeModel | None = None) -> None:
        self.embedder = embedder
        self.store = store
        self.doc_freq = doc_freq or {}
        self.n_docs = max(1, n_docs)
        self.model = model or JudgeModel.load()
        self.english_terms = None  # question -> the archive's Chinese terms for its words (set by the pipeline)
        self._sentences: dict[str, tuple[list[str], np.ndarray]] = {}

    # --- the verdict ---------------------------------------------------------------------------
    def judge(self, question: str, hits: list[Hit]) -> Judgement:
        prepared = self._prepare(question)
        rows, evidence = self._score_rows(prepared, hits)
        if not evidence:
            return Judgement("unrelated", _reason_unrelated(prepared.language), prepared.asked, ())
        logits = self.model.ranker.logit(rows)
        decision = decision_row(rows, logits, evidence)
        probability = float(self.model.decider.probability(decision[None, :])[0])
        order = np.argsort(-logits, kind="stable")
        best_logit = float(logits[order[0]])
        ranked = [_with_score(evidence[i], float(logits[i])) for i in order]
        best = ranked[0]
        features = dict(zip(DECISION_FEATURES, decision.round(4).tolist()), probability=round(probability, 4))
        subject, missing = self._subject(prepared, hits)
        chosen_index = decision_index(rows, logits)
        chosen = _with_score(evidence[chosen_index], float(logits[chosen_index]))
        absent = tuple(a.name for a in prepared.anchors if a.strong and not a.found_in(_haystack(chosen.hit)))
        place, own_law = law_elsewhere(question, chosen.hit.article.text) if prepared.language == "zh" else ("", "")
        absent += (place,) if place else ()
        # A question about an issue it names by number (总第711期是哪天出版的) is answered by that issue's
        # masthead, whatever the sentences say: the fact is metadata, not prose.
        masthead = asks_about_named_issue(question, prepared.asked.kind, chosen.hit)
        value_missing = prepared.asked.kind in HARD_KINDS and not rows[chosen_index][FEATURES.index("kind")]
        value_missing = not masthead and (value_missing or self._value_unstated(prepared.asked, ranked, chosen))
        answered = probability >= self.model.threshold or masthead
        if answered and not absent and not value_missing:
            # Answering sentences: the one holding the asked value, then those ranked nearly as well as the
            # best (within e^2 in odds).
            answering = (chosen,) + tuple(e for e in ranked if e.score >= best_logit - 2.0
                                          and (e.hit is not chosen.hit or e.index != chosen.index))[:7]
            # A sentence of the answering article that holds the year the question names ("在2023年…重点盯
            # 哪类项目": 2023年围绕市级统筹专项债项目…) answers it, if ranked within e^4 of the best.
            years = re.findall(r"(?:19|20)\d{2}(?=\s*年)", question)
            answering = answering[:1] + tuple(
                e for e in ranked if years and e.hit is chosen.hit and e not in answering
                and e.score >= best_logit - 4.0 and any(re.search(year + r"\s*年", e.sentence) for year in years)
            )[:2] + answering[1:]
            if prepared.asked.kind == "issues" or several_issues(question):
                # 哪几期, 两期里分别…: every candidate article that names what the question names and has a
                # sentence ranked within e^4 of the best, each with its best sentence.
                answering += tuple(e for e in ranked if e.score >= best_logit - 4.0 and e not in answering
                                   and all(a.found_in(_haystack(e.hit)) for a in prepared.anchors if a.strong))
                column = column_named(question, hits) if prepared.asked.kind == "issues" else None
                if column is not None:
                    # “信息摘登”有几则: the column's articles in that issue, each by its best sentence, and no other.
                    issue, name = column
                    best_of: dict[str, Evidence] = {}
                    for e in ranked:
                        if e.hit.issue.source == issue.source and e.hit.article.column == name:
                            best_of.setdefault(e.hit.article.article_id, e)
                    answering = tuple(best_of.values()) or answering
            return Judgement("answers", "", prepared.asked, answering, best, subject, missing, features)
        top_coverage = self._coverage(prepared, _haystack(hits[0]), sum(prepared.weights) or 1.0) if hits else 0.0
        holds_anchor = any(a.name in subject for a in prepared.anchors)
        related = (top_coverage >= 0.5 or holds_anchor) if prepared.language == "zh" else (
            (best.hit.dense_score or 0) >= 0.80)
        if not related:
            return Judgement("unrelated", _reason_unrelated(prepared.language, missing or absent), prepared.asked, (),
                             best, subject, missing, features)
        reason = _reason_mentions(prepared, subject, missing or absent, best)
        if place:
            reason = f"档案中只有《{own_law}》，没有{place}的这部条例。"
        return Judgement("mentions", reason, prepared.asked, (), best, subject, missing, features)

    def _value_unstated(self, asked: Asked, ranked: list[Evidence], chosen: Evidence) -> bool:
        """The best sentences speak of the counted thing (the dated event), and the answering article
        never counts (dates) it.

        "钱塘区一共设立了多少个企业经济联络点？": the article says it set up 联络点, and counts the 经济观测站
        (在六个产业平台设立经济观测站); six is not the answer. Read only where the question counts one thing
        it names after the classifier (asked.counted); a question in other words than the article's
        (多少民意征集 for 座谈会7次, 问卷566份) finds no sentence speaking of it, and is judged as before.
        Likewise "座谈会是哪一天召开的" is not answered by the date of the article's other meeting."""
        if asked.kind == "quantity" and asked.counted:
            speaks, bound = (lambda text: asked.measure in text), asked.bound_in
        elif asked.kind in ("date", "person") and asked.event:
            speaks, bound = asked.says_event, asked.event_in
        else:
            return False
        if not any(speaks(e.sentence) for e in ranked[:TOP_SENTENCES]):
            return False
        return not any(bound(sentence) for sentence in self.article_sentences(chosen.hit)[0])

    # --- evidence ------------------------------------------------------------------------------
    def sentence_features(self, question: str, hits: list[Hit]) -> tuple[np.ndarray, list[Evidence]]:
        """Feature rows for every candidate sentence (for fitting and for tests)."""
        return self._score_rows(self._prepare(question), hits)

    def _prepare(self, question: str) -> _Question:
        from .answering import question_language

        language = question_language(question)
        if language == "zh":
            terms = tuple(content_terms(question))
        else:  # the English question's words as the archive's Chinese terms (the retriever's bridge)
            terms = tuple(self.english_terms(question)) if self.english_terms else ()
        weights = tuple(self._idf(t) for t in terms)
        return _Question(question, language, asked_for(question, language), terms, weights,
                         question_anchors(question, language), self.query_vector(question),
                         _bigrams(question))

    def query_vector(self, question: str) -> np.ndarray:
        return question_vector(self.embedder, question)

    def _score_rows(self, q: _Question, hits: list[Hit]) -> tuple[np.ndarray, list[Evidence]]:
        rows: list[list[float]] = []
        evidence: list[Evidence] = []
        total = sum(q.weights) or 1.0
        for rank, hit in enumerate(hits[:CANDIDATE_HITS]):
            sentences, vectors = self.article_sentences(hit)
            if not sentences:
                continue
            haystack = _haystack(hit)
            title = compact(hit.article.title).lower()
            cosines = vectors @ q.vector
            title_cos = float(passage_vector(self.embedder, hit.article.title) @ q.vector)
            keys = [compact(s).lower() for s in sentences]
            anchors_found = sum(1 for anchor in q.anchors if anchor.found_in(haystack))
            anchors_article = anchors_found / len(q.anchors) if q.anchors else 1.0
            anchors_missing = len(q.anchors) - anchors_found
            strong_missing = sum(1 for anchor in q.anchors if anchor.strong and not anchor.found_in(haystack))
            lex_article = self._coverage(q, haystack, total)
            # The question's rarest topic word (highest IDF) in the article: the subject itself, 老旧小区
            # in "西湖区在老旧小区改造方面…", which an article about 西湖区 and another subject lacks.
            rarest_article = float(compact(q.terms[int(np.argmax(q.weights))]).lower() in haystack) if q.terms else 1.0
            meta = _meta_present(q.asked.kind, hit)
            kinds = [(q.asked.held_by(s) and not other_law(q.text, s)) if q.asked.wants_value else True
                     for s in sentences]
            measure = compact(q.asked.measure).lower()
            for i, sentence in enumerate(sentences):
                lo, hi = max(0, i - 1), min(len(sentences), i + 2)
                window = title + "".join(keys[lo:hi])
                neighbours = [float(cosines[j]) for j in range(lo, hi) if j != i]
                rows.append([
                    float(cosines[i]),
                    0.0,  # cos_gap, filled in below once every candidate's cosine is known
                    max(neighbours) if neighbours else float(cosines[i]),
                    title_cos,
                    self._coverage(q, keys[i], total),
                    self._coverage(q, window, total),
                    lex_article,
                    anchors_article,
                    float(anchors_missing),
                    float(kinds[i]),
                    float(any(kinds[lo:hi])),
                    1.0 if not measure else float(measure in keys[i]),
                    1.0 if not measure else float(measure in window),
                    1.0 / (rank + 1),
                    float(hit.dense_score if hit.dense_score is not None else cosines.max()),
                    float(q.language == "en"),
                    meta,
                    _bigram_share(q.bigrams, keys[i]),
                    float(strong_missing),
                    float(cosines[i] - cosines.max()),
                    float(i == 0),
                    math.log(1 + len(keys[i])),
                    rarest_article,
                ])
                evidence.append(Evidence(rank, hit, i, sentence, 0.0))
        matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))
        if len(matrix):
            # e5's cosines crowd together: how far a sentence is from the best candidate says more.
            matrix[:, 1] = matrix[:, 0] - matrix[:, 0].max()
        return matrix, evidence

    def _coverage(self, q: _Question, text: str, total: float) -> float:
        if not q.terms:
            return 0.0
        return sum(w for t, w in zip(q.terms, q.weights) if compact(t) in text) / total

    def article_sentences(self, hit: Hit) -> tuple[list[str], np.ndarray]:
        key = hit.article.article_id
        if key not in self._sentences:
            stored = None
            if self.store is not None:
                stored = self.store.sentence_vectors(key, self.embedder.dim)
            if stored is None:  # an index built before sentence vectors, or a test without a store
                sentences = split_sentences(hit.article.text)
                stored = (sentences, self.embedder.embed_passages(sentences))
            if len(self._sentences) > 4096:
                self._sentences.clear()
            self._sentences[key] = stored
        return self._sentences[key]

    def _idf(self, term: str) -> float:
        df = self.doc_freq.get(term.lower())
        if df is None:
            df = 1  # unknown to the index as one token (jieba cut it differently): weigh it as rare
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def _subject(self, q: _Question, hits: list[Hit]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The question's terms the best candidate article holds, and the anchors none holds."""
        if not hits:
            return (), tuple(a.name for a in q.anchors)
        haystacks = [_haystack(hit) for hit in hits[:CANDIDATE_HITS]]
        missing = tuple(anchor.name for anchor in q.anchors if not any(anchor.found_in(h) for h in haystacks))
        top = haystacks[0]
        held = [t for t in q.terms if compact(t).lower() in top]
        held += [a.name for a in q.anchors if a.found_in(top) and a.name not in held]
        return tuple(held[:4]), missing


def _bigrams(text: str) -> frozenset[str]:
    chars = re.sub(r"[^\w\u3400-\u9fff]", "", compact(text).lower())
    return frozenset(chars[i:i + 2] for i in range(len(chars) - 1))


def _bigram_share(question_bigrams: frozenset[str], sentence_key: str) -> float:
    """Share of the question's character bigrams found in the sentence: names and figures survive paraphrase."""
    if not question_bigrams:
        return 0.0
    return sum(1 for g in question_bigrams if g in sentence_key) / len(question_bigrams)


def _with_score(item: Evidence, score: float) -> Evidence:
    return Evidence(item.hit_rank, item.hit, item.index, item.sentence, score)


def decision_index(rows: np.ndarray, logits: np.ndarray) -> int:
    """The sentence the verdict is read at: among the five best-ranked sentences of articles that name
    everything the question names (of all articles, when none does), the best that holds the asked kind
    of value, or the best of them when none does."""
    kind, strong = FEATURES.index("kind"), FEATURES.index("strong_missing")
    order = np.argsort(-logits, kind="stable")
    naming = [i for i in order if rows[i][strong] == 0]
    pool = (naming or list(order))[:TOP_SENTENCES]
    holding = [i for i in pool if rows[i][kind] > 0]
    return int(holding[0] if holding else pool[0])


def decision_row(rows: np.ndarray, logits: np.ndarray, evidence: list[Evidence]) -> np.ndarray:
    """The question-level features, read at the best-ranked sentence that holds the asked kind of value
    among the five best-ranked (or the best-ranked sentence, when none does)."""
    column = {name: i for i, name in enumerate(FEATURES)}
    order = np.argsort(-logits, kind="stable")
    top = order[:TOP_SENTENCES]
    holding = [i for i in top if rows[i][column["kind"]] > 0]
    best = decision_index(rows, logits)
    row = rows[best]
    return np.array([
        float(logits[best]), row[column["cos"]], row[column["cos_window"]], row[column["lex_window"]],
        row[column["lex_article"]], row[column["anchors_article"]], row[column["anchors_missing"]],
        row[column["kind_window"]], row[column["measure_window"]],
        float(bool(holding)), max(rows[i][column["measure"]] for i in top),
        row[column["english"]], row[column["meta"]], row[column["chunk_cos"]], row[column["bigrams"]],
        row[column["rarest_article"]],
        # The question's subject held better by another candidate article than by the one answering: a
        # question about 拱墅区's 商会调解中心, answered from 拱墅区's article while 西湖区's holds the 中心.
        row[column["lex_article"]] - rows[:, column["lex_article"]].max(),
        row[column["cos_gap"]],  # the same, by meaning: a sentence elsewhere is closer to the question
    ])


_LAW_SUFFIX = ("条例", "办法", "规定", "决定", "规则", "细则", "法")
_LAW_PREFIX = re.compile(r"^(?:杭州市|浙江省|中华人民共和国|全国|省|市)")
_DRAFT = re.compile(r"[（(](?:草案|修订草案|修正草案|试行)[）)]$")
LAW_NAMED = 0.5  # share of a law name's character pairs a question must hold to name that law


def other_law(question: str, sentence: str) -> bool:
    """Does the sentence name only laws other than the one the question asks about?

    "萧山收集的营商环境条例草案意见被采纳了多少条" is not answered by "《浙江省农村生活污水条例》…建议被采纳7条":
    a value the sentence gives belongs to the law it names. The question names a law in 《》 (without
    杭州市/浙江省 and （草案）) or by the four characters before 条例 (城市大脑条例 for 《杭州城市大脑赋能城市治理促进
    条例》); the sentence's law is that one when it holds half of the name's character pairs."""
    names = [_law_core(name) for name in _LAW.findall(question)]
    bare = _LAW.sub("", question)
    names += [bare[max(0, m.start() - 4):m.start()] for m in re.finditer("条例", bare)
              if m.start() >= 2 and bare[m.start() - 1] not in "部该本个项的这此"]
    names = [name for name in names if len(_bigram_list(name)) >= 2]
    laws = [law for law in map(_law_core, _LAW.findall(sentence)) if law.endswith(_LAW_SUFFIX)]
    if not names or not laws:
        return False
    return not any(sum(1 for pair in _bigram_list(name) if pair in law) >= LAW_NAMED * len(_bigram_list(name))
                   for name in names for law in laws)


_ENACTED_BY = r"(?:市|省)?(?:人大(?:常委会)?)?(?:出台|制定|颁布|通过|施行|实施)?(?:的|了)?(?:那部|这部|一部)?"


def law_elsewhere(question: str, text: str) -> tuple[str, str]:
    """The place whose law the question asks about ("深圳出台的矛盾纠纷多元化解条例") and the text's law of
    that name, when that law is another place's (《杭州市矛盾纠纷预防和多元化解条例》); else empty strings.

    An article that names 深圳 as a city its drafters visited still speaks of Hangzhou's law. Only a place
    written right before the law (with 出台的, 那部 and the like between) is the law's own."""
    segmenter()
    import jieba.posseg as posseg

    def a_place(word: str) -> bool:  # jieba tags 深圳市人大 as an organisation: look the name up alone
        return posseg.dt.word_tag_tab.get(word) == "ns" or word in lexicon().districts

    bare = _LAW.sub("□", question)
    for match in re.finditer("条例", bare):
        head = bare[:match.start()]
        for at in range(len(head)):
            for place in (head[at:at + 3], head[at:at + 2]):
                found = a_place(place) and re.fullmatch(_ENACTED_BY + r"([\u4e00-\u9fff]{2,16})",
                                                         head[at + len(place):])
                if not found:
                    continue
                core = _bigram_list(found.group(1))
                same_name = [law for law in _LAW.findall(text) if law.endswith(_LAW_SUFFIX)
                             and sum(1 for pair in core if pair in law) >= LAW_NAMED * len(core)]
                if same_name and not any(place in law for law in same_name):
                    return place, same_name[0]
    return "", ""


def _law_core(name: str) -> str:
    return _LAW_PREFIX.sub("", _DRAFT.sub("", name.strip()))


def _bigram_list(text: str) -> list[str]:
    key = compact(text).lower()
    return [key[i:i + 2] for i in range(len(key) - 1)]


def _reason_unrelated(language: str, missing: tuple[str, ...] = ()) -> str:
    names = [m.removeprefix("py:") for m in missing]
    if language == "en":
        return (f"The archive does not mention {', '.join(n.title() for n in names)}." if names
                else "The archive holds nothing on this subject.")
    return f"档案中没有提到“{'、'.join(names)}”。" if names else "档案中没有与这个问题相关的内容。"


def _reason_mentions(q: _Question, subject: tuple[str, ...], missing: tuple[str, ...], best: Evidence) -> str:
    title = best.hit.article.title
    if q.language == "en":
        if missing:
            return (f"The archive has related articles (closest: 《{title}》), but none mentions "
                    + ", ".join(m.removeprefix("py:") for m in missing) + ".")
        what = _KIND_NAMES_EN.get(q.asked.kind, "an answer to this question")
        return f"The archive discusses this subject (closest: 《{title}》), but does not give {what}."
    held = "、".join(subject) if subject else f"《{title}》所讲的内容"
    if missing:
        return f"档案提到了{held}，但没有提到“{'、'.join(m.removeprefix('py:') for m in missing)}”。"
    what = _KIND_NAMES_ZH.get(q.asked.kind)
    if q.asked.kind == "quantity" and q.asked.measure:
        what = f"{q.asked.measure}的具体数字"
    elif q.asked.kind == "date" and q.asked.event:
        what = f"{q.asked.event}的具体时间"  # 没有提到其召开的具体时间
    elif q.asked.kind == "person" and q.asked.event:
        what = f"{q.asked.event}者的姓名"  # 没有提到其督办者的姓名
    if what:
        return f"档案提到了{held}，但没有提到其{what}。"
    return f"档案提到了{held}，但没有能直接回答这个问题的内容。"


def names_issue(question: str, hit: Hit) -> bool:
    """The question names this hit's issue by its number, and the issue's masthead was read."""
    return bool(_meta_present("issue", hit)) and question_names_issue(question, hit.issue)


def asks_about_named_issue(question: str, kind: str, hit: Hit) -> bool:
    """A question about the issue itself, named by number: when it came out, which issue it is, its editor
    (总第711期是哪天出版的, 总第697期是哪年哪月出的). Not one about an article in it (总第697期里讲茶叶的文章登在
    哪个栏目): none of the question's own words, the issue's name aside, is in the article that ranked first."""
    if kind not in ("issue", "date") or not names_issue(question, hit):
        return False
    if not re.search(r"[\u4e00-\u9fff]", question):
        return True  # "When was issue No. 711 published?": an English question names the issue and little else
    rest = re.sub(r"总第\s*\d+\s*期|第\s*\d+\s*期|(?:19|20)\d{2}\s*年|《[^》]*》", " ", question)
    text = compact(hit.article.title + hit.article.text)
    return not any(term in text for term in content_terms(rest) if len(term) >= 2)


def _meta_present(kind: str, hit: Hit) -> float:
    if kind == "issue":
        return float(hit.issue.issue_no is not None or bool(hit.issue.date))
    if kind == "byline":
        return float(bool(hit.article.byline))
    if kind == "column":
        return float(bool(hit.article.column))
    return 1.0


@lru_cache(maxsize=4096)
def _haystack_key(title: str, text: str, byline: str, district: str, publication: str, label: str, date: str,
                  source: str, column: str) -> str:
    return compact(" ".join([title, text, byline, district, publication, label, date, chinese_date(date), source,
                             column])).lower()


def _haystack(hit: Hit) -> str:
    """Everything an article and its issue say, compacted: where anchors and topic words are looked for."""
    a, i = hit.article, hit.issue
    footer = f"责任编辑{i.editor}电话{i.phone}" if i.editor or i.phone else ""
    return _haystack_key(a.title, a.text, a.byline, a.district, i.publication, i.label, i.date, i.source,
                         a.column + footer)


@dataclass(frozen=True)
class Anchor:
    """Something the question names that an answering article must mention, in its accepted forms.

    Strong anchors (years, issue numbers, laws, quoted names, places with their 市/区/县, people,
    pinyin names in English) decide on their own: an article without one cannot answer. A bare
    place name jieba guesses (宁波, but also 上门) is weak: only evidence for the fitted model."""

    forms: tuple[str, ...]
    strong: bool = True
    quoted: bool = False  # a name the question quotes, as a reader remembers it: matched loosely
    label: str = ""  # how a refusal names it, when not as its first form

    @property
    def name(self) -> str:
        return self.label or self.forms[0]

    def found_in(self, haystack: str) -> bool:
        if self.quoted:
            return any(_quoted_in(haystack, form) for form in self.forms)
        return self.written_in(haystack)

    def written_in(self, haystack: str) -> bool:
        """Found as written: what a claim quotes must be in its source exactly."""
        return any(_mentions(haystack, form) for form in self.forms)


@lru_cache(maxsize=1024)
def question_anchors(question: str, language: str) -> tuple[Anchor, ...]:
    """What the question names that an answering article must mention.

    Years, issue numbers, laws in 《》, quoted names, and the places and people jieba recognises;
    in English, years and names written in pinyin (Xiaoshan, Li Huolin), matched by sound.
    """
    anchors: list[Anchor] = [Anchor((year,)) for year in _YEAR.findall(question)]
    for match in _ISSUE_NO.finditer(question):
        anchors.append(Anchor((f"第{match.group(1)}期",) if match.group(1) else (f"总第{match.group(2)}期",)))
    anchors += [Anchor((law,)) for law in _LAW.findall(question)]
    if language == "en":
        # "issue No. 711", "issue 5": 第711期 is written in 总第711期 as well, so one form finds either number
        anchors += [Anchor((f"第{n}期",), label=f"issue {n}") for n in EN_ISSUE_NO.findall(question)]
        for match in _EN_NAME.finditer(question):
            name = match.group(0)
            if re.search(r"(?:^|[.?!]\s*)$", question[: match.start()]):
                name = " ".join(name.split()[1:])  # a capital that only starts the sentence marks no name
            for part in re.split(r"'s\b", name):  # Tonglu's Jiuxian: two names, each its own anchor
                words = [w for w in part.split() if w.lower() not in _EN_COMMON]
                letters = re.sub(r"[^a-z]", "", " ".join(words).lower())
                if letters and PINYIN_WORD.fullmatch(letters):
                    anchors.append(_pinyin_anchor(letters))
        return tuple(dict.fromkeys(anchors))
    anchors += [Anchor((name,), quoted=True) for name in _QUOTED_NAME.findall(question)]
    segmenter()
    import jieba.posseg as posseg

    lex = lexicon()
    for word in posseg.cut(question):
        token = word.word.strip()
        if len(token) < 2 or token in lex.home_places or token in STOPWORDS:
            continue
        if any(token.startswith(home) for home in lex.home_places if len(home) >= 2):
            continue  # 杭州市委, 浙江省人大: the home city's own bodies, not a place to match
        if token in lex.districts or (word.flag == "ns" and not re.search(r"[多少几哪什么]", token)):
            anchors.append(Anchor(_place_variants(token), strong=token in lex.districts or token[-1] in _PLACE_SUFFIX))
        elif word.flag == "nr" and looks_like_name(token):
            anchors.append(Anchor((token,)))
    return tuple(dict.fromkeys(anchors))


_PLACE_SUFFIX = "省市区县镇乡村州"


def _pinyin_anchor(letters: str) -> Anchor:
    """A name an English question writes in pinyin, matched by sound. One that sounds like a district of
    the city without its suffix (Qiantang, Xihu) is that district, as 钱塘区 is in a Chinese question: an
    article names it in full or carries it as its district; 钱塘智慧城 in another district's article, or
    the lake of 西湖, is not it."""
    for district in lexicon().districts:
        if pinyin_of(district[:-1]) == letters:
            return Anchor(("py:" + pinyin_of(district),), label="py:" + letters)
    return Anchor(("py:" + letters,))


def looks_like_name(token: str) -> bool:
    """A 2-3 character token jieba tags as a person is a name when it starts with a surname and the rest
    is not an everyday word (段时间 is 段 + 时间, not a person)."""
    if not 2 <= len(token) <= 3 or token[0] not in lexicon().surnames or re.search(r"[多少几哪什么谁]", token):
        return False
    return (segmenter().dt.FREQ.get(token[1:]) or 0) < 5000


def _place_variants(token: str) -> tuple[str, ...]:
    """宁波市 also matches 宁波. A district of the city does not: 西湖 is as often the lake or the tea, and an
    article about 西湖区 names it in full or carries it as its district."""
    variants = [token]
    if len(token) >= 3 and token[-1] in "市区县省镇" and token not in lexicon().districts:
        variants.append(token[:-1])
    return tuple(variants)


QUOTE_BIGRAMS = 0.8  # share of a quoted name's character pairs one stretch of the article must hold


def _quoted_in(haystack: str, quote: str) -> bool:
    """A quoted name is found as written, or as a reader recalls it: nearly all its character pairs within
    one stretch of twice its length ("建德市燃气安全网" for the title 建德市：强化监督助推筑牢燃气“安全网”;
    "连续三年专题调研" for 连续三年分别围绕…开展专题调研 would need a longer stretch and is not). A changed
    name (“健康镇长” for 健康村长) keeps too few of its pairs."""
    key = compact(quote).lower()
    if key in haystack:
        return True
    pairs = {key[i:i + 2] for i in range(len(key) - 1)}
    if len(pairs) < 4:  # a short name is matched as written
        return False
    span = 2 * len(key)
    starts = sorted({m.start() for pair in pairs for m in re.finditer(re.escape(pair), haystack)})
    for start in starts:
        window = haystack[start:start + span]
        if sum(1 for pair in pairs if pair in window) >= QUOTE_BIGRAMS * len(pairs):
            return True
    return False


def _mentions(haystack: str, option: str) -> bool:
    if option.startswith("py:"):
        return option[3:] in pinyin_of(haystack)
    return compact(option).lower() in haystack


# A run of pinyin syllables (Ningbo, Shenzhen, Li Huolin): only such names can be checked by sound.
PINYIN_WORD = re.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|uan|ian|iao|uai|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ue|ui|er|a|o|e|i|u|v))+"
)


@lru_cache(maxsize=256)
def pinyin_of(text: str) -> str:
    """Toneless pinyin of Chinese text, letters only: 淳安县 -> chunanxian."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


def column_named(question: str, hits: list[Hit]) -> tuple[Issue, str] | None:
    """The issue and column a question names (第5期“情况交流”栏目…), from the hits that have them: the
    issue the question names by number, else that of the best such hit. None when it names none: a
    column is named as one in quotes or with 栏 (代表工作 alone is a topic, not the column of that name)."""
    named = [hit for hit in hits if hit.article.column and _as_a_column(hit.article.column, question)]
    if not named:
        return None
    numbers = {(bool(total), int(n)) for total, n in re.findall(r"(总)?第\s*(\d+)\s*期", question)}
    of_issue = [hit for hit in named if (False, hit.issue.issue_no) in numbers or (True, hit.issue.total_no) in numbers]
    best = (of_issue or named)[0]
    return best.issue, best.article.column


def _as_a_column(column: str, question: str) -> bool:
    return bool(re.search(rf"[“「\"']{re.escape(column)}[”」\"']|{re.escape(column)}\s*(?:一)?栏|栏目\s*[“「\"']?{re.escape(column)}",
                          question))
