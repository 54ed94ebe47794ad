"""Build a fresh index of the sample issues with the default embedder and run the Q&A evaluation.

    python eval/run.py [--set eval/qa.jsonl] [--retrieval hybrid] [--gate eval/thresholds.toml] [--report FILE]

Prints hit@1/hit@3 of retrieval and of the first cited article, key-fact recall, refusal accuracy and
latency; with --gate, exits 1 when a metric is below its threshold in eval/thresholds.toml.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluation import evaluate, load_set, publish  # noqa: E402
from assistant.ingest import ingest  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", dest="qa_set", type=Path, default=ROOT / "eval" / "qa.jsonl")
    parser.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], default="hybrid")
    parser.add_argument("--gate", type=Path)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--index", type=Path, help="use this index instead of building one from sample/")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index or Path(tmp) / "index"
        settings = load_settings(index_dir=index_dir)
        from embeddings import get_embedder

        embedder = get_embedder(settings.embedder)
        if args.index is None:
            report = ingest([ROOT / "sample"], settings, embedder)
            print(f"sample index: {len(report.added)} issues, {report.articles} articles, {report.chunks} chunks")
        assistant = Assistant(settings, embedder=embedder, retrieval=args.retrieval)
        result = evaluate(assistant, load_set(args.qa_set))
        result["config"] = {"retrieval": args.retrieval, "embedder": embedder.name, "set": str(args.qa_set.name)}
        code = publish(result, args.report, args.gate)
        assistant.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
