"""English questions bridged to the archive's Chinese terms: vocabulary, incremental term vectors, mapping."""

import pytest

from assistant.crosslingual import (WORD_CACHE_FILE, WordVectors, _phrases, _pinyin_names, add_term_vectors,
                                    frequent_english_words, prepare_english_words, vocabulary)
from assistant.index import ArchiveIndex
from assistant.ingest import ingest

from .conftest import SAMPLE


def test_the_vocabulary_is_the_chinese_terms_of_two_to_six_characters():
    assert vocabulary([["春茶", "产量", "500", "吨", "tea"], ["人大常委会", "春茶"]]) == {"春茶", "产量", "人大常委会"}


def test_phrases_are_the_content_words_once_each_without_names():
    phrases = _phrases("How many law firms joined the mediation centre in Binjiang, and which firms left?")
    assert phrases == ["law", "firms", "joined", "mediation", "centre", "left"]


def test_a_plural_possessive_is_the_word():
    assert _phrases("What did the deputies' liaison station's 'chief' do?") == ["deputies", "liaison", "station", "chief"]


def test_a_word_is_embedded_once_per_machine_and_kept_across_processes(tmp_path):
    from assistant.embedding import forget_vectors

    from .test_embeddings import CountingEmbedder

    embedder = CountingEmbedder()
    first = WordVectors(tmp_path, embedder).vectors(["mediation", "firms", "mediation"])
    assert embedder.calls == [("q", ["mediation", "firms"])] and first.shape == (3, embedder.dim)
    forget_vectors()  # a new process: only the file remains
    again = WordVectors(tmp_path, embedder).vectors(["firms", "mediation", "centre"])
    assert embedder.calls[1:] == [("q", ["centre"])]
    assert (again[0] == first[1]).all() and (again[1] == first[0]).all()
    assert (tmp_path / WORD_CACHE_FILE).is_file()


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path):
    from .test_embeddings import CountingEmbedder

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    embedder = CountingEmbedder()
    words = WordVectors(blocked / "cache", embedder)
    assert words.db is None
    assert words.vectors(["tea", "output"]).shape == (2, embedder.dim)


def test_the_frequent_words_are_prepared_once_and_an_interrupted_run_resumes(tmp_path):
    from assistant.settings import load_settings

    from .test_embeddings import CountingEmbedder

    settings = load_settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", english_words=400)
    words = frequent_english_words(400)
    assert 200 < len(words) < 400 and "government" in words and "the" not in words and "what" not in words
    embedder = CountingEmbedder()
    assert prepare_english_words(settings, embedder) == len(words)
    assert sum(len(texts) for _, texts in embedder.calls) == len(words)
    assert prepare_english_words(settings, embedder) == 0 and len(embedder.calls) == 2  # 256 + the rest
    # An interruption after the first batch: the marker and the second batch never written.
    import sqlite3

    db = sqlite3.connect(tmp_path / "cache" / WORD_CACHE_FILE)
    marks = ",".join("?" * 50)
    db.execute(f"DELETE FROM words WHERE word LIKE '#%' OR word IN ({marks})", words[-50:])
    db.commit()
    db.close()
    assert prepare_english_words(settings, embedder) == 50
    assert embedder.calls[-1] == ("q", words[-50:])


def test_preparing_the_words_reports_progress_as_the_ingest_does(tmp_path, fake_embedder, sample_copy):
    """The upload tab's bar moves through the English stage too, with the time left, instead of sitting
    at its end for the two minutes the words take on a new machine."""
    from assistant.crosslingual import ENGLISH_STAGE
    from assistant.settings import load_settings

    settings = load_settings(index_dir=tmp_path / "index", embedder="fake", cache_dir=tmp_path / "cache",
                             english_words=700)
    calls = []
    ingest([sample_copy], settings, fake_embedder, on_progress=lambda *args: calls.append(args))
    english = [c for c in calls if c[2] == ENGLISH_STAGE]
    total = len(frequent_english_words(700))
    assert [c[:2] for c in english] == [(0, total), (256, total), (512, total), (total, total)]
    assert english[0][3] is None and english[-1][3] == 0 and english[1][3] > 0
    assert calls.index(english[0]) > max(i for i, c in enumerate(calls) if c[2] != ENGLISH_STAGE)  # after the files


def test_the_first_ingest_on_a_machine_prepares_the_words_and_later_ones_do_not(tmp_path, fake_embedder, sample_copy):
    from assistant.settings import load_settings

    cache = tmp_path / "cache"
    first = ingest([sample_copy], load_settings(index_dir=tmp_path / "a", embedder="fake", cache_dir=cache,
                                                english_words=300), fake_embedder)
    other = ingest([sample_copy], load_settings(index_dir=tmp_path / "b", embedder="fake", cache_dir=cache,
                                                english_words=300), fake_embedder)
    assert first.english_words == len(frequent_english_words(300)) and other.english_words == 0


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
def test_kept_word_vectors_bridge_to_the_same_terms_as_embedding_them_anew(real_assistant, tmp_path):
    from assistant.crosslingual import TermBridge
    from assistant.embedding import forget_vectors

    bridge = real_assistant.retriever._bridge()
    question = "How many gas delivery vehicles were fitted with GPS in Jiande?"
    anew = TermBridge(bridge.stored, real_assistant.embedder).chinese_terms(question)
    cache = WordVectors(tmp_path, real_assistant.embedder)
    cache.prepare(_phrases(question))
    forget_vectors()
    kept = TermBridge(bridge.stored, real_assistant.embedder, WordVectors(tmp_path, real_assistant.embedder))
    assert kept.chinese_terms(question) == anew and "燃气" in anew


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
