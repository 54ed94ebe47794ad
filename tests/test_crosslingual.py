"""English questions bridged to the archive's Chinese terms: vocabulary, incremental term vectors, mapping."""

import pytest

from assistant.crosslingual import _phrases, _pinyin_names, add_term_vectors, vocabulary
from assistant.index import ArchiveIndex
from assistant.ingest import ingest

from .conftest import SAMPLE


def test_the_vocabulary_is_the_chinese_terms_of_two_to_six_characters():
    assert vocabulary([["春茶", "产量", "500", "吨", "tea"], ["人大常委会", "春茶"]]) == {"春茶", "产量", "人大常委会"}


def test_phrases_are_the_content_words_once_each_without_names():
    phrases = _phrases("How many law firms joined the mediation centre in Binjiang, and which firms left?")
    assert phrases == ["law", "firms", "joined", "mediation", "centre", "left"]


def test_pinyin_place_names_are_found_by_sound_not_at_the_sentence_start():
    assert _pinyin_names("What did Xiaoshan and Chun'an report?") == ["xiaoshan", "chunan"]
    assert _pinyin_names("Linping paid what?") == []  # a capital that starts the sentence marks no name


def test_the_question_phrases_are_embedded_in_one_batch_and_mapped_to_their_nearest_terms():
    import numpy as np

    from assistant.crosslingual import TermBridge, TermVectors
    from assistant.embedding import forget_vectors

    from .test_embeddings import CountingEmbedder

    embedder = CountingEmbedder()
    terms = ["spring", "output", "mediation", "firms", "elevator"]  # stand-ins for Chinese terms
    stored = TermVectors(terms, embedder.inner.embed_passages(terms), np.zeros(len(terms), dtype=np.float32))
    bridge = TermBridge(stored, embedder)
    forget_vectors()
    # the fake embedder hashes characters, so a phrase written as the term itself is its nearest term
    question = "How did the elevator firms report their output?"
    found = bridge.chinese_terms(question)
    assert embedder.calls == [("q", _phrases(question))] and len(_phrases(question)) > 3
    assert {"elevator", "firms", "output"} <= set(found) and len(found) == len(set(found))


def test_only_new_terms_are_embedded_on_a_later_ingest(settings, fake_embedder, sample_copy, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    (sample_copy / "000_7add4dc35fc77e00.txt").rename(first / "000_7add4dc35fc77e00.txt")
    ingest([first], settings, fake_embedder)
    index = ArchiveIndex.open(settings.index_dir)
    before = len(index.store.term_vectors(fake_embedder.dim).terms)
    index.close()
    assert before > 500
    ingest([sample_copy], settings, fake_embedder)
    index = ArchiveIndex.open(settings.index_dir)
    after = index.store.term_vectors(fake_embedder.dim)
    # Everything is stored once; a further pass finds nothing left to embed.
    assert len(after.terms) > before and len(set(after.terms)) == len(after.terms)
    assert add_term_vectors(index.store, fake_embedder) == 0
    index.close()


@pytest.mark.slow
def test_english_words_map_to_the_archive_terms(real_assistant):
    bridge = real_assistant.retriever._bridge()
    terms = bridge.chinese_terms("How much spring tea did the growers around the lake pick, in Linping?")
    assert "临平区" in terms and any("茶" in t for t in terms)
    assert any("茶" in t for t in bridge.chinese_terms("tea"))
    assert "生育" in bridge.chinese_terms("How many maternity allowance claims were paid?")


@pytest.mark.slow
def test_an_english_question_finds_its_chinese_article(real_assistant):
    hits = real_assistant.search("Which body did the congress hire to research and draft the digital trade rules?")
    assert "数字经济立法" in hits[0].article.title


def test_a_place_written_in_pinyin_is_the_district_it_names(real_assistant):
    retriever = real_assistant.retriever
    assert retriever._districts_named("How many problems did Tonglu's county study collect?") == {"桐庐县"}
    assert retriever._districts_named("What did Lin'an do for ecological legislation?") == {"临安区"}
    assert retriever._districts_named("What did the city congress do for the Asian Games?") == set()
