"""The scale evaluation's distractor archive: checked not to hold the eval questions' answers."""

import re
import shutil
import sys

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "eval"))

import scale  # noqa: E402

DISTRACTORS = ROOT / "eval" / "distractors"


@pytest.mark.slow
def test_the_committed_distractors_hold_no_eval_answer_and_the_check_finds_planted_ones(tmp_path):
    groups = scale.question_groups()
    items = [item for group in groups.values() for item in group]
    articles = scale.distractor_articles(DISTRACTORS)
    assert len(articles) >= 300 and len({file for file, _, _ in articles}) >= 30
    assert scale.check_distractors(DISTRACTORS, items) == []

    # The check is not vacuous: plant every supporting sentence (written for the judge set) into one
    # distractor issue, each as an article of its own, and a year of the sample into another.
    planted = [item for item in items if item.answerable and item.support and item.key_facts]
    copy = tmp_path / "distractors"
    shutil.copytree(DISTRACTORS, copy)
    target = copy / "2016-02.txt"
    text = target.read_text(encoding="utf-8")
    cut = text.index("送：")
    body = "\n\n".join(f"市人大常委会工作动态之{n}\n\n{item.support[0]}\n\n(研究室 某某)" for n, item in enumerate(planted))
    target.write_text(text[:cut] + body + "\n\n" + text[cut:], encoding="utf-8")
    late = copy / "2017-02.txt"
    late.write_text(late.read_text(encoding="utf-8").replace("2017 年", "2024 年", 1), encoding="utf-8")
    problems = scale.check_distractors(copy, items)
    found = {re.search(r" of (\S+) \(", p).group(1) for p in problems if " holds " in p}
    assert len(found & {item.id for item in planted}) >= 0.95 * len(planted)
    assert any(p.startswith("2017-02.txt names [2024]") for p in problems)


def test_the_gate_asks_each_retrieval_metric_to_keep_its_share(tmp_path):
    thresholds = tmp_path / "t.toml"
    thresholds.write_text('[scale]\nmetrics = ["retrieval_hit@3"]\n[scale.english]\nmin_ratio = 0.95\n'
                          '[scale.chinese]\nmin_ratio = 0.90\n', encoding="utf-8")
    small = {"chinese": {"retrieval_hit@3": 1.0, "answered_rate": 1.0}, "english": {"retrieval_hit@3": 0.9}}
    large = {"chinese": {"retrieval_hit@3": 0.91, "answered_rate": 0.5}, "english": {"retrieval_hit@3": 0.8}}
    table = scale.compare(small, large)
    assert table["english"]["retrieval_hit@3"] == {"1x": 0.9, "Nx": 0.8, "ratio": 0.8889}
    failures = scale.gate(table, thresholds)
    assert len(failures) == 1 and failures[0].startswith("scale english retrieval_hit@3: 0.8 at Nx")
