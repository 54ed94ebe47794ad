"""The evaluation harness and its gate."""

import json
import tomllib
from pathlib import Path

import pytest

from assistant.evaluation import check_gate, is_gold, load_set
from assistant.records import Article

from .conftest import ROOT, run_cli

QA = ROOT / "eval" / "qa.jsonl"


def test_the_set_is_complete_and_well_formed():
    items = load_set(QA)
    counts = {}
    for item in items:
        counts[item.type] = counts.get(item.type, 0) + 1
        assert item.question.strip()
        if item.answerable:
            assert item.gold and item.key_facts, item.id
        else:
            assert not item.gold
        if item.type == "followup":
            assert item.turns and len(item.turns) >= 2 and item.turns[-1] == item.question
    assert len(items) >= 120
    assert all(counts.get(kind, 0) >= 10 for kind in
               ("fact", "list", "cross_issue", "changing", "issue_meta", "unanswerable", "english", "followup"))


def test_key_facts_occur_in_their_gold_files():
    import re

    for item in load_set(QA):
        texts = "".join(re.sub(r"\s+", "", (ROOT / "sample" / f).read_text(encoding="utf-8")) for f, _ in item.gold)
        for fact in item.key_facts:
            assert re.sub(r"\s+", "", fact).replace("(", "（").replace(")", "）") in texts.replace("(", "（").replace(")", "）") \
                or item.type in ("issue_meta", "followup"), (item.id, fact)


def test_gold_matching_ignores_punctuation_and_accepts_derived_brief_titles():
    article = Article("x", "f.txt", 0, "西湖区：“点、线、面”结合助力优化营商环境", "article", "", "", (), "西湖区", "", ("p",))
    assert is_gold(article, (("f.txt", "西湖区:“点、线、面”结合助力优化营商环境"),))
    assert not is_gold(article, (("g.txt", "西湖区:“点、线、面”结合助力优化营商环境"),))
    brief = Article("y", "f.txt", 1, "滨江区人大常委会开展“主场迎亚运，代表展担当”主题活动", "brief", "", "", (), "", "", ("p",))
    assert is_gold(brief, (("f.txt", "滨江区人大常委会开展“主场迎亚运"),))


def test_gate_bites_when_a_metric_falls(tmp_path):
    gate = ROOT / "eval" / "thresholds.toml"
    baseline = json.loads((ROOT / "eval" / "reports" / "extractive-hybrid.json").read_text(encoding="utf-8"))
    assert check_gate(baseline["metrics"], gate) == []  # the committed baseline passes its own gate
    bm25 = json.loads((ROOT / "eval" / "reports" / "extractive-bm25.json").read_text(encoding="utf-8"))
    failures = check_gate(bm25["metrics"], gate)  # BM25 alone is the "broken retrieval" case
    assert any(f.startswith("retrieval_hit@1") for f in failures)
    worse = dict(baseline["metrics"], refusal_accuracy=0.5)
    floor = tomllib.loads(gate.read_text(encoding="utf-8"))["min"]["refusal_accuracy"]
    assert check_gate(worse, gate) == [f"refusal_accuracy = 0.5 < {floor}"]


def test_each_part_of_the_claims_set_has_its_own_gate():
    gate = ROOT / "eval" / "thresholds.toml"
    for part in ("claims_calibration", "claims_test"):
        report = json.loads((ROOT / "eval" / "reports" / f"{part}.json").read_text(encoding="utf-8"))
        assert report["metrics"]["claims"] > 400 and check_gate(report["metrics"], gate, section=part) == []
        worse = dict(report["metrics"], mutated_accepted=0.05, paraphrase_accepted=0.5)
        assert sorted(f.split(" = ")[0] for f in check_gate(worse, gate, section=part)) == [
            "mutated_accepted", "paraphrase_accepted"]


def test_each_part_of_the_judge_set_has_its_own_gate():
    gate = ROOT / "eval" / "thresholds.toml"
    for part in ("judge_calibration", "judge_test", "judge_english"):
        report = json.loads((ROOT / "eval" / "reports" / f"extractive-{part}.json").read_text(encoding="utf-8"))
        assert check_gate(report["metrics"], gate, section=part) == []
        worse = dict(report["metrics"], refusal_rate_unanswerable=0.1)
        assert [f.split(" = ")[0] for f in check_gate(worse, gate, section=part)] == ["refusal_rate_unanswerable"]


