"""Fit the claim checker's relatedness model on the calibration part of eval/claims.jsonl.

    python eval/fit_checker.py [--index DIR]   (without --index, a fresh sample index is built)

Relatedness says whether a sentence states a claim at all (substance is compared separately: figures,
polarity, names). It is a logistic model over three pieces of evidence: the share of the claim's
words the sentence (and its title) holds, the share of its character bigrams, and the e5 cosine of
claim and sentence. Rows: each calibration claim against the candidate sentences retrieval gives it;
a faithful claim's own source sentence is a positive, every other candidate and every candidate of an
invented claim a negative. The support threshold keeps 95% of the paraphrases' positives (verbatim
sentences and clauses score far above them); the contradiction threshold (a sentence about the claim
at all) keeps 99.5% of all positives. Only the calibration part is read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from assistant.claims import CheckerModel, claim_facts  # noqa: E402
from assistant.cleaning import compact  # noqa: E402
from assistant.evaluation import CLAIMS_SET, load_claims  # noqa: E402
from fit_judge import fit_logistic  # noqa: E402

OUT = ROOT / "assistant" / "data" / "checker.json"
KEEP_SUPPORT = 0.95
KEEP_ABOUT = 0.995


def is_source(sentence: str, quote: str) -> bool:
    a, b = compact(sentence), compact(quote)
    return bool(a) and (a in b or b in a or (len(a) > 20 and a[:20] in b))


def rows_for(assistant, item: dict) -> list[tuple[list[float], int, str]]:
    claim = item["claim"]
    hits = assistant.search(claim, k=5)
    candidates = assistant.checker.candidates_from(hits)
    facts = claim_facts(claim)
    vector = assistant.judge.query_vector(claim)
    rows = []
    for candidate in candidates:
        features = assistant.checker.evidence(facts, (candidate,), vector)
        label = int(item["label"] == "faithful" and is_source(candidate.text, item["source_quote"]))
        if item["label"] == "faithful" or item["kind"] == "invented":
            rows.append((list(features), label, item["kind"]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path)
    args = parser.parse_args()
    from assistant.pipeline import Assistant
    from assistant.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            from assistant.ingest import ingest
            from embeddings import get_embedder

            index = Path(tmp) / "index"
            settings = load_settings(index_dir=index)
            ingest([ROOT / "sample"], settings, get_embedder(settings.embedder))
        assistant = Assistant(load_settings(index_dir=index), use_llm=False)
        items = [i for i in load_claims(CLAIMS_SET) if i["split"] == "calibration"]
        x, y, kinds = [], [], []
        for item in items:
            for features, label, kind in rows_for(assistant, item):
                x.append(features)
                y.append(label)
                kinds.append(kind)
    x, y, kinds = np.array(x), np.array(y, dtype=float), np.array(kinds)
    positives, negatives = y.sum(), len(y) - y.sum()
    weight = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
    weights, bias = fit_logistic(x, y, weight, l2=1.0)
    scores = x @ weights + bias
    support = float(np.quantile(scores[(y == 1) & (kinds == "paraphrase")], 1 - KEEP_SUPPORT))
    about = float(np.quantile(scores[y == 1], 1 - KEEP_ABOUT))
    model = {"weights": [round(float(w), 4) for w in weights], "bias": round(bias, 4),
             "threshold": round(support, 4), "contradiction_threshold": round(min(about, support), 4),
             "features": ["terms", "bigrams", "cosine"],
             "fitted_on": {"claims": len(items), "rows": len(y), "positives": int(positives),
                           "negatives_above_threshold": round(float((scores[y == 0] >= support).mean()), 4)}}
    OUT.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(model, ensure_ascii=False, indent=1))
    CheckerModel.load()  # the file loads
    return 0


if __name__ == "__main__":
    sys.exit(main())
