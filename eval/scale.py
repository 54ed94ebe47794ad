"""Quality at archive scale: the eval questions over the sample alone, then with the distractor archive.

    python eval/scale.py [--distractors eval/distractors] [--work DIR] [--gate eval/thresholds.toml]

`eval/distractors/` holds issue files written for this (other years, districts, cities and topics of the
same bodies: hard negatives). They are first checked mechanically not to hold the answers of the eval
questions. Then the sample is ingested with the bundled model and every question set is run (Chinese
and English separately); the distractors are ingested into the same index and the sets run again. The
report gives each metric at 1x, at Nx (N = articles with distractors / sample articles) and the ratio;
the gate ([scale] in thresholds.toml) asks every retrieval metric to keep a share of its 1x value.

--work keeps the index (and its vector cache) in DIR, so a rerun does not embed again.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.cleaning import compact  # noqa: E402
from assistant.embedding import forget_vectors  # noqa: E402
from assistant.evaluation import QAItem, evaluate, load_set  # noqa: E402
from assistant.ingest import ingest  # noqa: E402
from assistant.lexical import content_terms  # noqa: E402
from assistant.parsing import parse_issue  # noqa: E402
from assistant.reader import read_source  # noqa: E402
from assistant.settings import load_settings  # noqa: E402

SETS = (ROOT / "eval" / "qa.jsonl", ROOT / "eval" / "judge_set.jsonl")
METRICS = ("retrieval_hit@1", "retrieval_hit@3", "retrieval_hit@5", "mrr", "ndcg@5", "cited_hit@1", "cited_hit@3",
           "citation_precision", "key_fact_recall", "answered_rate", "refusal_rate_unanswerable")
# The bulletin issues the distractors may not speak of: the sample's years and later.
FIRST_SAMPLE_YEAR = 2023


# Questions over the whole archive ("哪几期讲过建德市人大的工作？"): the distractors rightly add to their
# answer, so their 1x gold is no longer the whole answer at Nx. They are left out of the comparison.
ARCHIVE_WIDE = ("cross_issue",)


def question_groups() -> dict[str, list[QAItem]]:
    items = [item for path in SETS for item in load_set(path) if item.type not in ARCHIVE_WIDE]
    english = [item for item in items if item.type.startswith("english")]
    return {"chinese": [item for item in items if item not in english], "english": english}


def distractor_articles(folder: Path) -> list[tuple[str, str, str]]:
    """(file, title, text) of every article in the distractor issue files."""
    rows = []
    for path in sorted(folder.glob("*.txt")):
        source = read_source(path)
        for article in parse_issue(source.text, source.name, source.sha256).articles:
            rows.append((path.name, article.title, "\n".join((article.title, article.text, article.byline))))
    return rows


def check_distractors(folder: Path, items: list[QAItem]) -> list[str]:
    """What would make a distractor hold an eval answer; empty when none does.

    - A sentence with every key fact of an answerable question that also covers at least half of the
      words of the question, or of the sentences it was written from (else of the question with its
      reference answer), weighted by IDF over
      the sample and distractor articles (so 人大常委会 weighs little and 临平区 or 医保 much). A
      follow-up counts the words of all its turns.
    - A year from the sample's years on (the distractors are set before them, so no question about
      the sample's events can find its answer there).
    """
    import math

    from assistant.sentences import split_sentences

    articles = distractor_articles(folder)
    sample = [article.title + "\n" + article.text for path in sorted((ROOT / "sample").glob("*.txt"))
              for source in [read_source(path)] for article in parse_issue(source.text, source.name, source.sha256).articles]
    documents = [set(content_terms(text)) for text in sample + [text for _, _, text in articles]]
    frequency: dict[str, int] = {}
    for words in documents:
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1

    def idf(word: str) -> float:
        return math.log((1 + len(documents)) / (1 + frequency.get(word, 0)))

    problems = []
    sentences = [(file, title, compact(sentence)) for file, title, text in articles for sentence in split_sentences(text)]
    for item in items:
        if not item.answerable or not item.key_facts:
            continue
        facts = [compact(fact) for fact in item.key_facts]
        asked = {word for turn in (item.turns or (item.question,)) for word in content_terms(turn) if len(word) > 1}
        # the sentences the question was written from; else the reference answer, read with the question
        answered = ({word for text in item.support for word in content_terms(text) if len(word) > 1} or
                    asked | {word for word in content_terms(item.answer) if len(word) > 1})

        def coverage(words: set[str], sentence: str) -> float:
            weight = sum(idf(word) for word in words)
            return sum(idf(word) for word in words if word in sentence) / weight if weight else 0.0

        for file, title, sentence in sentences:
            if all(_holds(sentence, fact) for fact in facts):
                if max(coverage(asked, sentence), coverage(answered, sentence)) >= 0.5:
                    problems.append(f"{file}《{title}》 holds {item.key_facts} of {item.id} ({item.question}): {sentence}")
    for path in sorted(folder.glob("*.txt")):
        text = read_source(path).text
        late = sorted({int(y) for y in re.findall(r"(20\d\d)\s*年", text) if int(y) >= FIRST_SAMPLE_YEAR})
        if late:
            problems.append(f"{path.name} names {late}: distractors stay before {FIRST_SAMPLE_YEAR}")
    return problems


def _holds(sentence: str, fact: str) -> bool:
    """The fact as a whole: 80余条 is not in 380余条, nor 14条 in 214条."""
    return re.search(r"(?<![0-9.])" + re.escape(fact) if fact[:1].isdigit() else re.escape(fact), sentence) is not None


def measure(settings, embedder, groups: dict[str, list[QAItem]]) -> dict:
    from assistant.pipeline import Assistant

    assistant = Assistant(settings, embedder=embedder, retrieval="hybrid", use_llm=False)
    try:
        result = {"articles": assistant.index.store.counts()["articles"], "chunks": assistant.index.n_chunks,
                  "records": []}
        for name, items in groups.items():
            evaluated = evaluate(assistant, items)
            result[name] = evaluated["metrics"]
            result["records"] += evaluated["items"]
        timings: dict[str, list[float]] = {}
        for name, items in groups.items():
            for item in items:
                forget_vectors()  # each timed search embeds its question, as a new question does
                started = time.perf_counter()
                assistant.search(item.question)
                timings.setdefault(name, []).append(time.perf_counter() - started)
        result["retrieval_ms"] = _percentiles([s for seconds in timings.values() for s in seconds])
        result["retrieval_ms_by_group"] = {name: _percentiles(seconds) for name, seconds in timings.items()}
        return result
    finally:
        assistant.close()


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"p50": round(1000 * statistics.median(ordered), 1),
            "p95": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1)}


def compare(small: dict, large: dict) -> dict:
    table = {}
    for group in ("chinese", "english"):
        table[group] = {}
        for metric in METRICS:
            if metric in small[group] and metric in large[group]:
                before, after = small[group][metric], large[group][metric]
                table[group][metric] = {"1x": round(before, 4), "Nx": round(after, 4),
                                        "ratio": round(after / before, 4) if before else None}
    return table


def gate(table: dict, thresholds: Path) -> list[str]:
    """[scale] metrics = [...], min_ratio = r; [scale.<group>] min_ratio overrides it for a group."""
    section = tomllib.loads(thresholds.read_text(encoding="utf-8")).get("scale", {})
    failures = []
    for group, metrics in table.items():
        floor = section.get(group, {}).get("min_ratio", section.get("min_ratio"))
        if floor is None:
            continue
        for metric in section.get("metrics", []):
            ratio = metrics.get(metric, {}).get("ratio")
            if ratio is not None and ratio < floor:
                failures.append(f"scale {group} {metric}: {metrics[metric]['Nx']} at Nx is {ratio:.3f} of "
                                f"{metrics[metric]['1x']} at 1x (floor {floor})")
    return failures


def markdown(report: dict) -> str:
    small, large = report["1x"], report["Nx"]
    lines = [f"# Quality at scale: sample alone against sample + distractors ({report['scale']}x the articles)", "",
             f"- 1x: {small['articles']} articles, {small['chunks']} chunks; Nx: {large['articles']} articles, "
             f"{large['chunks']} chunks ({report['distractor_files']} distractor issue files).",
             f"- Retrieval p50/p95: 1x {small['retrieval_ms']['p50']}/{small['retrieval_ms']['p95']} ms, "
             f"Nx {large['retrieval_ms']['p50']}/{large['retrieval_ms']['p95']} ms"
             + "".join(f"; {name} 1x {small['retrieval_ms_by_group'][name]['p50']}/"
                       f"{small['retrieval_ms_by_group'][name]['p95']}, Nx {times['p50']}/{times['p95']} ms"
                       for name, times in large.get("retrieval_ms_by_group", {}).items()) + ".",
             f"- Ingest of the distractors: {report['ingest_distractors_s']} s.", ""]
    for group, metrics in report["table"].items():
        lines += [f"## {group} ({report['questions'][group]} questions)", "", "| metric | 1x | Nx | ratio |", "|---|---|---|---|"]
        lines += [f"| {m} | {v['1x']:.3f} | {v['Nx']:.3f} | {v['ratio'] if v['ratio'] is not None else '–'} |"
                  for m, v in metrics.items()]
        lines.append("")
    if report["cited_distractor"]:
        lines += ["## Answers citing a distractor first", ""]
        lines += [f"- {row}" for row in report["cited_distractor"]]
    return "\n".join(lines) + "\n"


def _fresh_index_keeping_vectors(index_dir: Path) -> None:
    """An empty index in index_dir, except for its vector cache (so a rerun embeds nothing again)."""
    import shutil

    from assistant.vector_cache import CACHE_FILE

    if index_dir.exists():
        for path in index_dir.iterdir():
            if not path.name.startswith(CACHE_FILE):
                shutil.rmtree(path) if path.is_dir() else path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distractors", type=Path, default=ROOT / "eval" / "distractors")
    parser.add_argument("--work", type=Path, help="keep the index here (reruns reuse its vectors)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    parser.add_argument("--gate", type=Path)
    args = parser.parse_args()

    from embeddings import get_embedder

    groups = question_groups()
    problems = check_distractors(args.distractors, [i for items in groups.values() for i in items])
    if problems:
        print("干扰文档未通过检查：\n" + "\n".join(problems), file=sys.stderr)
        return 1
    files = sorted(args.distractors.glob("*.txt"))
    print(f"distractors checked: {len(files)} files hold no eval answer and no year from {FIRST_SAMPLE_YEAR} on")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        _fresh_index_keeping_vectors(work / "index")
        settings = load_settings(index_dir=work / "index")
        embedder = get_embedder(settings.embedder)
        ingest([ROOT / "sample"], settings, embedder)
        small = measure(settings, embedder, groups)
        started = time.perf_counter()
        report = ingest(files, settings, embedder)
        spent = round(time.perf_counter() - started, 1)
        print(f"distractors ingested: {len(report.added)} issues, {report.articles} articles in {spent} s "
              f"({report.vectors_embedded} vectors embedded, {report.vectors_reused} from the cache)")
        if report.skipped:
            print("skipped: " + "; ".join(f"{p}: {r}" for p, r in report.skipped), file=sys.stderr)
        large = measure(settings, embedder, groups)
        names = {f.name for f in files}
        cited = [f"{r['id']} {r['question']} → {r['cited_sources'][0]}《{r['cited_titles'][0]}》"
                 + ("" if r["answerable"] else "（应拒答）")
                 for r in large.pop("records") if r["cited_sources"] and r["cited_sources"][0] in names]
        small.pop("records")
    result = {"scale": round(large["articles"] / small["articles"], 1), "distractor_files": len(files),
              "ingest_distractors_s": spent, "questions": {k: len(v) for k, v in groups.items()},
              "1x": small, "Nx": large, "table": compare(small, large), "cited_distractor": cited}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (args.out / "scale.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    if args.gate:
        failures = gate(result["table"], args.gate)
        if failures:
            print("评测未达标：" + "；".join(failures), file=sys.stderr)
            return 1
        print("规模评测达标：各检索指标不低于 1x 的规定比例")
    return 0


if __name__ == "__main__":
    sys.exit(main())
