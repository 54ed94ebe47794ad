"""Split articles into token-sized chunks at Chinese sentence ends, one article at a time."""

from __future__ import annotations

from functools import lru_cache

from .citations import chunk_header
from .records import Article, Chunk, Issue
from .tokens import count_tokens

# Sentence ends first, then clause breaks, then anything: keep_separator="end" keeps 。 on its sentence.
SEPARATORS = ["\n", "。", "！", "？", "；", "，", "、", ""]


@lru_cache(maxsize=4)
def _splitter(chunk_tokens: int, overlap: int):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        length_function=count_tokens,
        strip_whitespace=True,
    )


def chunk_article(issue: Issue, article: Article, chunk_tokens: int = 320, overlap: int = 48) -> list[Chunk]:
    """Chunks of one article; ids depend only on the article id and position, so re-ingest keeps them."""
    header = chunk_header(issue, article)
    pieces = _splitter(chunk_tokens, overlap).split_text(article.text)
    return [
        Chunk(
            chunk_id=f"{article.article_id}-{ordinal:03d}",
            article_id=article.article_id,
            ordinal=ordinal,
            text=piece,
            embed_text=f"{header}\n{piece}",
        )
        for ordinal, piece in enumerate(pieces)
    ]
