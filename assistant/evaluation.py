"""Evaluation on the Q&A set: retrieval hits, cited-article hits, key facts, refusals, latency."""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .cleaning import compact
from .errors import ConfigError
from .render import answer_text
from .records import Answer, Article, Hit

# Item types whose right response is a refusal.
UNANSWERABLE_TYPES = ("unanswerable", "near_miss", "english_unanswerable")


@dataclass(frozen=True)
class QAItem:
    id: str
    type: str
    question: str
    answer: str
    key_facts: tuple[str, ...]
    gold: tuple[tuple[str, str], ...]  # (file, title)
    turns: tuple[str, ...] | None
    support: tuple[str, ...] = ()  # the sentences the question was written for (judge set only)
    split: str = ""  # "calibration" | "test" in the judge set; empty in qa.jsonl
    kind: str = ""  # what it asks for (quantity, person, ...), or for a near miss what was changed

    @property
    def answerable(self) -> bool:
        return self.type not in UNANSWERABLE_TYPES


def load_set(path: Path) -> list[QAItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        items.append(
            QAItem(
                id=row["id"], type=row["type"], question=row["question"], answer=row.get("answer", ""),
                key_facts=tuple(row.get("key_facts") or ()),
                gold=tuple((g["file"], g["title"]) for g in row.get("gold") or ()),
                turns=tuple(row["turns"]) if row.get("turns") else None,
                support=tuple(row.get("support") or ()), split=row.get("split", ""),
                kind=row.get("kind") or row.get("change") or "",
            )
        )
    return items


def is_gold(article: Article, gold: tuple[tuple[str, str], ...]) -> bool:
    """Titles match ignoring spaces and punctuation; brief titles are prefixes (they are derived)."""
    title = compact(article.title)
    for file, gold_title in gold:
        if article.source != file:
            continue
        expected = compact(gold_title)
        if title == expected or (title and expected.startswith(title)) or (expected and title.startswith(expected)):
            return True
    return False


def evaluate(assistant, items: list[QAItem]) -> dict:
    """Run every item; return per-item records and aggregate metrics (overall and per type).

    A follow-up is asked as a conversation: its earlier turns first, then the scored last turn. Each
    timed question embeds its text anew (the shared vector cache is emptied), as a new question does.
    """
    from .conversation import Conversation
    from .embedding import forget_vectors

    records = []
    for item in items:
        conversation = Conversation()
        for turn in (item.turns or ())[:-1]:
            assistant.ask(turn, conversation=conversation)
        question = item.turns[-1] if item.turns else item.question
        forget_vectors()
        start = time.perf_counter()
        answer: Answer = assistant.ask(question, conversation=conversation)
        latency = time.perf_counter() - start
        records.append(_score(item, list(answer.retrieved), answer, latency))  # the hits the answer came from
    return {"metrics": _aggregate(records), "by_type": _by_type(records), "items": records}


def _ndcg5(ranks: list[int], gold_count: int) -> float:
    """Binary-relevance nDCG@5 over the retrieved articles."""
    import math

    dcg = sum(1 / math.log2(rank + 2) for rank in ranks if rank < 5)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(5, gold_count)))
    return dcg / ideal if ideal else 0.0


def fact_found(fact: str, answer: str, language: str = "zh") -> bool:
    """A key fact is in an answer when written as it is, or when one sentence of the answer holds each of
    its figures (in any form: 5次 = 五次) and each of its other words: 座谈会7次 in 做了7次座谈会, 入户走访5次
    in 入户走访了5次. A fact without a figure (a name) must be written as it is. An English answer cannot
    hold the fact's Chinese words: it holds the fact also when one of its sentences writes each of the
    fact's figures in digits (11个月 in "lasts 11 months"); a fact without a figure (王坚) must be quoted."""
    from .attribution import numbers
    from .figures import find_figures
    from .lexical import content_terms

    if compact(fact) in compact(answer):
        return True
    figures = find_figures(fact)
    if not figures:
        return False
    if language == "en":
        wanted = [numbers(f.text) or {f"{f.value:g}"} for f in figures]
        if any(all(w <= numbers(s) for w in wanted) for s in re.split(r"(?<=[.!?])\s+|[。！？；\n]", answer)):
            return True
    rest = fact
    for figure in sorted(figures, key=lambda f: -f.start):
        rest = rest[:figure.start] + " " + rest[figure.end:]
    words = [compact(w) for w in content_terms(rest) if len(compact(w)) >= 2]
    for sentence in re.split(r"[。！？!?；;\n]", answer):
        held = find_figures(sentence)
        if all(any(f.same_value(h) and f.unit_class == h.unit_class for h in held) for f in figures) and all(
                w in compact(sentence) for w in words):
            return True
    return False


