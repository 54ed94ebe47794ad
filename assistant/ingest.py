"""Ingest files and folders into the index: read, parse, chunk, embed, write atomically."""

from __future__ import annotations

import csv
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import chunk_article
from .errors import AssistantError, UnreadableSourceError
from .crosslingual import add_term_vectors, prepare_english_words
from .index import IndexWriter, fault_point
from .lexical import tokenize
from .metadata import apply_correction, load_corrections, save_corrections
from .parsing import ManifestEntry, parse_issue
from .cleaning import compact
from .reader import SUPPORTED_SUFFIXES, file_name, read_source, replace_name, shown
from .records import Article, Issue
from .sentences import split_sentences
from .settings import Settings
from .vector_cache import CACHE_FILE, CachedEmbedder

MANIFEST = "issues.csv"
STAGES = ("read", "parse", "chunk", "embed", "tokenize", "terms", "write", "english")


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
    # Files that would replace an issue already in the index, with what would change: only ingested
    # with replace=True (`--replace`, or the confirmation in the upload tab).
    needs_confirmation: list[tuple[str, str]] = field(default_factory=list)
    replacements: list[str] = field(default_factory=list)  # what each confirmed replacement changed
    warnings: list[tuple[str, str]] = field(default_factory=list)
    articles: int = 0
    chunks: int = 0
    # passage vectors (chunks, sentences, vocabulary terms) computed by the model, and reused from the
    # vector cache (what an interrupted or earlier ingest already embedded)
    vectors_embedded: int = 0
    vectors_reused: int = 0
    english_words: int = 0  # English words embedded for the question bridge (first ingest on a machine)
    # seconds per stage: read (and decode), parse (clean + parse), chunk, embed, tokenize (BM25), write
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.needs_confirmation


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
                problems.append((shown(path), f"不支持的文件类型 {path.suffix or '(无扩展名)'}：只接受 .txt 和 .pdf"))
        else:
            problems.append((shown(path), "文件或文件夹不存在"))
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


# Below this much article text, without a masthead, a file is not an issue of the bulletin ("hello").
MIN_ISSUE_CHARS = 200


def issue_identity(issue: Issue) -> str:
    """Who an issue is: its masthead (publication and 总期号, or 期号 and year), else its content."""
    if issue.total_no is not None:
        return f"{issue.publication}#总{issue.total_no}"
    if issue.issue_no is not None and issue.date:
        return f"{issue.publication}#{issue.date[:4]}-{issue.issue_no}"
    return f"sha256:{issue.sha256}"


def _same_articles(old: list[Article], new: tuple[Article, ...]) -> float:
    """Share of the old issue's article titles the new file still has: an edit, or another issue?"""
    titles = {compact(a.title) for a in old}
    return len(titles & {compact(a.title) for a in new}) / len(titles) if titles else 0.0


def _titles_by_source(store) -> dict[str, set[str]]:
    """Each ingested issue's article titles (compacted): a re-scan or a PDF of an issue in as .txt has them."""
    titles: dict[str, set[str]] = {}
    for article in store.articles():
        if article.title:
            titles.setdefault(article.source, set()).add(compact(article.title))
    return titles


def _same_issue_by_articles(parsed, titles: dict[str, set[str]], issues: dict[str, Issue]) -> str | None:
    """The ingested issue holding most of this file's articles (at least two, and half of them), when
    neither masthead says they are different issues: the same issue in another file."""
    new = {compact(a.title) for a in parsed.articles if a.title}
    if len(new) < 2:
        return None
    best, shared = None, 0
    for source, old in titles.items():
        n = len(new & old)
        if n > shared:
            best, shared = source, n
    if best is None or shared < 2 or shared < 0.5 * min(len(new), len(titles[best])):
        return None
    old_issue, new_issue = issues.get(best), parsed.issue
    if old_issue is not None and None not in (old_issue.total_no, new_issue.total_no) \
            and old_issue.total_no != new_issue.total_no:
        return None  # two issues that reprint the same articles
    return best


def _unique_candidates(folder: str, name: str, sha256: str) -> tuple[str, ...]:
    """Names for a second issue whose file has the name of one already in: 2025/第1期.txt, or name#hash."""
    return tuple(c for c in (f"{folder}/{name}" if folder else "", f"{name}#{sha256[:8]}", f"{name}#{sha256[:16]}") if c)


