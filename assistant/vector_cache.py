"""Passage vectors kept across ingests, by the SHA-256 of the embedder's name and the text.

An ingest writes a new index generation and switches to it only at the end, so an ingest that is
interrupted (Ctrl-C, kill -9, a crash) leaves nothing of its work in the index. The vectors it computed
are the expensive part (about 95% of an ingest's time), and they are committed here as they are made:
the next ingest reuses them, and re-chunking or an edited file embeds only text it has not seen.

The cache lives beside the generations (`<index>/vectors.sqlite`), not inside them, so it survives
failed ingests, rollbacks and rebuilds. It only ever adds rows; deleting the file is always safe.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

CACHE_FILE = "vectors.sqlite"


def text_key(embedder_name: str, text: str) -> bytes:
    return hashlib.sha256(f"{embedder_name}\x00{text}".encode("utf-8")).digest()


class CachedEmbedder:
    """Wraps an embedder: `embed_passages` reads the cache first and commits what it had to compute.

    `reused` and `embedded` count passages served from the cache and passages computed.
    Questions are not cached (they are embedded once, at answer time).
    """

    def __init__(self, embedder, path: Path) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self.reused = 0
        self.embedded = 0
        self.db = sqlite3.connect(path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
        self.db.commit()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [text_key(self.name, text) for text in texts]
        found = self._lookup(set(keys))
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in found:
                missing.setdefault(key, text)
        if missing:
            vectors = self.inner.embed_passages(list(missing.values()))
            self.db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                                [(key, vector.astype(np.float32).tobytes()) for key, vector in zip(missing, vectors)])
            self.db.commit()  # durable now: a kill after this line loses none of these vectors
            found.update(zip(missing, vectors))
        self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out

    def embed_question(self, text: str) -> np.ndarray:
        return self.inner.embed_question(text)

    def embed_questions(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_questions(texts)

    def _lookup(self, keys: set[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            part = wanted[start: start + 500]
            rows = self.db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape[0] == self.dim:
                    found[key] = vector
        return found

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "CachedEmbedder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