def _score(item: QAItem, hits: list[Hit], answer: Answer, latency: float) -> dict:
    ranks = [i for i, hit in enumerate(hits) if is_gold(hit.article, item.gold)]
    first_rank = ranks[0] if ranks else None
    cited = [citation.hit.article for citation in answer.sources]  # one per source number, in order
    text = compact(answer.text)
    facts_found = [fact for fact in item.key_facts if fact_found(fact, answer.text, answer.language)]
    verbatim = [fact for fact in item.key_facts if compact(fact) in text]
    return {
        "id": item.id, "type": item.type, "question": item.question, "answerable": item.answerable,
        "refused": answer.refused, "latency": latency,
        "retrieval_rank": first_rank,
        "ndcg@5": _ndcg5(ranks, len(item.gold)),
        "cited_first_gold": bool(cited) and is_gold(cited[0], item.gold),
        "cited_gold": [is_gold(article, item.gold) for article in cited],
        "gold_count": len(item.gold),
        "gold_cited": len({(a.source, a.title) for a in cited if is_gold(a, item.gold)}),
        "facts": len(item.key_facts), "facts_found": len(facts_found), "facts_verbatim": len(verbatim),
        "answer": answer.text,
        "shown": answer_text(answer),  # the answer with its references, as the CLI shows it
        "mode": answer.mode, "notice": answer.notice, "rewritten": answer.rewritten,
        "unsupported": list(answer.unsupported),
        "cited_titles": [a.title for a in cited],
        "cited_sources": [a.source for a in cited],
        "llm_verified": answer.mode == "llm" and not answer.refused and bool(answer.citations),
        "shown_sentences": sum(1 for c in answer.checked if c.verdict == "supported"),
        "figures_not_in_quote": _figures_not_in_quote(answer),
        "checked": [{"text": c.text, "verdict": c.verdict, "reason": c.reason} for c in answer.checked],
    }


def _figures_not_in_quote(answer: Answer) -> list[str]:
    """Figures of shown LLM sentences that neither the quote they cite holds nor the masthead of its issue
    (期号, 总期号, date, which the citation shows beside the quote). The target is none."""
    from .attribution import numbers
    from .claims import english_claim, masthead_text
    from .figures import find_figures

    missing = []
    for claim in answer.checked:
        if claim.verdict != "supported":
            continue
        mastheads = " ".join(dict.fromkeys(masthead_text(c.hit) for c in answer.citations if c.n in claim.cited))
        if english_claim(claim.text):  # English writes a year or a count as bare digits: compare the digits
            missing += [f"{claim.text}: {n}" for n in sorted(numbers(claim.text) - numbers(claim.quote + mastheads))]
            continue
        held = find_figures(claim.quote) + find_figures(mastheads)
        # 两期…: a count of issues is held by the distinct issues the sentence cites.
        issues = len({c.hit.issue.source for c in answer.citations if c.n in claim.cited})
        missing += [f"{claim.text}: {f.text}" for f in find_figures(claim.text)
                    if not any(f.same_value(h) for h in held) and not (f.unit == "期" and f.kind == "quantity"
                                                                       and f.value == issues)]
    return missing


