"""Fit the answerability judge's weights and threshold on the calibration split of eval/judge_set.jsonl.

    python eval/fit_judge.py [--index DIR]

1. Builds the sample index with the bundled model (or uses --index).
2. For every calibration question, retrieves as `ask` does and computes the judge's features for
   each candidate sentence. A sentence is a positive when it is (part of) the supporting sentence
   the question was written for, in its gold article; every other sentence is a negative, and every
   sentence retrieved for an unanswerable question is a negative.
3. Fits the sentence ranker, an L2-regularised logistic regression (Newton's method, numpy) on
   standardised features: which sentence answers.
4. Fits the question-level decider on the best-ranked sentence's evidence (cross-fitted ranker
   scores), answerable against unanswerable questions, and chooses its threshold: the highest that keeps
   false refusals of answerable calibration questions at or under TARGET_FALSE_REFUSALS.
5. Writes assistant/data/judge.json with the counts and calibration figures it was fitted on.
The test split is never read here; `python eval/run.py --set eval/judge_set.jsonl --split test` measures it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.cleaning import compact  # noqa: E402
from assistant.evaluation import is_gold, load_set  # noqa: E402
from assistant.answering import question_language  # noqa: E402
from assistant.asked import asked_for  # noqa: E402
from assistant.judge import (  # noqa: E402
    DECISION_FEATURES, FEATURES, HARD_KINDS, JudgeModel, Logistic, _haystack, decision_index, decision_row, question_anchors,
)

TARGET_FALSE_REFUSALS = 0.03  # on calibration: the ceiling the issue sets for the test part
L2 = 1.0
FOLDS = 5


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\w\u3400-\u9fff]", "", text.lower())
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def is_support(sentence: str, support: tuple[str, ...]) -> bool:
    key = compact(sentence)
    for target in support:
        target = compact(target)
        if key and (key in target or target in key):
            return True
        grams = _bigrams(key)
        if grams and len(grams & _bigrams(target)) / len(grams) >= 0.7:
            return True
    return False


def fit_logistic(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Weighted, L2-regularised logistic regression by Newton's method (the intercept is not penalised)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (sample_weight * (p - y)) + penalty * beta
        hessian = (design * (sample_weight * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


# Evidence that can only speak for an answer (more of it never means "refuse"), and the one feature
# that can only speak against. A weight fitted with the other sign is an artefact of how the
# calibration questions were written (near misses keep the wording of the question they were made
# from, paraphrases do not), so the feature is dropped and the model refitted.
_AGAINST = frozenset({"anchors_missing", "strong_missing"})
_FREE = frozenset({"english", "opening", "length"})


def fit_standardised(x: np.ndarray, y: np.ndarray, features: tuple[str, ...]) -> Logistic:
    """Class-balanced logistic regression on standardised features, with sign constraints."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    positives = max(1.0, y.sum())
    negatives = max(1.0, len(y) - y.sum())
    weight = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
    z = (x - mean) / scale
    active = np.ones(len(features), dtype=bool)
    while True:
        weights = np.zeros(len(features))
        fitted, bias = fit_logistic(z[:, active], y, weight)
        weights[active] = fitted
        wrong = [i for i, name in enumerate(features) if active[i] and name not in _FREE
                 and (weights[i] > 0 if name in _AGAINST else weights[i] < 0)]
        if not wrong:
            return Logistic(features, mean, scale, weights, bias)
        active[min(wrong, key=lambda i: -abs(weights[i]))] = False


def fit_ranker(x: np.ndarray, y: np.ndarray) -> Logistic:
    return fit_standardised(x, y, FEATURES)