def _unique_source(folder: str, name: str, taken: set[str], sha256: str) -> str:
    candidates = _unique_candidates(folder, name, sha256)
    return next((c for c in candidates if c not in taken), candidates[-1])


def ingest(paths: list[Path], settings: Settings, embedder, progress: bool = False,
           replace: bool = False, on_progress=None) -> IngestReport:
    """Bring the index up to date with `paths`; one atomic generation switch at the end.

    An issue is identified by its masthead, or by its content where it has none, never by its bare
    file name: two different issues with the same file name are both kept, and a file that would
    replace an issue already in the index is only ingested with replace=True; otherwise it is listed
    in `needs_confirmation` with what would change ("第9期（总第697期）：12 篇 → 1 篇").
    """
    files, problems = discover(paths)
    report = IngestReport(skipped=list(problems))
    manifests: dict[Path, dict[str, ManifestEntry]] = {}
    with IndexWriter(settings.index_dir, embedder.name, embedder.dim, keep=settings.keep_generations) as writer, \
            CachedEmbedder(embedder, settings.index_dir / CACHE_FILE) as cached:
        try:
            _ingest_files(files, settings, cached, writer, report, manifests, progress, replace, on_progress)
        finally:
            report.vectors_embedded, report.vectors_reused = cached.embedded, cached.reused
    # After the switch, so an interrupted preparation costs the new index nothing; once per machine.
    with _Stage(report, "english"):
        report.english_words = prepare_english_words(settings, embedder, progress, on_progress)
    return report


