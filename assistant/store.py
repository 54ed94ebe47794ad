"""The SQLite store of an index generation: issues, articles, chunks (with vectors and tokens)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .records import Article, Chunk, Filters, Issue

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS issues (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, publication TEXT NOT NULL, edition TEXT NOT NULL,
    issue_no INTEGER, total_no INTEGER, date TEXT NOT NULL, ingested_at TEXT NOT NULL,
    editor TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, source TEXT NOT NULL REFERENCES issues(source) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL, byline TEXT NOT NULL,
    department TEXT NOT NULL, authors TEXT NOT NULL, district TEXT NOT NULL, column_name TEXT NOT NULL,
    paragraphs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, text TEXT NOT NULL, embed_text TEXT NOT NULL, tokens TEXT NOT NULL,
    vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sentences (
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (article_id, ordinal));
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, vector BLOB NOT NULL, hubness REAL NOT NULL);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
"""


class Store:
    """Typed access to one SQLite file. Writers use one transaction per ingest."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self.removed_any = False
        if readonly:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(path, check_same_thread=False)
            self.db.executescript(_SCHEMA)
            for column in ("editor", "phone"):  # an index written before the footer was kept
                if column not in self._issue_columns():
                    self.db.execute(f"ALTER TABLE issues ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        self.db.execute("PRAGMA foreign_keys = ON")

    def _issue_columns(self) -> set[str]:
        return {row[1] for row in self.db.execute("PRAGMA table_info(issues)")}

    def _issue_fields(self) -> str:
        """The issues columns to read: an index written before the footer was kept reads them as empty."""
        present = self._issue_columns()
        footer = ", ".join(c if c in present else "''" for c in ("editor", "phone"))
        return f"source, sha256, publication, edition, issue_no, total_no, date, {footer}"

    def close(self) -> None:
        self.db.close()

    # --- meta -------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- writing ------------------------------------------------------------------------
    def put_issue(self, issue: Issue, articles: list[Article], chunks: list[Chunk], tokens: list[list[str]],
                  vectors: np.ndarray) -> None:
        """Insert an issue with its articles and chunks, replacing any earlier version of the source."""
        self.remove_issue(issue.source)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.db.execute(
            "INSERT INTO issues(source, sha256, publication, edition, issue_no, total_no, date, ingested_at, editor, phone) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (issue.source, issue.sha256, issue.publication, issue.edition, issue.issue_no, issue.total_no,
             issue.date, now, issue.editor, issue.phone),
        )
        self.db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (a.article_id, a.source, a.ordinal, a.title, a.kind, a.byline, a.department,
                 json.dumps(list(a.authors), ensure_ascii=False), a.district, a.column,
                 json.dumps(list(a.paragraphs), ensure_ascii=False))
                for a in articles
            ],
        )
        self.db.executemany(
            "INSERT INTO chunks(chunk_id, article_id, ordinal, text, embed_text, tokens, vector) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (c.chunk_id, c.article_id, c.ordinal, c.text, c.embed_text, " ".join(t),
                 np.asarray(v, dtype=np.float32).tobytes())
                for c, t, v in zip(chunks, tokens, vectors)
            ],
        )

    def put_sentences(self, article_id: str, sentences: list[str], vectors: np.ndarray) -> None:
        """The sentences of one article with their vectors: the answerability judge's evidence."""
        self.db.executemany(
            "INSERT OR REPLACE INTO sentences(article_id, ordinal, text, vector) VALUES (?, ?, ?, ?)",
            [(article_id, i, text, np.asarray(v, dtype=np.float32).tobytes())
             for i, (text, v) in enumerate(zip(sentences, vectors))],
        )

    def remove_issue(self, source: str) -> bool:
        cursor = self.db.execute("DELETE FROM issues WHERE source = ?", (source,))
        if cursor.rowcount > 0:
            self.removed_any = True  # the vector index must be rebuilt, not extended
        return cursor.rowcount > 0

    # --- reading ------------------------------------------------------------------------
    def sources(self) -> dict[str, str]:
        """source file name -> sha256 of the ingested content."""
        return dict(self.db.execute("SELECT source, sha256 FROM issues"))

    def issues(self) -> list[Issue]:
        rows = self.db.execute(f"SELECT {self._issue_fields()} FROM issues ORDER BY date DESC, source")
        return [_issue(row) for row in rows]

    def issue(self, source: str) -> Issue | None:
        row = self.db.execute(f"SELECT {self._issue_fields()} FROM issues WHERE source = ?", (source,)).fetchone()
        return _issue(row) if row else None

    def articles(self, source: str | None = None) -> list[Article]:
        query = "SELECT * FROM articles" + (" WHERE source = ?" if source else "") + " ORDER BY source, ordinal"
        return [_article(row) for row in self.db.execute(query, (source,) if source else ())]

    def article(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT * FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        return _article(row) if row else None

    def chunks_by_rowid(self, rowids: list[int]) -> dict[int, Chunk]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.db.execute(
            f"SELECT id, chunk_id, article_id, ordinal, text, embed_text FROM chunks WHERE id IN ({marks})",
            [int(r) for r in rowids],
        )
        return {row[0]: Chunk(*row[1:]) for row in rows}

    def chunks_of(self, article_id: str) -> tuple[Chunk, ...]:
        rows = self.db.execute("SELECT chunk_id, article_id, ordinal, text, embed_text FROM chunks WHERE article_id = ? "
                               "ORDER BY ordinal", (article_id,))
        return tuple(Chunk(*row) for row in rows)

    def sentence_vectors(self, article_id: str, dim: int) -> tuple[list[str], np.ndarray] | None:
        """(sentences, vectors) of an article in order, or None when the index predates sentence vectors."""
        try:
            rows = self.db.execute(
                "SELECT text, vector FROM sentences WHERE article_id = ? ORDER BY ordinal", (article_id,)
            ).fetchall()
        except sqlite3.OperationalError:  # an index written before the sentences table existed
            return None
        if not rows:
            return None
        vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), dim)
        return [row[0] for row in rows], vectors

    def all_sentence_vectors(self, dim: int) -> tuple[list[str], np.ndarray]:
        """(article id of each sentence, vectors) of every stored sentence."""
        try:
            rows = self.db.execute("SELECT article_id, vector FROM sentences").fetchall()
        except sqlite3.OperationalError:  # an index written before sentence vectors
            return [], np.zeros((0, dim), dtype=np.float32)
        vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), dim)
        return [row[0] for row in rows], vectors

    def missing_terms(self, terms: set[str]) -> set[str]:
        """The vocabulary terms without a stored vector (assistant/crosslingual.py)."""
        stored = {row[0] for row in self.db.execute("SELECT term FROM terms")}
        return terms - stored

    def put_terms(self, terms: list[str], vectors: np.ndarray, hubness: np.ndarray) -> None:
        self.db.executemany("INSERT OR REPLACE INTO terms (term, vector, hubness) VALUES (?, ?, ?)",
                            [(t, np.asarray(v, dtype=np.float32).tobytes(), float(h))
                             for t, v, h in zip(terms, vectors, hubness)])

    def term_vectors(self, dim: int):
        """The vocabulary's TermVectors, empty for an index written before them."""
        from .crosslingual import TermVectors

        try:
            rows = self.db.execute("SELECT term, vector, hubness FROM terms ORDER BY term").fetchall()
        except sqlite3.OperationalError:
            rows = []
        vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), dim)
        return TermVectors([row[0] for row in rows], vectors, np.array([row[2] for row in rows], dtype=np.float32))

    def all_vectors(self, dim: int, after: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(rowids, vectors) of every chunk with rowid > after, in rowid order."""
        rows = self.db.execute("SELECT id, vector FROM chunks WHERE id > ? ORDER BY id", (after,)).fetchall()
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), dim)
        return ids, vectors

    def all_tokens(self) -> tuple[np.ndarray, list[list[str]]]:
        rows = self.db.execute("SELECT id, tokens FROM chunks ORDER BY id").fetchall()
        return np.array([row[0] for row in rows], dtype=np.int64), [row[1].split() for row in rows]

    def rowids_matching(self, filters: Filters) -> np.ndarray:
        """Chunk rowids whose issue and article pass the filters."""
        clauses, params = [], []
        if filters.date_from:
            clauses.append("i.date >= ? AND i.date != ''")
            params.append(filters.date_from)
        if filters.date_to:
            clauses.append("i.date <= ? AND i.date != ''")
            params.append(filters.date_to)
        if filters.sources:
            clauses.append(f"i.source IN ({','.join('?' * len(filters.sources))})")
            params.extend(filters.sources)
        if filters.districts:
            clauses.append(f"a.district IN ({','.join('?' * len(filters.districts))})")
            params.extend(filters.districts)
        where = " AND ".join(clauses) or "1"
        rows = self.db.execute(
            "SELECT c.id FROM chunks c JOIN articles a ON a.article_id = c.article_id "
            f"JOIN issues i ON i.source = a.source WHERE {where}",
            params,
        )
        return np.array([row[0] for row in rows], dtype=np.int64)

    def counts(self) -> dict[str, int]:
        return {
            table: self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("issues", "articles", "chunks")
        }

    def occurrences(self, text: str) -> int:
        """How often text occurs in the articles' titles and bodies."""
        if not text:
            return 0
        row = self.db.execute(
            "SELECT COALESCE(SUM((LENGTH(title) + LENGTH(paragraphs) - LENGTH(REPLACE(title, ?1, '')) "
            "- LENGTH(REPLACE(paragraphs, ?1, ''))) / LENGTH(?1)), 0) FROM articles", (text,)).fetchone()
        return int(row[0])

    def mean_chunk_length(self) -> float:
        """The mean length of a chunk's text in characters."""
        return float(self.db.execute("SELECT AVG(LENGTH(text)) FROM chunks").fetchone()[0] or 0.0)

    def districts(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT district FROM articles ORDER BY district")]


def _issue(row) -> Issue:
    return Issue(source=row[0], sha256=row[1], publication=row[2], edition=row[3], issue_no=row[4],
                 total_no=row[5], date=row[6], editor=row[7], phone=row[8])


def _article(row) -> Article:
    return Article(
        article_id=row[0], source=row[1], ordinal=row[2], title=row[3], kind=row[4], byline=row[5],
        department=row[6], authors=tuple(json.loads(row[7])), district=row[8], column=row[9],
        paragraphs=tuple(json.loads(row[10])),
    )
