"""Build a fresh index of the sample issues with the default embedder and run the Q&A evaluation.

    python eval/run.py [--retrieval hybrid|dense|bm25|all] [--answerer extractive|llm] [--gate eval/thresholds.toml]
                       [--llm-model qwen2.5-coder-1.5b|qwen2.5-coder-0.5b]

Reports (JSON, Markdown; with `all` a comparison table and plot) go to eval/reports/. With
--answerer llm and no ASSISTANT_LLM_BASE_URL set, a local llama.cpp server with --llm-model
(default Qwen2.5-Coder-1.5B-Instruct) is started on loopback for the run, and the reports go to
eval/reports/llm-<model>/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluation import run  # noqa: E402
from assistant.ingest import ingest  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", dest="qa_set", type=Path, default=ROOT / "eval" / "qa.jsonl")
    parser.add_argument("--retrieval", choices=["hybrid", "dense", "bm25", "all"], default="hybrid")
    parser.add_argument("--answerer", choices=["extractive", "llm"], default="extractive")
    parser.add_argument("--gate", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    parser.add_argument("--llm-model", default="qwen2.5-coder-1.5b",
                        choices=["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", "gemma3-270m"],
                        help="local model served for --answerer llm when ASSISTANT_LLM_BASE_URL is not set")
    args = parser.parse_args()

    from assistant.embedding import load_embedder

    configured = load_settings()  # the environment, read once
    server = nullcontext(configured.llm_base_url or None)
    overrides: dict = {}
    if args.answerer == "llm" and not configured.llm_enabled:
        from assistant.local_llm import llama_server

        # A local model small enough for CI: its name, and the shorter answers and prompt it is run with
        # (unless the environment sets them).
        overrides = {"llm_model": args.llm_model, "llm_max_tokens": 128 if "llm_max_tokens" not in
                     configured.model_fields_set else None, "llm_context_tokens": 1500 if "llm_context_tokens"
                     not in configured.model_fields_set else None}
        server = llama_server(args.llm_model)
        args.out = args.out / f"llm-{args.llm_model}"
    with tempfile.TemporaryDirectory() as tmp, server as base_url:
        settings = load_settings(index_dir=Path(tmp) / "index", llm_base_url=base_url, **overrides)
        embedder = load_embedder(settings.embedder)
        report = ingest([ROOT / "sample"], settings, embedder)
        print(f"sample index: {len(report.added)} issues, {report.articles} articles, {report.chunks} chunks")
        return run(settings, args.qa_set, args.retrieval, args.answerer, args.out, args.gate, embedder=embedder)


if __name__ == "__main__":
    sys.exit(main())
