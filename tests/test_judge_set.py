"""The calibration set is what the issue asks for: independent wording, systematic near misses, verbatim facts."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.cleaning import compact
from assistant.evaluation import load_set
from assistant.parsing import parse_issue

from .conftest import ROOT, SAMPLE

JUDGE_SET = ROOT / "eval" / "judge_set.jsonl"


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in JUDGE_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def _bigram_overlap(question: str, support: str) -> float:
    def grams(text):
        chars = re.sub(r"[^\w\u3400-\u9fff]", "", text.lower())
        return {chars[i:i + 2] for i in range(len(chars) - 1)}

    q = grams(question)
    return len(q & grams(support)) / len(q) if q else 0.0


def test_sizes_and_splits(rows):
    types = Counter(row["type"] for row in rows)
    assert types["answerable"] >= 150
    assert types["near_miss"] >= 100
    assert types["english"] + types["english_unanswerable"] >= 30
    assert {row["split"] for row in rows} == {"calibration", "test"}
    test_part = [row for row in rows if row["split"] == "test"]
    assert len(test_part) >= 0.2 * len(rows)
    assert len({row["id"] for row in rows}) == len(rows)


def test_questions_are_worded_independently_of_their_sentences(rows):
    answerable = [row for row in rows if row["type"] == "answerable"]
    low = [row for row in answerable if _bigram_overlap(row["question"], " ".join(row["support"])) < 0.35]
    assert len(low) >= 0.5 * len(answerable)


def test_near_misses_are_made_systematically(rows):
    by_id = {row["id"]: row for row in rows}
    changes = Counter(row["change"] for row in rows if row["type"] == "near_miss")
    assert set(changes) == {"place", "year", "person", "measure", "detail"}
    assert min(changes.values()) >= 15
    for row in rows:
        if row["type"] == "near_miss":
            assert by_id[row["from"]]["type"] == "answerable"


def test_facts_and_supports_are_verbatim_and_gold_articles_exist(rows):
    texts = {path.name: compact(path.read_text(encoding="utf-8")) for path in SAMPLE.iterdir()}
    titles = {}
    for path in SAMPLE.iterdir():
        parsed = parse_issue(path.read_text(encoding="utf-8"), path.name, "x")
        titles[path.name] = [compact(a.title) for a in parsed.articles]
    for row in rows:
        if row["type"] not in ("answerable", "english"):
            continue
        gold = row["gold"][0]
        text = texts[gold["file"]]
        for fact in row["key_facts"]:
            assert compact(fact) in text, (row["id"], fact)
        for support in row.get("support", []):
            assert compact(support) in text, (row["id"], support)
        expected = compact(gold["title"])
        assert any(t == expected or t.startswith(expected) or expected.startswith(t) for t in titles[gold["file"]]), (
            row["id"], gold["title"])


def test_the_evaluation_reads_it(rows):
    items = load_set(JUDGE_SET)
    assert len(items) == len(rows)
    assert sum(not item.answerable for item in items) >= 100
    assert all(item.split in ("calibration", "test") for item in items)


def test_the_fitting_script_reads_only_the_calibration_part():
    source = (ROOT / "eval" / "fit_judge.py").read_text(encoding="utf-8")
    assert 'item.split == "calibration"' in source and '"test"' not in source


def test_no_word_list_is_written_from_evaluation_questions():
    """Every entry of the shared lexicon that looks like a question phrasing must not be one of the eval
    sets' own phrasings (the old STOPWORDS held 末尾, 哪两篇, 登在)."""
    lexicon = (ROOT / "assistant" / "data" / "lexicon.toml").read_text(encoding="utf-8")
    for phrase in ("末尾", "哪两篇", "登在", "e-lecture", "approval rate", "spring tea"):
        assert phrase not in lexicon
    assert not Path(ROOT / "assistant" / "english.py").exists()