def _aggregate(records: list[dict]) -> dict:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    metrics: dict[str, float] = {}
    if answerable:
        n = len(answerable)
        metrics["retrieval_hit@1"] = sum(r["retrieval_rank"] == 0 for r in answerable) / n
        metrics["retrieval_hit@3"] = sum(r["retrieval_rank"] is not None and r["retrieval_rank"] < 3 for r in answerable) / n
        metrics["retrieval_hit@5"] = sum(r["retrieval_rank"] is not None for r in answerable) / n
        metrics["mrr"] = sum(1 / (r["retrieval_rank"] + 1) for r in answerable if r["retrieval_rank"] is not None) / n
        metrics["ndcg@5"] = sum(r["ndcg@5"] for r in answerable) / n
        # hit@k of the first cited article: the article the answer's first [1] points at.
        metrics["cited_hit@1"] = sum(r["cited_first_gold"] for r in answerable) / n
        metrics["cited_hit@3"] = sum(any(r["cited_gold"][:3]) for r in answerable) / n
        cited = [flag for r in answerable for flag in r["cited_gold"]]
        metrics["citation_precision"] = sum(cited) / len(cited) if cited else 0.0
        metrics["citation_recall"] = sum(min(r["gold_cited"], r["gold_count"]) for r in answerable) / max(
            1, sum(r["gold_count"] for r in answerable))
        facts = sum(r["facts"] for r in answerable)
        metrics["key_fact_recall"] = sum(r["facts_found"] for r in answerable) / facts if facts else 0.0
        # The same, counting only facts written exactly as in the set (the measure of earlier reports).
        metrics["key_fact_recall_verbatim"] = sum(r.get("facts_verbatim", r["facts_found"]) for r in answerable) / facts if facts else 0.0
        metrics["answered_rate"] = sum(not r["refused"] for r in answerable) / n
        if any(r["mode"] == "llm" or r["checked"] for r in records):
            # The LLM path: answered by the model with verified citations, not by the fallback.
            metrics["llm_verified_rate"] = sum(r["llm_verified"] for r in answerable) / n
            metrics["shown_figures_not_in_quote"] = sum(len(r["figures_not_in_quote"]) for r in records)
            metrics["llm_sentences_removed"] = sum(len(r["unsupported"]) for r in records)
    if unanswerable:
        metrics["refusal_rate_unanswerable"] = sum(r["refused"] for r in unanswerable) / len(unanswerable)
    if records:
        correct = sum((not r["refused"]) if r["answerable"] else r["refused"] for r in records)
        metrics["refusal_accuracy"] = correct / len(records)
        latencies = sorted(r["latency"] for r in records)
        metrics["latency_p50_ms"] = 1000 * statistics.median(latencies)
        metrics["latency_p95_ms"] = 1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    metrics["questions"] = len(records)
    return {key: round(value, 4) if isinstance(value, float) else value for key, value in metrics.items()}


def _by_type(records: list[dict]) -> dict:
    groups = defaultdict(list)
    for record in records:
        groups[record["type"]].append(record)
    return {kind: _aggregate(group) for kind, group in sorted(groups.items())}


def check_gate(metrics: dict, thresholds_path: Path, section: str | None = None) -> list[str]:
    """Metrics below their [min] threshold or above their [max] one, as messages.

    `section` selects a set's own table ([judge_test.min], ...); without it the top-level tables
    apply (eval/qa.jsonl)."""
    thresholds = tomllib.loads(thresholds_path.read_text(encoding="utf-8"))
    if section is not None:
        thresholds = thresholds.get(section, {})
    failures = []
    for key, floor in thresholds.get("min", {}).items():
        value = metrics.get(key)
        if value is None or value < floor:
            failures.append(f"{key} = {value} < {floor}")
    for key, ceiling in thresholds.get("max", {}).items():
        value = metrics.get(key)
        if value is None or value > ceiling:
            failures.append(f"{key} = {value} > {ceiling}")
    return failures


def print_table(result: dict, out=sys.stdout) -> None:
    metrics = result["metrics"]
    print("metric                          value", file=out)
    for key, value in metrics.items():
        print(f"{key:<30} {value}", file=out)
    print("\nby type: n  retr@1  cited@1  facts  refused", file=out)
    for kind, m in result["by_type"].items():
        print(
            f"  {kind:<13} {m['questions']:>3}  {m.get('retrieval_hit@1', '-'):>6}  {m.get('cited_hit@1', '-'):>6}  "
            f"{m.get('key_fact_recall', '-'):>6}  {m.get('refusal_rate_unanswerable', 1 - m.get('answered_rate', 1)):.2f}",
            file=out,
        )