def collect(assistant, items):
    """Feature rows, labels, evidence, each question's row range, and whether each question is answerable."""
    rows, labels, spans, answerable, all_evidence = [], [], [], [], []
    for item in items:
        hits = assistant.search(item.question)
        features, evidence = assistant.judge.sentence_features(item.question, hits)
        start = len(labels)
        for row, ev in zip(features, evidence):
            positive = item.answerable and is_gold(ev.hit.article, item.gold) and is_support(ev.sentence, item.support)
            rows.append(row)
            labels.append(1.0 if positive else 0.0)
            all_evidence.append(ev)
        spans.append((start, len(labels)))
        answerable.append(item.answerable)
    return np.array(rows).reshape(len(rows), len(FEATURES)), np.array(labels), all_evidence, spans, answerable


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", dest="judge_set", type=Path, default=ROOT / "eval" / "judge_set.jsonl")
    parser.add_argument("--index", type=Path, help="an index of the sample (default: build one in a temp dir)")
    parser.add_argument("--out", type=Path, default=ROOT / "assistant" / "data" / "judge.json")
    args = parser.parse_args()

    from assistant.ingest import ingest
    from assistant.pipeline import Assistant
    from assistant.settings import load_settings
    from embeddings import get_embedder

    items = [item for item in load_set(args.judge_set) if item.split == "calibration"]
    try:
        JudgeModel.load()
    except ValueError:  # fitted on other features: the features are computed without it
        args.out.write_text(JudgeModel.neutral().to_json() + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index or Path(tmp) / "index"
        settings = load_settings(index_dir=index_dir)
        embedder = get_embedder(settings.embedder)
        if args.index is None:
            ingest([ROOT / "sample"], settings, embedder)
        assistant = Assistant(settings, embedder=embedder, use_llm=False)
        x, y, evidence, spans, answerable = collect(assistant, items)
        assistant.close()

    answerable = np.array(answerable)
    ranker = fit_ranker(x, y)
    # The decider learns from ranker scores the ranker did not see in fitting (5-fold cross-fitting), so
    # its weights reflect how the ranker behaves on new questions, not on its own training rows.
    folds = np.arange(len(spans)) % FOLDS
    decisions = np.zeros((len(spans), len(DECISION_FEATURES)))
    absent = np.zeros(len(spans), dtype=bool)  # a strong anchor missing where the verdict is read: refused
    for fold in range(FOLDS):
        train_rows = np.concatenate([np.arange(a, b) for (a, b), f in zip(spans, folds) if f != fold])
        fold_ranker = fit_ranker(x[train_rows], y[train_rows])
        for q, ((a, b), f) in enumerate(zip(spans, folds)):
            if f == fold and b > a:
                logits = fold_ranker.logit(x[a:b])
                decisions[q] = decision_row(x[a:b], logits, evidence[a:b])
                index = decision_index(x[a:b], logits)
                chosen = evidence[a + index].hit
                absent[q] = any(anchor.strong and not anchor.found_in(_haystack(chosen))
                                for anchor in question_anchors(items[q].question, question_language(items[q].question)))
                kind = asked_for(items[q].question, question_language(items[q].question)).kind
                absent[q] |= kind in HARD_KINDS and not x[a + index][FEATURES.index("kind")]
    has_rows = np.array([b > a for a, b in spans])
    # The decider learns only from questions the rules leave open (an absent strong anchor or asked
    # value refuses on its own).
    open_questions = has_rows & ~absent
    decider = fit_standardised(decisions[open_questions], answerable[open_questions].astype(float), DECISION_FEATURES)
    # The threshold is chosen on out-of-fold probabilities: each question scored by a decider fitted
    # without it, so the threshold reflects new questions (fitted in-sample, it held 2.5% false
    # refusals on calibration and let 11% through on the test part).
    best = np.zeros(len(spans))
    for fold in range(FOLDS):
        train = open_questions & (folds != fold)
        fold_decider = fit_standardised(decisions[train], answerable[train].astype(float), DECISION_FEATURES)
        scored = (folds == fold) & has_rows & ~absent
        best[scored] = fold_decider.probability(decisions[scored])
    ranked = np.sort(best[answerable])
    allowed = int(np.floor(TARGET_FALSE_REFUSALS * len(ranked)))
    threshold = float(ranked[allowed]) - 1e-6 if len(ranked) else 0.5
    refused_unanswerable = float((best[~answerable] < threshold).mean()) if (~answerable).any() else None
    false_refusals = float((best[answerable] < threshold).mean())
    for target in (0.0, 0.02, 0.05, 0.10, 0.20):
        cut = float(ranked[int(np.floor(target * len(ranked)))]) - 1e-6
        print(f"  false refusals <= {target:.2f}: threshold {cut:.3f}, unanswerable refused "
              f"{float((best[~answerable] < cut).mean()):.3f}")
    fitted_on = {
        "set": args.judge_set.name, "split": "calibration", "questions": len(items),
        "answerable": int(answerable.sum()), "unanswerable": int((~answerable).sum()),
        "sentences": len(y), "positive_sentences": int(y.sum()),
        "calibration_false_refusals": round(false_refusals, 4),
        "calibration_unanswerable_refused": None if refused_unanswerable is None else round(refused_unanswerable, 4),
        "target_false_refusals": TARGET_FALSE_REFUSALS, "l2": L2,
    }
    model = JudgeModel(ranker, decider, threshold, fitted_on)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(json.dumps(fitted_on, ensure_ascii=False, indent=1))
    for title, fitted in (("ranker", ranker), ("decider", decider)):
        print(f"{title} weights (standardised):")
        for name, w in sorted(zip(fitted.features, fitted.weights), key=lambda item: -abs(item[1])):
            print(f"  {name:<16} {w:+.3f}")
    print(f"threshold {threshold:.4f} -> {args.out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
