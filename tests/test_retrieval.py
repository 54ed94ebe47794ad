"""Retrieval with the fake embedder: fusion, one hit per article, filters."""

import pytest

from assistant.index import ArchiveIndex
from assistant.ingest import ingest
from assistant.records import Filters
from assistant.retrieval import Retriever

from .conftest import SAMPLE


@pytest.fixture
def fake_index(settings, fake_embedder):
    ingest([SAMPLE], settings, fake_embedder)
    index = ArchiveIndex.open(settings.index_dir, fake_embedder.name)
    yield index
    index.close()


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_finds_the_article(fake_index, fake_embedder, mode):
    hits = Retriever(fake_index, fake_embedder, mode).search("西湖龙井茶春茶产量", k=3)
    assert "西湖龙井" in hits[0].article.title


def test_one_hit_per_article(fake_index, fake_embedder):
    hits = Retriever(fake_index, fake_embedder).search("人大代表 营商环境 监督", k=8)
    ids = [hit.article.article_id for hit in hits]
    assert len(ids) == len(set(ids)) == 8
    assert all(1 <= len(hit.chunks) <= 3 for hit in hits)
    assert all(hit.chunks[0].article_id == hit.article.article_id for hit in hits)


def test_district_filter(fake_index, fake_embedder):
    hits = Retriever(fake_index, fake_embedder).search("营商环境", k=5, filters=Filters(districts=("余杭区",)))
    assert hits and {hit.article.district for hit in hits} == {"余杭区"}


def test_date_filter_keeps_dated_issues_in_range(fake_index, fake_embedder):
    hits = Retriever(fake_index, fake_embedder).search(
        "青年留杭第一区", k=5, filters=Filters(date_from="2025-01-01", date_to="2025-12-31")
    )
    assert hits and {hit.issue.date for hit in hits} == {"2025-07-11"}


def test_issue_filter(fake_index, fake_embedder):
    hits = Retriever(fake_index, fake_embedder).search(
        "青年", k=5, filters=Filters(sources=("004_dbed6e9d040a5771.txt",))
    )
    assert hits and {hit.issue.source for hit in hits} == {"004_dbed6e9d040a5771.txt"}


def test_filter_matching_nothing(fake_index, fake_embedder):
    assert Retriever(fake_index, fake_embedder).search("青年", filters=Filters(districts=("不存在区",))) == []


def test_bad_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        Retriever(None, None, "magic")