MODES = ("hybrid", "dense", "bm25")
JUDGE_SET = Path(__file__).resolve().parent.parent / "eval" / "judge_set.jsonl"
CLAIMS_SET = Path(__file__).resolve().parent.parent / "eval" / "claims.jsonl"
REPORTS = Path(__file__).resolve().parent.parent / "eval" / "reports"


def run(settings, qa_set: Path, retrieval: str = "hybrid", answerer: str = "extractive",
        out_dir: Path | None = None, gate: Path | None = None, embedder=None,
        judge_set: Path | None = JUDGE_SET, claims_set: Path | None = CLAIMS_SET) -> int:
    """Evaluate one retrieval mode or all three; write JSON and Markdown reports (and a plot for all)."""
    from .pipeline import Assistant

    items = load_set(qa_set)
    modes = MODES if retrieval == "all" else (retrieval,)
    results = {}
    for mode in modes:
        assistant = Assistant(settings, embedder=embedder, retrieval=mode, use_llm=answerer == "llm")
        embedder = assistant.embedder
        if answerer == "llm" and assistant.mode != "llm":
            raise ConfigError("--answerer llm needs ASSISTANT_LLM_BASE_URL (and ASSISTANT_LLM_MODEL)")
        result = evaluate(assistant, items)
        result["config"] = {"retrieval": mode, "answerer": answerer, "embedder": embedder.name,
                            "set": qa_set.name, "questions": len(items),
                            "llm_model": settings.llm_model if answerer == "llm" else None}
        assistant.close()
        print(f"\n== retrieval {mode}, answerer {answerer} ==")
        print_table(result)
        results[mode] = result
        if out_dir:
            write_reports(result, out_dir / f"{answerer}-{mode}")
    if len(results) > 1:
        print("\n" + comparison_markdown(results))
        if out_dir:
            (out_dir / f"{answerer}-comparison.md").write_text(comparison_markdown(results), encoding="utf-8")
            plot_comparison(results, out_dir / f"{answerer}-comparison.png")
    if gate:
        headline = results.get("hybrid") or next(iter(results.values()))
        failures = check_gate(headline["metrics"], gate)
        if judge_set is not None and judge_set.exists():
            assistant = Assistant(settings, embedder=embedder, retrieval="hybrid", use_llm=answerer == "llm")
            for name, metrics in judge_set_results(assistant, judge_set, out_dir, answerer).items():
                failures += [f"{name}: {failure}" for failure in check_gate(metrics, gate, section=name)]
            if answerer == "extractive" and claims_set is not None and claims_set.exists():
                for name, metrics in claims_results(assistant, claims_set, out_dir).items():
                    failures += [f"{name}: {failure}" for failure in check_gate(metrics, gate, section=name)]
            assistant.close()
        return _report_gate(failures)
    return 0



def judge_set_results(assistant, path: Path, out_dir: Path | None, answerer: str = "extractive") -> dict[str, dict]:
    """The judge set's calibration and test parts, and its English questions, each with its metrics.

    The test part was never used in fitting (eval/fit_judge.py reads calibration only)."""
    items = load_set(path)
    parts = {
        "judge_calibration": [i for i in items if i.split == "calibration" and not i.type.startswith("english")],
        "judge_test": [i for i in items if i.split == "test" and not i.type.startswith("english")],
        "judge_english": [i for i in items if i.type.startswith("english")],
    }
    metrics = {}
    for name, part in parts.items():
        result = evaluate(assistant, part)
        result["config"] = {"retrieval": "hybrid", "answerer": answerer, "embedder": assistant.embedder.name,
                            "set": f"{path.name} ({name})", "questions": len(part)}
        print(f"\n== {name} ({len(part)} questions) ==")
        print_table(result)
        if out_dir:
            write_reports(result, out_dir / f"{answerer}-{name}")
        metrics[name] = result["metrics"]
    return metrics