@pytest.mark.slow
def test_eval_command_compares_all_modes_and_writes_reports(real_index, tmp_path):
    result = run_cli("--index", str(real_index), "eval", "--retrieval", "all", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for mode in ("hybrid", "dense", "bm25"):
        report = json.loads((tmp_path / f"extractive-{mode}.json").read_text(encoding="utf-8"))
        assert report["config"]["retrieval"] == mode and report["metrics"]["questions"] >= 120
        assert (tmp_path / f"extractive-{mode}.md").read_text(encoding="utf-8").startswith("# Evaluation")
    assert (tmp_path / "extractive-comparison.png").stat().st_size > 10_000
    assert "| ndcg@5 |" in (tmp_path / "extractive-comparison.md").read_text(encoding="utf-8")
    assert "| metric | hybrid | dense | bm25 |" in result.stdout


def test_gate_from_the_command_line_fails_on_broken_retrieval(real_index, tmp_path):
    gate = ROOT / "eval" / "thresholds.toml"
    result = run_cli("--index", str(real_index), "eval", "--retrieval", "bm25", "--gate", str(gate),
                     "--out", str(tmp_path), "--qa-only")
    # BM25 alone (English questions through the term bridge) comes close on retrieval (hit@1 0.947 against
    # 0.954) but cites less precisely: the gate still turns it away.
    assert result.returncode == 1 and result.stderr.startswith("评测未达标：")


@pytest.mark.parametrize("fact, answer, found, language", [
    ("座谈会7次", "改前召开座谈会7次。", True, "zh"),
    ("座谈会7次", "油田小区在改造前做了7次座谈会，发放调查问卷566份。", True, "zh"),  # the same fact, other order
    ("入户走访5次", "街道人大工委入户走访了五次。", True, "zh"),  # another form of the figure
    ("入户走访5次", "街道人大工委入户走访了6次。", False, "zh"),
    ("座谈会7次", "召开论证会7次。座谈会也开了。", False, "zh"),  # the words and the figure in one sentence
    ("5大类指标", "包含5大类、27个项目目标。", False, "zh"),
    ("王坚", "聘请王坚为立法顾问。", True, "zh"),
    ("王坚", "聘请院士为立法顾问。", False, "zh"),
    # An English answer holds a fact that it writes in digits; its Chinese words cannot be matched.
    ("11个月", "The campaign lasts for 11 months[1].", True, "en"),
    ("11个月", "The campaign lasts for 12 months[1].", False, "en"),
    ("座谈会7次", "They held 7 forums[1]. 座谈会 were held too.", True, "en"),  # the figures, not the words
    ("178名", "291 deputies took part, 61.2% of all[1].", False, "en"),
    ("99.8%", "It passed with 99.80% approval.", True, "en"),
    ("五次", "They visited 5 times.", True, "en"),
    ("王坚", "Professor Wang Jian was hired.", False, "en"),  # a name cannot be matched across languages
    ("王坚", "From the archive (quoted in Chinese): “聘请王坚为立法顾问。”[1]", True, "en"),
    ("入户走访5次", "“街道人大工委入户走访了五次。”[1]", True, "en"),  # a quoted Chinese sentence
])
def test_a_key_fact_is_found_in_any_wording_that_holds_its_figures_and_words(fact, answer, found, language):
    from assistant.evaluation import fact_found

    assert fact_found(fact, answer, language) is found


def test_a_shown_figure_must_be_in_its_quote_or_what_its_citations_show():
    from assistant.evaluation import _figures_not_in_quote
    from assistant.records import Answer, CheckedClaim, Citation, Hit, Issue

    def cited(n, issue_no, text):
        issue = Issue(f"{issue_no}.txt", "0", issue_no=issue_no, total_no=690 + issue_no, date="2025-07-11")
        article = Article(f"a{n}", issue.source, n, "西湖区", "article", "", "", (), "西湖区", "", (text,))
        return Citation(n, Hit(issue, article, (), 1.0), text, 1.0)

    citations = (cited(1, 9, "新增大学生创业企业387家。"), cited(2, 5, "新增大学生创业企业2075家。"))
    claim = CheckedClaim("两期中新增大学生创业企业分别是387家和2075家。", "supported",
                         quote="新增大学生创业企业387家。新增大学生创业企业2075家。", cited=(1, 2))
    answer = Answer(question="q", text=claim.text, refused=False, citations=citations, mode="llm", checked=(claim,))
    assert _figures_not_in_quote(answer) == []  # 两期: the two issues the sentence cites
    three = CheckedClaim("三期中新增大学生创业企业分别是387家和2075家。", "supported", quote=claim.quote, cited=(1, 2))
    wrong = CheckedClaim("两期中新增大学生创业企业分别是387家和2076家。", "supported", quote=claim.quote, cited=(1, 2))
    answer = Answer(question="q", text="", refused=False, citations=citations, mode="llm", checked=(three, wrong))
    assert _figures_not_in_quote(answer) == [f"{three.text}: 三期", f"{wrong.text}: 2076家"]
