"""The index directory: generations of (SQLite store, FAISS vectors, BM25), switched atomically.

Layout::

    index/
      CURRENT            name of the live generation, replaced atomically (os.replace)
      gen-000007/        store.sqlite, dense.faiss, bm25/
      .lock              held by the one process that writes

A writer copies the live store into a new generation directory, applies its changes, rebuilds
the vectors and BM25 from the store, syncs everything to disk and only then points CURRENT at
it. A process killed at any moment leaves CURRENT naming a complete generation.
"""

from __future__ import annotations

import fcntl
import json
from datetime import datetime, timezone
import os
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import EmbedderMismatchError, IndexBusyError, IndexReadOnlyError, NoIndexError
from .store import SCHEMA_VERSION, Store

CURRENT = "CURRENT"
HISTORY_FILE = "history.json"
KEEP_GENERATIONS = 5  # finished generations kept on disk, so the last ingests can be undone
# Below this many chunks exact inner-product search is fast enough (about 5 ms at 26,000 chunks on
# 2 cores, see `assistant bench`); above it an HNSW graph keeps queries fast at recall@10 ~0.99.
HNSW_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_SEARCH = 96
STORE_FILE = "store.sqlite"
DENSE_FILE = "dense.faiss"
BM25_DIR = "bm25"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(Path(root))


def live_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if name and path.is_dir() else None


@dataclass
class ArchiveIndex:
    """A loaded, read-only generation: the store plus the dense and lexical indexes."""

    path: Path
    store: Store
    dense: object  # faiss.Index with chunk rowids as ids
    bm25: object  # bm25s.BM25
    bm25_ids: np.ndarray  # BM25 document position -> chunk rowid
    doc_freq: dict[str, int]
    n_chunks: int
    embedder_name: str
    dim: int

    @classmethod
    def open(cls, index_dir: Path, embedder_name: str | None = None) -> "ArchiveIndex":
        generation = live_generation(index_dir)
        if generation is None:
            raise NoIndexError(f"索引目录 {index_dir} 中还没有索引：请先运行 assistant ingest <文件或文件夹>")
        store = Store(generation / STORE_FILE, readonly=True)
        built_with = store.get_meta("embedder") or ""
        if embedder_name is not None and built_with != embedder_name:
            store.close()
            raise EmbedderMismatchError(
                f"索引由嵌入模型 {built_with} 构建，当前配置的是 {embedder_name}：请改回配置，"
                f"或用 --index 指定新目录重新导入"
            )
        import bm25s
        import faiss

        dense = faiss.read_index(str(generation / DENSE_FILE))
        _tune(dense)
        bm25 = bm25s.BM25.load(str(generation / BM25_DIR), mmap=False, show_progress=False, verbosity=0)
        bm25_ids = np.load(generation / BM25_DIR / "rowids.npy")
        doc_freq = document_frequencies(bm25)
        return cls(
            path=generation, store=store, dense=dense, bm25=bm25, bm25_ids=bm25_ids, doc_freq=doc_freq,
            n_chunks=int(len(bm25_ids)), embedder_name=built_with, dim=int(store.get_meta("dim") or 0),
        )

    def close(self) -> None:
        self.store.close()