def write_reports(result: dict, stem: Path) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown_report(result), encoding="utf-8")


def markdown_report(result: dict) -> str:
    config = result.get("config", {})
    lines = [f"# Evaluation: retrieval {config.get('retrieval')}, answerer {config.get('answerer')}", "",
             f"Embedder `{config.get('embedder')}`, set `{config.get('set')}`"
             + (f", LLM `{config.get('llm_model')}`" if config.get("llm_model") else "") + ".", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in result["metrics"].items()]
    lines += ["", "| type | n | retrieval hit@1 | cited hit@1 | key facts | refused |", "|---|---|---|---|---|---|"]
    for kind, m in result["by_type"].items():
        refused = m.get("refusal_rate_unanswerable", round(1 - m.get("answered_rate", 1), 4))
        lines.append(f"| {kind} | {m['questions']} | {m.get('retrieval_hit@1', '-')} | {m.get('cited_hit@1', '-')} | "
                     f"{m.get('key_fact_recall', '-')} | {refused} |")
    misses = [r for r in result["items"] if (r["answerable"] and not r["cited_first_gold"])
              or (not r["answerable"] and not r["refused"])]
    if misses:
        lines += ["", "## Misses", "", "| id | type | question | answer starts |", "|---|---|---|---|"]
        for r in misses:
            answer = r["answer"][:60].replace("|", "｜").replace("\n", " ")
            lines.append(f"| {r['id']} | {r['type']} | {r['question'].replace('|', '｜')} | {answer} |")
    return "\n".join(lines) + "\n"


COMPARED = ("retrieval_hit@1", "retrieval_hit@3", "mrr", "ndcg@5", "cited_hit@1", "citation_precision",
            "key_fact_recall", "refusal_accuracy")


def comparison_markdown(results: dict) -> str:
    modes = list(results)
    lines = ["| metric | " + " | ".join(modes) + " |", "|---|" + "---|" * len(modes)]
    for key in (*COMPARED, "latency_p50_ms", "latency_p95_ms"):
        lines.append(f"| {key} | " + " | ".join(str(results[m]["metrics"].get(key, "-")) for m in modes) + " |")
    return "\n".join(lines) + "\n"


