"""Ingest files and folders into the index: read, parse, chunk, embed, write atomically."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import chunk_article
from .errors import AssistantError, UnreadableSourceError
from .index import IndexWriter
from .lexical import tokenize
from .parsing import ManifestEntry, parse_issue
from .reader import SUPPORTED_SUFFIXES, read_source
from .sentences import split_sentences
from .settings import Settings

MANIFEST = "issues.csv"
STAGES = ("read", "parse", "chunk", "embed", "tokenize", "write")


class _Stage:
    """with _Stage(report, "embed"): adds the block's wall time to report.timings["embed"]."""

    def __init__(self, report: "IngestReport", name: str) -> None:
        self.report, self.name = report, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.report.timings[self.name] += time.perf_counter() - self.started


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    articles: int = 0
    chunks: int = 0
    # seconds per stage: read (and decode), parse (clean + parse), chunk, embed, tokenize (BM25), write
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @property
    def ok(self) -> bool:
        return not self.skipped


def discover(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest under `paths` (folders recursively), and named paths that cannot be."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(path)
            else:
                problems.append((str(path), f"不支持的文件类型 {path.suffix or '(无扩展名)'}：只接受 .txt 和 .pdf"))
        else:
            problems.append((str(path), "文件或文件夹不存在"))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique, problems


def load_manifest(folder: Path) -> dict[str, ManifestEntry]:
    """issues.csv (file, issue_no, total_no, date) beside the files, if present."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    entries: dict[str, ManifestEntry] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("file") or "").strip()
            if not name:
                continue
            entries[name] = ManifestEntry(
                file=name,
                issue_no=_int_or_none(row.get("issue_no")),
                total_no=_int_or_none(row.get("total_no")),
                date=(row.get("date") or "").strip(),
            )
    return entries


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def ingest(paths: list[Path], settings: Settings, embedder, progress: bool = False) -> IngestReport:
    """Bring the index up to date with `paths`; one atomic generation switch at the end."""
    files, problems = discover(paths)
    report = IngestReport(skipped=list(problems))
    manifests: dict[Path, dict[str, ManifestEntry]] = {}
    with IndexWriter(settings.index_dir, embedder.name, embedder.dim) as writer:
        store = writer.store
        known = store.sources()
        by_hash = {sha: source for source, sha in known.items()}
        bar = _progress(files, progress)
        for path in bar:
            try:
                with _Stage(report, "read"):
                    source = read_source(path)
            except UnreadableSourceError as exc:
                report.skipped.append((str(path), str(exc)))
                continue
            if known.get(source.name) == source.sha256:
                report.unchanged.append(source.name)
                continue
            twin = by_hash.get(source.sha256)
            if twin is not None and twin != source.name:
                report.skipped.append((str(path), f"内容与已导入的 {twin} 完全相同，未重复导入"))
                continue
            folder = path.parent
            if folder not in manifests:
                try:
                    manifests[folder] = load_manifest(folder)
                except (OSError, csv.Error, UnicodeDecodeError) as exc:
                    report.warnings.append((str(folder / MANIFEST), f"清单文件无法读取，已忽略：{exc}"))
                    manifests[folder] = {}
            with _Stage(report, "parse"):
                parsed = parse_issue(source.text, source.name, source.sha256, manifests[folder].get(source.name))
            if not parsed.articles:
                report.skipped.append((str(path), "没有识别出任何文章（不像一期《杭州人大信息》）"))
                continue
            report.warnings.extend((source.name, w) for w in parsed.warnings)
            with _Stage(report, "chunk"):
                chunks = [
                    chunk
                    for article in parsed.articles
                    for chunk in chunk_article(parsed.issue, article, settings.chunk_tokens, settings.chunk_overlap)
                ]
            with _Stage(report, "embed"):
                vectors = embedder.embed_passages([chunk.embed_text for chunk in chunks])
                article_sentences = [split_sentences(article.text) for article in parsed.articles]
                flat = [s for group in article_sentences for s in group]
                sentence_vectors = embedder.embed_passages(flat)
            with _Stage(report, "tokenize"):
                tokens = [tokenize(chunk.embed_text) for chunk in chunks]
            with _Stage(report, "write"):
                store.put_issue(parsed.issue, list(parsed.articles), chunks, tokens, vectors)
                offset = 0
                for article, group in zip(parsed.articles, article_sentences):
                    store.put_sentences(article.article_id, group, sentence_vectors[offset: offset + len(group)])
                    offset += len(group)
            (report.replaced if source.name in known else report.added).append(source.name)
            known[source.name] = source.sha256
            by_hash[source.sha256] = source.name
            report.articles += len(parsed.articles)
            report.chunks += len(chunks)
            if progress:
                bar.set_postfix_str(f"{report.chunks} 段")
        if report.added or report.replaced or store.get_meta("built") is None:
            store.set_meta("built", "1")
            with _Stage(report, "write"):
                writer.commit()
    return report


def remove(source: str, settings: Settings, embedder) -> bool:
    """Delete one ingested file (by its file name) from the index."""
    with IndexWriter(settings.index_dir, embedder.name, embedder.dim) as writer:
        if not writer.store.remove_issue(source):
            return False
        writer.commit()
        return True


def _progress(files: list[Path], enabled: bool):
    if not enabled:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="导入", unit="期", dynamic_ncols=True)


__all__ = ["IngestReport", "ingest", "remove", "discover", "load_manifest", "AssistantError"]
