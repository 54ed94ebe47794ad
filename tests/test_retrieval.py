"""Retrieval with the fake embedder: fusion, one hit per article, filters."""

from contextlib import contextmanager

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


def _issue_file(folder, year, number, body):
    text = (f"杭州人大信息\n\n(普 刊)\n\n第 {number} 期(总第 {600 + number} 期)\n\n杭州市人大常委会研究室编\n\n"
            f"{year} 年 5 月 10 日\n\n目 录\n\n- 情况交流** 萧山区:推进老旧小区改造\n\n萧山区:推进老旧小区改造\n\n{body}\n\n"
            f"(萧山区人大常委会办公室 某某)\n\n")
    path = folder / f"{year}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_question_naming_a_year_prefers_that_years_report(settings, fake_embedder, tmp_path):
    """The same subject reported in two years: the year the question names decides, not word overlap."""
    folder = tmp_path / "years"
    folder.mkdir()
    close = "萧山区人大常委会持续推进老旧小区综合改造，组织代表视察改造小区，共完成老旧小区改造42个，惠及居民1.2万户。" * 3
    other = "萧山区人大常委会围绕老旧小区改造开展专题监督，推动完成改造项目30个，加装电梯80台。" * 3
    _issue_file(folder, 2018, 3, close)
    _issue_file(folder, 2021, 4, other)
    ingest([folder], settings, fake_embedder)
    index = ArchiveIndex.open(settings.index_dir, fake_embedder.name)
    try:
        retriever = Retriever(index, fake_embedder)
        question = "萧山区持续推进老旧小区综合改造，完成改造多少个？"
        assert retriever.search(question, k=2)[0].issue.date.startswith("2018")  # closer in words
        assert retriever.search("2021年" + question, k=2)[0].issue.date.startswith("2021")
        assert retriever.search("2020年" + question, k=2)[0].issue.date.startswith("2021")  # reported the year after
    finally:
        index.close()


def test_a_question_naming_an_issue_by_number_prefers_that_issues_article(settings, fake_embedder, tmp_path):
    """总第604期 (issue 4 of 2021) is that issue, whichever report is closer in words."""
    folder = tmp_path / "issues"
    folder.mkdir()
    _issue_file(folder, 2018, 3, "萧山区人大常委会持续推进老旧小区综合改造，共完成老旧小区改造42个。" * 3)
    _issue_file(folder, 2021, 4, "萧山区人大常委会围绕老旧小区改造开展专题监督，加装电梯80台。" * 3)
    ingest([folder], settings, fake_embedder)
    index = ArchiveIndex.open(settings.index_dir, fake_embedder.name)
    try:
        retriever = Retriever(index, fake_embedder)
        question = "萧山区持续推进老旧小区综合改造，完成改造多少个？"
        assert retriever.search(question, k=2)[0].issue.total_no == 603
        for named in ("总第604期里", "2021年第4期里", "In issue No. 604, "):
            assert retriever.search(named + question, k=2)[0].issue.total_no == 604, named
        assert retriever.search("第4期里" + question, k=2)[0].issue.total_no == 603  # 第4期 of which year?
    finally:
        index.close()


@pytest.mark.parametrize("question, years", [
    ("2024年西湖龙井茶春茶产量是多少？", {2024}), ("What was the output in 2020?", {2020}),
    ("总第697期登了什么？", set()), ("共接待群众2000人次，对吗？", set()), ("今年的产量呢？", set()),
])
def test_years_named(question, years):
    from assistant.citations import years_named

    assert years_named(question) == years


def _article_file(folder, name, number, title, body, unit):
    text = (f"杭州人大信息\n\n(普 刊)\n\n第 {number} 期(总第 {600 + number} 期)\n\n杭州市人大常委会研究室编\n\n"
            f"2021 年 5 月 10 日\n\n目 录\n\n- 情况交流** {title}\n\n{title}\n\n{body}\n\n({unit} 某某)\n\n")
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")


@contextmanager
def _retriever_over(folder, settings, embedder):
    """A Retriever over an index of `folder`'s issue files, closed afterwards."""
    ingest([folder], settings, embedder)
    index = ArchiveIndex.open(settings.index_dir, embedder.name)
    try:
        yield Retriever(index, embedder)
    finally:
        index.close()


