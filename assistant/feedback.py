"""Thumbs up or down on answers, kept in feedback.sqlite inside the index directory.

Not in the generation's store.sqlite: generations are replaced by every ingest, and feedback
written between a writer's copy and its switch would be lost.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

FEEDBACK_FILE = "feedback.sqlite"
MAX_COMMENT = 2000
_LOCK = threading.Lock()


class FeedbackUnavailable(Exception):
    pass


class FeedbackStore:
    """Feedback rows; on an index directory that cannot be written, `disabled` says why and nothing is kept."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / FEEDBACK_FILE
        self.disabled = ""
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, "
                    "rating INTEGER NOT NULL, comment TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, "
                    "mode TEXT NOT NULL, sources TEXT NOT NULL)"
                )
        except (OSError, sqlite3.Error) as exc:
            self.disabled = f"反馈功能不可用：索引目录不可写（{exc}）"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def add(self, rating: int, question: str, answer: str, mode: str, sources: list[dict], comment: str = "") -> int:
        if rating not in (1, -1):
            raise ValueError(f"rating must be 1 or -1. Currently, rating is {rating}")
        if self.disabled:
            raise FeedbackUnavailable(self.disabled)
        with _LOCK, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback(created_at, rating, comment, question, answer, mode, sources) VALUES (?,?,?,?,?,?,?)",
                (datetime.now(timezone.utc).isoformat(timespec="seconds"), rating, comment[:MAX_COMMENT], question,
                 answer, mode, json.dumps(sources, ensure_ascii=False)),
            )
            return int(cursor.lastrowid)

    def all(self) -> list[dict]:
        if self.disabled:
            return []
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT * FROM feedback ORDER BY id")]
