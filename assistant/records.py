"""The typed records that travel the whole pipeline: issue -> article -> chunk -> hit."""

from __future__ import annotations

from dataclasses import dataclass, field

PUBLICATION = "杭州人大信息"


@dataclass(frozen=True)
class Issue:
    """One newsletter issue, i.e. one source file."""

    source: str  # file name, the key users see and `assistant remove` takes
    sha256: str
    publication: str = PUBLICATION
    edition: str = ""  # e.g. 普刊
    issue_no: int | None = None  # 期号
    total_no: int | None = None  # 总期号
    date: str = ""  # ISO date, empty when unknown
    editor: str = ""  # 本期责任编辑, from the issue's footer
    phone: str = ""  # the footer's 电话

    @property
    def label(self) -> str:
        """How the issue is named in citations: 第9期（总第697期）, or the file name."""
        if self.issue_no is not None and self.total_no is not None:
            return f"第{self.issue_no}期（总第{self.total_no}期）"
        if self.issue_no is not None:
            return f"第{self.issue_no}期"
        return self.source


@dataclass(frozen=True)
class Article:
    """An article or a one-paragraph brief (信息摘登) of an issue."""

    article_id: str
    source: str
    ordinal: int
    title: str
    kind: str  # "article" | "brief"
    byline: str
    department: str
    authors: tuple[str, ...]
    district: str
    column: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class ParsedIssue:
    """The result of parsing one file: the issue and its articles in order."""

    issue: Issue
    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A piece of one article, sized for the embedder; never spans two articles."""

    chunk_id: str
    article_id: str
    ordinal: int
    text: str  # the article text this chunk covers
    embed_text: str  # header (issue, date, title) + text: what gets embedded and BM25-indexed


@dataclass(frozen=True)
class Hit:
    """A retrieved article with the chunks that matched, ready to cite."""

    issue: Issue
    article: Article
    chunks: tuple[Chunk, ...]
    score: float  # fused (RRF) score
    dense_score: float | None = None  # best cosine of its chunks, if dense ran


@dataclass(frozen=True)
class Filters:
    """Restrictions applied to retrieval."""

    date_from: str = ""
    date_to: str = ""
    sources: tuple[str, ...] = ()  # issue file names
    districts: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.sources or self.districts)


@dataclass(frozen=True)
class Citation:
    n: int
    hit: Hit
    quote: str
    score: float


@dataclass(frozen=True)
class CheckedClaim:
    """One sentence an LLM wrote, with the claim checker's verdict (supported | contradicted | not_found)."""

    text: str
    verdict: str
    reason: str = ""
    quote: str = ""  # the source sentence(s) it was checked against
    cited: tuple[int, ...] = ()  # the answer's citation numbers, when shown
    markers: tuple[int, ...] = ()  # the [n] the model wrote
    sources: tuple[int, ...] = ()  # the numbered sources (as the model saw them) that support it
    reattributed: bool = False  # supported, but not by the source the model's marker named


@dataclass(frozen=True)
class Answer:
    """What the assistant says to a question: quoted or verified text with its citations, or a refusal."""

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    language: str = "zh"
    closest: tuple[Hit, ...] = field(default_factory=tuple)
    mode: str = "extractive"  # "extractive" | "llm": which answerer wrote the text
    notice: str = ""  # shown to the user, e.g. why the LLM answer was replaced
    unsupported: tuple[str, ...] = ()  # LLM sentences removed by verification, with the reason
    checked: tuple[CheckedClaim, ...] = ()  # every LLM sentence with its verdict
    quoted: tuple[str, ...] = ()  # lines an LLM answer quotes from the sources (issues the model left out)
    rewritten: str = ""  # the standalone question a follow-up was rewritten into
    verdict: str = ""  # the answerability judge's verdict: answers | mentions | unrelated
    reason: str = ""  # why the archive does not answer, in the user's language
    timings: dict = field(default_factory=dict, compare=False)  # seconds: first_token, total
    retrieved: tuple[Hit, ...] = field(default_factory=tuple, compare=False, repr=False)  # what retrieval found

    @property
    def sources(self) -> list[Citation]:
        """The first citation of each source number, in order: one card, reference or list entry each."""
        first: dict[int, Citation] = {}
        for citation in self.citations:
            first.setdefault(citation.n, citation)
        return list(first.values())