def test_short_place_names_count_where_the_archive_writes_them_as_the_place(settings, fake_embedder, tmp_path):
    """临平 is 临平区 in most of its uses here; 西湖 is mostly the lake and the tea, so 西湖 alone names no district."""
    folder = tmp_path / "places"
    folder.mkdir()
    _article_file(folder, "a", 1, "临平区：推进代表联络站建设", "临平区人大常委会推进代表联络站建设，临平区共建成站点20个。" * 2,
                  "临平区人大常委会办公室")
    _article_file(folder, "b", 2, "西湖区：助力龙井茶产业", "西湖区人大常委会视察西湖龙井茶园，西湖景区和西湖周边茶农参加。" * 2,
                  "西湖区人大常委会办公室")
    with _retriever_over(folder, settings, fake_embedder) as retriever:
        assert retriever._districts_named("临平代表联络站建了几个？") == {"临平区"}
        assert retriever._districts_named("西湖龙井茶春茶产量是多少？") == set()
        assert retriever._districts_named("西湖区视察了什么？") == {"西湖区"}
        # the city's own bodies name the city's articles; 市人大代表 does not (districts elect them)
        assert retriever._districts_named("市领导到了几个联络站？") == {"市人大常委会"}
        assert retriever._districts_named("市人大代表到了几个联络站？") == set()
        assert retriever._districts_named("临平区的市领导到了几个联络站？") == {"临平区"}


def test_occurrences_counts_titles_and_bodies(fake_index):
    store = fake_index.store
    assert store.occurrences("西湖龙井") >= store.occurrences("西湖龙井茶春茶") > 0
    assert store.occurrences("不存在的词语") == 0


def test_the_article_holding_more_of_the_question_wins_a_near_tie(settings, fake_embedder, tmp_path):
    """Two reports on one subject: the asked one spreads the question's details over its paragraphs."""
    folder = tmp_path / "spread"
    folder.mkdir()
    common = "萧山区人大常委会围绕老旧小区改造开展专题监督，组织代表视察改造小区。"
    _article_file(folder, "a", 1, "萧山区：老旧小区改造监督", common * 3 + "\n\n" + "另外加装电梯80台，增设停车位。" * 4,
                  "萧山区人大常委会办公室")
    _article_file(folder, "b", 2, "萧山区：老旧小区改造视察", common * 3, "萧山区人大常委会办公室")
    ingest([folder], settings, fake_embedder)
    index = ArchiveIndex.open(settings.index_dir, fake_embedder.name)
    try:
        retriever = Retriever(index, fake_embedder)
        question = "萧山区人大常委会老旧小区改造专题监督，加装电梯多少台？"
        ranks = retriever._coverage_ranks(question, retriever.rank_chunks(question), k=2)
        titles = {index.store.article(a).title: r for a, r in ranks.items()}
        assert titles["萧山区：老旧小区改造监督"] < titles["萧山区：老旧小区改造视察"]
        assert retriever.search(question, k=2)[0].article.title == "萧山区：老旧小区改造监督"
    finally:
        index.close()


def test_coverage_counts_what_a_text_of_its_length_would_not_hold_by_chance():
    from assistant.retrieval import excess_coverage

    weights, doc_freq = {"老旧小区": 2.0, "监督": 0.5}, {"老旧小区": 5, "监督": 60}
    short = excess_coverage("萧山区老旧小区改造监督", weights, doc_freq, 100, size=1)
    long = excess_coverage("萧山区老旧小区改造监督" + "其他内容" * 500, weights, doc_freq, 100, size=8)
    assert 0 < long < short < 1  # the same words found: worth less in the longer text
    # a common word (监督, in 60 of 100 chunks) found in a long text adds almost nothing
    assert excess_coverage("监督" * 3, weights, doc_freq, 100, size=8) < 0.01
    assert excess_coverage("没有一个词", weights, doc_freq, 100, size=1) < 0


def test_a_question_naming_no_place_asks_about_the_bulletins_own_city(settings, fake_embedder, tmp_path):
    """Another city's report on the same subject, closer in words, ranks below the city's own unless the
    question names that city or asks about other cities; a former unit of the city (江干区) is the city's own."""
    folder = tmp_path / "cities"
    folder.mkdir()
    words = "人大常委会推进老旧小区综合改造，组织代表视察改造小区，共完成老旧小区改造42个。"
    _article_file(folder, "a", 1, "温州市：推进老旧小区综合改造", ("温州市" + words) * 3, "温州市人大常委会办公室")
    _article_file(folder, "b", 2, "江干区：老旧小区改造见成效", "江干区人大常委会围绕老旧小区改造开展监督，加装电梯80台。" * 3,
                  "江干区人大常委会办公室")
    with _retriever_over(folder, settings, fake_embedder) as retriever:
        question = "推进老旧小区综合改造，组织代表视察改造小区，共完成老旧小区改造多少个？"
        assert retriever.search("外地" + question, k=2)[0].article.district == "温州市"  # closer in words
        assert retriever.search(question, k=2)[0].article.district == "江干区"
        assert retriever.search("温州" + question, k=2)[0].article.district == "温州市"


@pytest.mark.parametrize("district, other", [
    ("温州市", True), ("义乌市", True), ("临安市", False), ("富阳市", False), ("建德市", False),
    ("钱塘新区", False), ("西湖景区", False), ("江干区", False), ("市人大常委会", False),
])
def test_another_city(district, other):
    from assistant.retrieval import another_city

    assert another_city(district) is other
