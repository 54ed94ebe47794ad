"""Faults at the process and server level: repeated kill -9, a burst of 50, ingest while answering."""

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from assistant.index import ArchiveIndex
from assistant.ingest import ingest
from assistant.pipeline import Assistant

from .conftest import ROOT, SAMPLE
from .ui_server import served

pytestmark = pytest.mark.slow
HELD = ["2024年西湖龙井茶春茶产量是多少？", "建德市选聘了多少名健康村长？", "宁波市人大有哪些做法？"]


def _answers(settings, embedder):
    assistant = Assistant(settings, embedder=embedder)
    try:
        return [assistant.ask(q).text for q in HELD]
    finally:
        assistant.close()


def test_many_random_kills_never_break_the_index(settings, fake_embedder, sample_copy, tmp_path):
    start = tmp_path / "start"
    start.mkdir()
    for name in ("002_799da0136ed27955.txt", "004_dbed6e9d040a5771.txt"):
        (start / name).write_bytes((SAMPLE / name).read_bytes())
    ingest([start], settings, fake_embedder)
    old = _answers(settings, fake_embedder)
    full = settings.model_copy(update={"index_dir": tmp_path / "reference"})
    ingest([sample_copy], full, fake_embedder)
    new = _answers(full, fake_embedder)

    env = {"ASSISTANT_EMBEDDER": "fake", "ASSISTANT_INDEX_DIR": str(settings.index_dir)}
    rng = random.Random(20261125)
    states = []
    for _ in range(12):
        process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", "--quiet", str(sample_copy)],
                                   cwd=ROOT, env={**__import__("os").environ, **env},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        index = ArchiveIndex.open(settings.index_dir)
        count = index.store.counts()["issues"]
        assert index.dense.ntotal == index.n_chunks == index.store.counts()["chunks"]
        index.close()
        answers = _answers(settings, fake_embedder)
        assert (count, answers) in ((2, old), (5, new)), (count, answers)
        states.append(count)
        if count == 5:  # the new state landed: start again from the old one
            import shutil

            shutil.rmtree(settings.index_dir)
            ingest([start], settings, fake_embedder)
    assert 2 in states
    print(f"\n[kill -9] {len(states)} kills, states seen: {states}")


def test_burst_of_fifty_and_feedback_store_stays_sound(real_index, tmp_path):
    from gradio_client import Client

    with served(real_index, tmp_path) as url:
        errors = []
        done = []

        def one(i: int) -> None:
            try:
                # 50 answers queue on 2 shared cores: wait for the server as a user would, not httpx's 5 s
                client = Client(url + "/", verbose=False, httpx_kwargs={"timeout": 120})
                client.predict(HELD[i % 3], [], "", "", [], [], api_name="/submit")
                client.predict(f"第{i}次反馈", api_name="/feedback_up")  # 👍 with a comment
                done.append(i)
            except Exception as exc:  # collected, not raised in a thread
                errors.append(repr(exc))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert errors == [] and len(done) == 50
        db = sqlite3.connect(tmp_path / "index" / "feedback.sqlite")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 50
        # Still serving after the burst.
        output = Client(url + "/", verbose=False).predict(HELD[0], [], "", "", [], [], api_name="/submit")
        assert "500吨" in json.dumps(output[0], ensure_ascii=False)


def test_ingest_while_the_ui_answers(real_index, tmp_path):
    """Answers stay consistent during an ingest; the new issue is answered once the ingest is done."""
    from gradio_client import Client

    new_issue = tmp_path / "new" / "2025-08.txt"
    new_issue.parent.mkdir()
    text = (SAMPLE / "002_799da0136ed27955.txt").read_text(encoding="utf-8")
    new_issue.write_text(text.replace("第 5 期(总第 711 期)", "第 6 期(总第 712 期)").replace("2025 年 7 月 11 日", "2025 年 8 月 1 日")
                         .replace("燃气“安全网”", "燃气“安全网”（八月续报）"), encoding="utf-8")
    with served(real_index, tmp_path / "srv") as url:
        client = Client(url + "/", verbose=False)
        ingesting = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--index", str(tmp_path / "srv" / "index"),
                                      "ingest", "--quiet", str(new_issue.parent)], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        during = []
        while ingesting.poll() is None:
            output = client.predict(HELD[0], [], "", "", [], [], api_name="/submit")
            during.append(json.dumps(output[0], ensure_ascii=False))
        assert ingesting.returncode == 0, ingesting.stderr
        assert during and all("500吨" in answer for answer in during)
        output = client.predict("燃气“安全网”（八月续报）是哪一期的？", [], "", "", [], [], api_name="/submit")
        assert "总第712期" in output[3]  # the source card names the new issue