def _ingest_files(files, settings, embedder, writer, report, manifests, progress, replace, on_progress) -> None:
    store = writer.store
    known = store.sources()
    by_hash = {sha: source for source, sha in known.items()}
    by_identity = {issue_identity(issue): issue.source for issue in store.issues()}
    corrections = load_corrections(settings.index_dir)  # what staff set outlives a re-ingest
    titles = _titles_by_source(store)
    issues = {issue.source: issue for issue in store.issues()}

    def parse(text, name, sha256, folder, file):
        parsed = parse_issue(text, name, sha256, manifests[folder].get(file))
        return dataclasses.replace(parsed, issue=apply_correction(parsed.issue, corrections.get(name)))

    removed: list[str] = []
    carried: list[str] = []  # files that took over staff's metadata of the copy they replace
    bar = _progress(files, progress)
    clock = _Remaining(files)
    for done, path in enumerate(bar):
        if on_progress is not None:
            on_progress(done, len(files), shown(path.name), clock.seconds_left(done))
        name = file_name(path)
        if name is None:
            report.skipped.append((shown(path), "文件名的编码无法识别（既不是 UTF-8 也不是 GBK），已跳过"))
            continue
        try:
            with _Stage(report, "read"):
                source = read_source(path)
        except UnreadableSourceError as exc:
            report.skipped.append((shown(path), str(exc)))
            continue
        if name != source.name:
            source = replace_name(source, name)
        if known.get(source.name) == source.sha256:
            report.unchanged.append(source.name)
            continue
        twin = by_hash.get(source.sha256)
        if twin is not None and twin in _unique_candidates(shown(path.parent.name), source.name, source.sha256):
            report.unchanged.append(twin)  # this very file, kept under a name made unique earlier
            continue
        if twin is not None and twin != source.name:
            report.skipped.append((shown(path), f"内容与已导入的 {twin} 完全相同，未重复导入"))
            continue
        folder = path.parent
        if folder not in manifests:
            try:
                manifests[folder] = load_manifest(folder)
            except (OSError, csv.Error, UnicodeDecodeError) as exc:
                report.warnings.append((str(folder / MANIFEST), f"清单文件无法读取，已忽略：{exc}"))
                manifests[folder] = {}
        with _Stage(report, "parse"):
            parsed = parse(source.text, source.name, source.sha256, folder, source.name)
        if not parsed.articles:
            report.skipped.append((shown(path), "没有识别出任何文章（不像一期《杭州人大信息》）"))
            continue
        body = sum(len(compact(a.text)) for a in parsed.articles)
        if parsed.issue.issue_no is None and body < MIN_ISSUE_CHARS:
            report.skipped.append((shown(path), f"没有刊头，正文只有 {body} 字，不像一期《杭州人大信息》，未导入"))
            continue
        identity = issue_identity(parsed.issue)
        existing = by_identity.get(identity)
        if existing is None and source.name in known:
            old_articles = store.articles(source.name)
            if _same_articles(old_articles, parsed.articles) >= 0.5:
                existing = source.name  # the same issue, edited
            else:
                # Another issue under a name already taken (2024/第1期.txt and 2025/第1期.txt): both stay.
                name = _unique_source(shown(path.parent.name), source.name, set(known), source.sha256)
                parsed = parse(source.text, name, source.sha256, folder, source.name)
                source = replace_name(source, name)
        if existing is None and source.name not in known:
            existing = _same_issue_by_articles(parsed, titles, issues)
            if existing is not None and source.name not in corrections and existing in corrections:
                # The PDF of an issue staff dated as .txt: their fields carry over to the file that replaces it.
                corrections[source.name] = corrections[existing]
                parsed = dataclasses.replace(parsed, issue=apply_correction(parsed.issue, corrections[existing]))
                carried.append(source.name)
        if existing is not None:
            old_articles = store.articles(existing)
            label = parsed.issue.label if parsed.issue.issue_no is not None else existing
            change = f"{label}：{len(old_articles)} 篇 → {len(parsed.articles)} 篇"
            if not replace:
                report.needs_confirmation.append((shown(path), f"将替换已导入的 {existing}（{change}），确认后才导入"))
                continue
            if existing != source.name:
                store.remove_issue(existing)
                known.pop(existing, None)
                removed.append(existing)
            report.replacements.append(change)
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
        (report.replaced if existing is not None else report.added).append(source.name)
        known[source.name] = source.sha256
        by_hash[source.sha256] = source.name
        by_identity[identity] = source.name
        titles[source.name] = {compact(a.title) for a in parsed.articles if a.title}
        issues[source.name] = parsed.issue
        report.articles += len(parsed.articles)
        report.chunks += len(chunks)
        if progress:
            bar.set_postfix_str(f"{report.chunks} 段")
        fault_point("after-file")  # crash tests kill the process here: this file's vectors are cached
    if report.added or report.replaced or store.get_meta("built") is None:
        store.set_meta("built", "1")
        with _Stage(report, "terms"):
            add_term_vectors(writer.store, embedder)  # English questions' bridge to the vocabulary
        with _Stage(report, "write"):
            writer.commit({"operation": "ingest", "added": report.added, "replaced": report.replaced,
                           "removed": removed})
        if carried:
            save_corrections(settings.index_dir, corrections)


def remove(source: str, settings: Settings) -> bool:
    """Delete one ingested file (by its file name) from the index; no embedder is needed."""
    with IndexWriter(settings.index_dir, keep=settings.keep_generations) as writer:
        if not writer.store.remove_issue(source):
            return False
        writer.commit({"operation": "remove", "removed": [source]})
        return True


class _Remaining:
    """The time an ingest has left, from the bytes of the files still to do at the rate so far."""

    def __init__(self, files: list[Path]) -> None:
        self.sizes = [_size(path) for path in files]
        self.started = time.monotonic()

    def seconds_left(self, done: int) -> float | None:
        finished = sum(self.sizes[:done])
        if done == 0 or finished == 0:
            return None
        rate = finished / max(1e-6, time.monotonic() - self.started)
        return sum(self.sizes[done:]) / rate


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def remaining_text(seconds: float | None) -> str:
    """"约剩 3 分 20 秒" for progress lines; empty until there is a rate to go by."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"约剩 {seconds} 秒"
    if seconds < 3600:
        return f"约剩 {seconds // 60} 分 {seconds % 60} 秒"
    return f"约剩 {seconds // 3600} 小时 {seconds % 3600 // 60} 分"


def _progress(files: list[Path], enabled: bool):
    if not enabled:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="导入", unit="期", dynamic_ncols=True)


__all__ = ["IngestReport", "ingest", "remove", "discover", "load_manifest", "AssistantError"]