def plot_comparison(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    modes = list(results)
    x = np.arange(len(COMPARED))
    width = 0.8 / len(modes)
    fig, ax = plt.subplots(figsize=(11, 4.5))
    for i, mode in enumerate(modes):
        values = [results[mode]["metrics"].get(key, 0) for key in COMPARED]
        bars = ax.bar(x + i * width - 0.4 + width / 2, values, width, label=mode)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(x, COMPARED, rotation=20, ha="right", fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("score")
    answerer = results[modes[0]]["config"]["answerer"]
    ax.set_title(f"Retrieval modes compared ({answerer} answerer, {results[modes[0]]['config']['questions']} questions)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _report_gate(failures: list[str]) -> int:
    for failure in failures:
        print(f"评测未达标：{failure}", file=sys.stderr)
    if failures:
        return 1
    print("评测达标：所有指标不低于阈值")
    return 0


def run_cli(args, settings) -> int:
    if args.qa_only:  # the gate of eval/qa.jsonl alone, without the judge set and the claims set
        return run(settings, args.qa_set, args.retrieval, args.answerer, args.out, args.gate, judge_set=None,
                   claims_set=None)
    return run(settings, args.qa_set, args.retrieval, args.answerer, args.out, args.gate)


FAITHFUL_KINDS = ("verbatim", "clause", "paraphrase", "translation")


def load_claims(path: Path = CLAIMS_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_claims(assistant, items: list[dict]) -> dict:
    """Every claim through `assistant check`'s path (retrieval over the archive, then the checker).

    Metrics: the share of faithful claims accepted per kind (verbatim, clause, paraphrase), with the
    share cited to their own article; the share of mutated claims accepted (overall and per kind:
    the gate allows at most 1%), and how many of the rejected ones were called contradicted."""
    records = []
    for item in items:
        started = time.perf_counter()
        check = assistant.check_claim(item["claim"])
        records.append({**item, "verdict": check.verdict, "reason": check.reason, "quote": check.quote,
                        "cited_article": check.support[0].hit.article.article_id if check.support else None,
                        "seconds": round(time.perf_counter() - started, 4)})
    metrics: dict[str, float | int] = {"claims": len(records)}
    faithful = [r for r in records if r["label"] == "faithful"]
    mutated = [r for r in records if r["label"] == "mutated"]
    for kind in FAITHFUL_KINDS:
        group = [r for r in faithful if r["kind"] == kind]
        if group:
            metrics[f"{kind}_accepted"] = _share(r["verdict"] == "supported" for r in group)
            metrics[f"{kind}_claims"] = len(group)
    accepted = [r for r in faithful if r["verdict"] == "supported"]
    if accepted:
        metrics["accepted_cited_own_article"] = _share(r["cited_article"] == r["article_id"] for r in accepted)
    if mutated:
        metrics["mutated_claims"] = len(mutated)
        metrics["mutated_accepted"] = _share(r["verdict"] == "supported" for r in mutated)
        metrics["mutated_contradicted"] = _share(r["verdict"] == "contradicted" for r in mutated)
        generated = [r for r in mutated if r.get("origin") == "generated"]
        written = [r for r in mutated if r.get("origin") != "generated"]
        if generated:  # made by eval/make_claims.py from the sentences
            metrics["generated_mutated_accepted"] = _share(r["verdict"] == "supported" for r in generated)
        if written:  # written by hand, from the articles' content, by helpers who never saw the code
            metrics["written_false_accepted"] = _share(r["verdict"] == "supported" for r in written)
    by_kind = {}
    for kind in sorted({r["kind"] for r in records}):
        group = [r for r in records if r["kind"] == kind]
        by_kind[kind] = {"claims": len(group), "label": group[0]["label"],
                         **{v: _share(r["verdict"] == v for r in group) for v in ("supported", "contradicted", "not_found")}}
    seconds = sorted(r["seconds"] for r in records)
    metrics["p50_seconds"] = seconds[len(seconds) // 2] if seconds else 0.0
    return {"metrics": metrics, "by_kind": by_kind, "items": records}


def _share(flags) -> float:
    flags = list(flags)
    return round(sum(1 for f in flags if f) / len(flags), 4) if flags else 0.0


def claims_results(assistant, path: Path, out_dir: Path | None) -> dict[str, dict]:
    """The mutation set's calibration and test parts (eval/fit_checker.py reads calibration only), and
    those of the English claims beside it (eval/claims_en.jsonl), when there are any."""
    metrics = _claims_parts(assistant, path, out_dir, "claims")
    english = path.with_name(path.stem + "_en.jsonl")
    if english.exists():
        metrics.update(_claims_parts(assistant, english, out_dir, "claims_english"))
    return metrics


def _claims_parts(assistant, path: Path, out_dir: Path | None, prefix: str) -> dict[str, dict]:
    items = load_claims(path)
    metrics = {}
    for name, split in ((f"{prefix}_calibration", "calibration"), (f"{prefix}_test", "test")):
        result = evaluate_claims(assistant, [i for i in items if i["split"] == split])
        result["config"] = {"set": f"{path.name} ({split})", "embedder": assistant.embedder.name}
        print(f"\n== {name} ({len(result['items'])} claims) ==")
        print_claims_table(result)
        if out_dir:
            stem = out_dir / name
            stem.parent.mkdir(parents=True, exist_ok=True)
            stem.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        metrics[name] = result["metrics"]
    return metrics


def print_claims_table(result: dict, out=sys.stdout) -> None:
    for key, value in result["metrics"].items():
        print(f"{key:<30} {value}", file=out)
    print("\nkind          label     n   supported  contradicted  not_found", file=out)
    for kind, row in result["by_kind"].items():
        print(f"  {kind:<11} {row['label']:<8} {row['claims']:>4}  {row['supported']:>8}  {row['contradicted']:>11}  "
              f"{row['not_found']:>9}", file=out)