class IndexWriter:
    """Context manager for one atomic change of the index (ingest or remove).

    with IndexWriter(index_dir, embedder.name, embedder.dim) as writer:
        writer.store.put_issue(...)
        writer.commit()
    Leaving the block without commit() discards the new generation; the live one stays. A change that
    embeds nothing (remove, metadata) passes no embedder name and keeps the live index's.
    """

    def __init__(self, index_dir: Path, embedder_name: str | None = None, dim: int | None = None,
                 keep: int = KEEP_GENERATIONS) -> None:
        self.index_dir = index_dir
        self.embedder_name = embedder_name
        self.dim = dim
        self.keep = max(2, keep)  # finished generations kept for `assistant rollback`
        self.store: Store | None = None
        self._lock = None
        self._new: Path | None = None
        self.changed = False

    def __enter__(self) -> "IndexWriter":
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.index_dir / ".lock", "w")
        except OSError as exc:
            raise IndexReadOnlyError(
                f"索引目录 {self.index_dir} 不可写（{exc.strerror}）：导入和删除需要写权限，提问不受影响") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise IndexBusyError(f"另一个进程正在写入索引 {self.index_dir}，请稍后再试") from None
        self._remove_stale()
        live = live_generation(self.index_dir)
        number = 1 + max([_gen_number(p.name) for p in self.index_dir.glob("gen-*")] or [0])
        self._new = self.index_dir / f"gen-{number:06d}.tmp"
        self._new.mkdir()
        self._live = live
        if live is not None:
            _copy_sqlite(live / STORE_FILE, self._new / STORE_FILE)
        self.store = Store(self._new / STORE_FILE)
        built_with = self.store.get_meta("embedder")
        if self.embedder_name is None:
            if built_with is None:
                self.store.close()
                shutil.rmtree(self._new, ignore_errors=True)
                self._release()
                raise NoIndexError(f"索引目录 {self.index_dir} 中还没有索引：请先运行 assistant ingest <文件或文件夹>")
            self.embedder_name, self.dim = built_with, int(self.store.get_meta("dim") or 0)
        if built_with is not None and built_with != self.embedder_name:
            self.store.close()
            shutil.rmtree(self._new, ignore_errors=True)
            self._release()
            raise EmbedderMismatchError(
                f"索引由嵌入模型 {built_with} 构建，当前配置的是 {self.embedder_name}：不能混用两种向量"
            )
        self.store.set_meta("embedder", self.embedder_name)
        self.store.set_meta("dim", str(self.dim))
        self.store.set_meta("schema", SCHEMA_VERSION)
        return self

    def commit(self, summary: dict | None = None) -> Path:
        """Build the vectors and BM25 from the store, sync, and make this generation live.

        `summary` (what the change added, replaced, removed) is kept beside the generation for
        `assistant history`."""
        assert self.store is not None and self._new is not None
        self.store.db.commit()
        counts = self.store.counts()
        record = {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "operation": "ingest",
                  "added": [], "replaced": [], "removed": [], **(summary or {}),
                  "issues": counts["issues"], "articles": counts["articles"], "based_on": self._live.name if self._live else None}
        (self._new / HISTORY_FILE).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        previous = self._live / DENSE_FILE if self._live is not None and not self.store.removed_any else None
        _build_dense(self.store, self.dim, self._new / DENSE_FILE, previous)
        _build_lexical(self.store, self._new)
        self.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.store.close()
        self.store = None
        _fsync_tree(self._new)
        final = self._new.with_suffix("")
        os.replace(self._new, final)
        fault_point("before-switch")
        _switch(self.index_dir, final.name)
        self._new = None
        self.changed = True
        self._remove_stale()
        return final

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._new is not None:
            shutil.rmtree(self._new, ignore_errors=True)
        self._release()

    @staticmethod
    @contextmanager
    def locked(index_dir: Path):
        """Hold the writers' lock without writing a generation (for rollback)."""
        try:
            handle = open(index_dir / ".lock", "w")
        except OSError as exc:
            raise IndexReadOnlyError(f"索引目录 {index_dir} 不可写（{exc.strerror}）") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise IndexBusyError(f"另一个进程正在写入索引 {index_dir}，请稍后再试") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def _release(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def _remove_stale(self) -> None:
        """Drop unfinished (.tmp) generations of killed writers and generations no longer live.

        The previous generation is kept, so a reader that opened it just before the switch can finish.
        """
        live = live_generation(self.index_dir)
        generations = sorted(self.index_dir.glob("gen-*"), key=lambda p: _gen_number(p.name))
        finished = [p for p in generations if not p.name.endswith(".tmp")]
        keep = {live} | set(finished[-self.keep:]) if live else set(finished[-self.keep:])
        for path in generations:
            if path == self._new or path in keep:
                continue
            shutil.rmtree(path, ignore_errors=True)


def history(index_dir: Path) -> list[dict]:
    """The generations on disk, newest first: what each change did, and which one is live."""
    live = live_generation(index_dir)
    rows = []
    for path in sorted(index_dir.glob("gen-*"), key=lambda p: -_gen_number(p.name)):
        if path.name.endswith(".tmp") or not (path / STORE_FILE).exists():
            continue
        try:
            record = json.loads((path / HISTORY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {"operation": "ingest", "added": [], "replaced": [], "removed": []}  # written before history
        rows.append({**record, "generation": path.name, "live": path == live})
    return rows


def history_lines(rows: list[dict]) -> list[str]:
    """One line per index version, newest first: the CLI's `history` and the archive tab's list."""
    kinds = {"ingest": "导入", "remove": "删除", "rollback": "回退", "metadata": "修改刊期信息"}
    lines = []
    for row in rows:
        parts = [f"新增 {'、'.join(row['added'])}" if row.get("added") else "",
                 f"替换 {'、'.join(row['replaced'])}" if row.get("replaced") else "",
                 f"删除 {'、'.join(row['removed'])}" if row.get("removed") else "",
                 f"修改 {'、'.join(row['edited'])}" if row.get("edited") else ""]
        what = "；".join(p for p in parts if p) or "无记录"
        size = f"共 {row['issues']} 期 {row['articles']} 篇" if "issues" in row else ""
        mark = "（当前）" if row["live"] else ""
        when = (row.get("created_at") or "")[:16].replace("T", " ")
        lines.append(f"{row['generation']}{mark} {when} {kinds.get(row.get('operation'), '')}：{what} {size}".strip())
    return lines


def rollback(index_dir: Path, generation: str | None = None) -> str:
    """Make an earlier generation live again (the one before the live one, or the named one), atomically."""
    with IndexWriter.locked(index_dir):
        rows = history(index_dir)
        live = next((row for row in rows if row["live"]), None)
        if generation is None:
            older = [row for row in rows if live is None or _gen_number(row["generation"]) < _gen_number(live["generation"])]
            if not older:
                raise NoIndexError("没有更早的版本可以回退（只保留最近几次导入的版本）")
            generation = older[0]["generation"]
        target = index_dir / generation
        if not any(row["generation"] == generation for row in rows) or not all(
                (target / name).exists() for name in (STORE_FILE, DENSE_FILE, BM25_DIR)):
            names = "、".join(row["generation"] for row in rows)
            raise NoIndexError(f"没有完整的版本 {generation}；现有版本：{names}")
        _switch(index_dir, generation)
        return generation


def _switch(index_dir: Path, name: str) -> None:
    """Point CURRENT at a complete generation: write a temporary pointer, sync, rename over CURRENT."""
    pointer = index_dir / (CURRENT + ".tmp")
    pointer.write_text(name, encoding="utf-8")
    with open(pointer, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)


def _gen_number(name: str) -> int:
    try:
        return int(name.split("-")[1].split(".")[0])
    except (IndexError, ValueError):
        return 0


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (safe even while readers are open)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def new_dense_index(dim: int, size: int):
    """Exact search for archives of this size; an HNSW graph past HNSW_THRESHOLD chunks."""
    import faiss

    if size < HNSW_THRESHOLD:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    graph = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = 80
    return faiss.IndexIDMap2(graph)


def _tune(index) -> None:
    import faiss

    inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efSearch = HNSW_EF_SEARCH


def _build_dense(store: Store, dim: int, path: Path, previous: Path | None = None) -> None:
    """Write the vector index: extend the previous one when chunks were only added, else rebuild."""
    import faiss

    total = store.counts()["chunks"]
    if previous is not None and previous.exists():
        index = faiss.read_index(str(previous))
        # Extend only while the index type is still the right one for the new size.
        same_kind = (total < HNSW_THRESHOLD) == (index.ntotal < HNSW_THRESHOLD)
        if same_kind and index.ntotal:
            last = int(faiss.vector_to_array(index.id_map).max())
            ids, vectors = store.all_vectors(dim, after=last)
            if len(ids):
                index.add_with_ids(vectors, ids)
            if index.ntotal == total:
                faiss.write_index(index, str(path))
                return
    ids, vectors = store.all_vectors(dim)
    index = new_dense_index(dim, len(ids))
    if len(ids):
        index.add_with_ids(vectors, ids)
    faiss.write_index(index, str(path))


def _build_lexical(store: Store, generation: Path) -> None:
    import bm25s

    ids, token_lists = store.all_tokens()
    retriever = bm25s.BM25()
    # bm25s cannot index an empty corpus; an index emptied by `remove` keeps one empty document.
    retriever.index(token_lists or [[""]], show_progress=False)
    retriever.save(str(generation / BM25_DIR), show_progress=False)
    np.save(generation / BM25_DIR / "rowids.npy", ids)


def document_frequencies(bm25) -> dict[str, int]:
    """How many chunks hold each token, read from the BM25 index itself (its token-major sparse matrix has
    one stored score per chunk holding the token): the judge's IDF and BM25 share one count."""
    indptr = np.asarray(bm25.scores["indptr"])
    return {token: int(indptr[column + 1] - indptr[column])
            for token, column in bm25.vocab_dict.items() if column + 1 < len(indptr) and token}


def fault_point(name: str) -> None:
    """Crash-safety tests set ASSISTANT_FAULT_PAUSE=<name> to hold the writer here while they kill it."""
    if os.environ.get("ASSISTANT_FAULT_PAUSE") == name:
        import sys
        import time

        print(f"fault-point {name}", file=sys.stderr, flush=True)
        time.sleep(60)
