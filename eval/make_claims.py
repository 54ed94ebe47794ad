"""Build eval/claims.jsonl, the claim checker's mutation set, from the sample archive's sentences.

    python eval/make_claims.py             (both sets)
    python eval/make_claims.py --english   (eval/claims_en.jsonl only, from eval/drafts/claims_en_*.jsonl)

Faithful claims: every sentence of the sample (verbatim), and its clauses that hold a figure or a
name (clause); the paraphrases helpers wrote from the articles' content (eval/drafts/claims_*.jsonl,
written without seeing the code). Mutated claims: a sentence or clause with one thing changed, of
each kind the checker must catch: a figure scaled or one digit changed, the unit changed, the year
changed, the place swapped, the polarity flipped, the direction reversed, the rank changed, the
measure swapped, two figures swapped. The helpers' own false claims join as written.

A mutation is kept only when it is false for the whole article: its new figure, year or place is
not in the article. The split (calibration or test) is by article, so a paraphrase and a mutation
of one article are in the same part; eval/fit_checker.py reads only the calibration part.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.claims import DOWN, UP  # noqa: E402
from assistant.cleaning import compact  # noqa: E402
from assistant.figures import find_figures  # noqa: E402
from assistant.lexicon import lexicon  # noqa: E402
from assistant.parsing import parse_issue  # noqa: E402
from assistant.reader import read_source  # noqa: E402
from assistant.sentences import split_sentences  # noqa: E402

OUT = ROOT / "eval" / "claims.jsonl"
OUT_ENGLISH = ROOT / "eval" / "claims_en.jsonl"
DRAFTS = sorted(p for p in (ROOT / "eval" / "drafts").glob("claims_*.jsonl") if not p.name.startswith("claims_en_"))
# English claims as an LLM answering an English question writes them, by helpers who never saw the code:
# translations, paraphrases and false claims of each kind, checked across languages (assistant/english_claims.py).
ENGLISH_DRAFTS = sorted((ROOT / "eval" / "drafts").glob("claims_en_*.jsonl"))
MAX_PER_KIND_PER_ARTICLE = 4
POLARITY_VERBS = ("达到", "完成", "实现", "开展", "通过", "建立", "出台", "召开", "形成", "纳入", "列入", "提出", "组织",
                  "参加", "审议", "制定", "推动", "设立", "启动", "举办", "覆盖", "解决", "办结", "落实")
RANK_SWAP = {"榜首": "第二", "首位": "第二位", "第一名": "第二名", "第一": "第二", "第二": "第一", "第三": "第一"}
UNIT_SWAP = {"吨": "公斤", "公斤": "吨", "公里": "米", "亩": "公顷", "平方米": "平方公里", "人": "万人", "元": "万元",
             "万元": "亿元", "亿元": "万元", "%": "个百分点", "个": "万个", "家": "万家", "件": "万件", "项": "万项"}


def split_of(article_id: str) -> str:
    return "test" if int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % 3 == 0 else "calibration"


def articles():
    for path in sorted((ROOT / "sample").glob("*.txt")):
        source = read_source(path)
        parsed = parse_issue(source.text, path.name, source.sha256)
        for article in parsed.articles:
            yield path.name, article


def clauses_of(sentence: str) -> list[str]:
    parts = [p for p in re.split(r"(?<=[，；])", sentence) if len(compact(p)) >= 8]
    return parts if len(parts) > 1 else []


def mutations(sentence: str, article_text: str, rng: random.Random):
    """(kind, mutated sentence, what the source says) for each kind that applies to the sentence."""
    key = compact(article_text)
    figures = [f for f in find_figures(sentence) if f.kind in ("quantity", "percent")]
    for figure in figures[:2]:
        number = re.search(r"[0-9]+(?:\.[0-9]+)?", figure.text)
        if not number:
            continue
        raw = number.group(0)
        options = [str(int(float(raw) * 10)) if "." not in raw else raw.replace(".", "", 1).lstrip("0") or "0"]
        digits = [i for i, ch in enumerate(raw) if ch.isdigit()]
        i = rng.choice(digits)
        options.append(raw[:i] + str((int(raw[i]) + rng.choice((1, 2, 3))) % 10) + raw[i + 1:])
        if "." in raw:
            options.append(raw.split(".")[0])  # 84.35 -> 84: rounded
        for new in options:
            if new == raw or new.lstrip("0") == "":
                continue
            changed = figure.text.replace(raw, new, 1)
            if changed in key:
                continue
            yield "figure", sentence[:figure.start] + changed + sentence[figure.end:], f"来源记载为{figure.text}"
            break
        unit = figure.unit
        if unit in UNIT_SWAP and not figure.text.endswith("万" + unit) and not figure.text.endswith("亿" + unit):
            changed = figure.text[: len(figure.text) - len(unit)] + UNIT_SWAP[unit]
            if changed not in key:
                yield "unit", sentence[:figure.start] + changed + sentence[figure.end:], f"来源记载为{figure.text}"
    for match in re.finditer(r"(?<!\d)(20[12]\d)年", sentence):
        new = str(int(match.group(1)) + rng.choice((-2, -1, 1)))
        if new + "年" not in key:
            yield "year", sentence[:match.start(1)] + new + sentence[match.end(1):], f"来源记载为{match.group(0)}"
            break
    districts = lexicon().districts
    for district in districts:
        if district in sentence:
            others = [d for d in districts if d not in key]
            if others:
                yield "place", sentence.replace(district, rng.choice(others)), f"来源记载为{district}"
            break
    for verb in POLARITY_VERBS:
        index = sentence.find(verb)
        if index > 0 and sentence[index - 1] not in "未不没":
            prefix = "已" if sentence[index - 1] == "已" else ""
            start = index - len(prefix)
            yield "polarity", sentence[:start] + "没有" + verb + sentence[index + len(verb):], f"来源的说法是肯定的：{verb}"
            break
    for words, opposite in ((UP, DOWN), (DOWN, UP)):
        for k, word in enumerate(words):
            if word in sentence and not any(o in sentence for o in opposite):
                replacement = opposite[min(k, len(opposite) - 1)]
                yield "direction", sentence.replace(word, replacement, 1), f"来源记载为{word}"
                break
        else:
            continue
        break
    ranks = [f for f in find_figures(sentence) if f.kind == "rank"]
    for rank in ranks[:1]:
        new = RANK_SWAP.get(rank.text)
        if new:
            yield "rank", sentence[:rank.start] + new + sentence[rank.end:], f"来源记载为{rank.text}"
    with_measure = [f for f in figures if _measure_word(f) and re.match(r"[0-9]", f.text)]
    for a, b in zip(with_measure, with_measure[1:]):
        wa, wb = _measure_word(a), _measure_word(b)
        if (wa != wb and wa not in wb and wb not in wa and abs(a.value - b.value) > 1e-9
                and wb not in a.lead + a.tail and wa not in b.lead + b.tail):
            clause_start = a.start - len(a.context)
            mutated = sentence[:clause_start] + a.context.replace(wa, wb) + sentence[a.start:]
            yield "measure", mutated, f"来源中{wa}为{a.text}，{wb}为{b.text}"
            break
    same_unit = [(a, b) for i, a in enumerate(figures) for b in figures[i + 1:]
                 if a.unit_class == b.unit_class and a.unit_class and abs(a.value - b.value) > 1e-9]
    if same_unit:
        a, b = same_unit[0]
        swapped = sentence[:a.start] + b.text + sentence[a.end:b.start] + a.text + sentence[b.end:]
        yield "swap", swapped, f"来源记载为{a.text}与{b.text}的位置相反"


def _measure_word(figure) -> str:
    """The word right before a figure (产量 in 产量达到500吨), where Chinese names what it measures."""
    from assistant.claims import terms_of

    terms = terms_of(figure.context)
    return terms[-1] if terms and len(terms[-1]) >= 2 else ""


def main() -> int:
    rng = random.Random(20261202)
    items = []
    seen: set[str] = set()
    by_file: dict[str, list] = {}
    for source, article in articles():
        by_file.setdefault(source, []).append(article)

    def add(claim: str, label: str, kind: str, article, quote: str, truth: str = "", origin: str = "generated"):
        claim = claim.strip()
        if compact(claim) in seen or len(compact(claim)) < 8:
            return
        seen.add(compact(claim))
        items.append({"id": f"c{len(items) + 1:04d}", "claim": claim, "label": label, "kind": kind,
                      "split": split_of(article.article_id), "article_id": article.article_id,
                      "source_quote": quote, "truth": truth, "origin": origin})

    for source, group in by_file.items():
        for article in group:
            counts: dict[str, int] = {}
            for sentence in split_sentences(article.text):
                if len(compact(sentence)) < 12:
                    continue
                add(sentence, "faithful", "verbatim", article, sentence)
                for clause in clauses_of(sentence)[:2]:
                    if find_figures(clause) or re.search(r"[区县市]|《", clause):
                        add(clause.rstrip("，；") + "。", "faithful", "clause", article, sentence)
                for kind, mutated, truth in mutations(sentence, article.text, rng):
                    if counts.get(kind, 0) >= MAX_PER_KIND_PER_ARTICLE:
                        continue
                    counts[kind] = counts.get(kind, 0) + 1
                    add(mutated, "mutated", kind, article, sentence, truth)
    if "--english" not in sys.argv[1:]:
        drafted = add_drafts(DRAFTS, by_file, add, lambda raw: "paraphrase")
        write(OUT, items, drafted)
    english: list[dict] = []
    seen.clear()

    def add_english(claim: str, label: str, kind: str, article, quote: str, truth: str = "", origin: str = ""):
        if compact(claim) in seen:
            return
        seen.add(compact(claim))
        english.append({"id": f"e{len(english) + 1:04d}", "claim": claim.strip(), "label": label, "kind": kind,
                        "split": split_of(article.article_id), "article_id": article.article_id,
                        "source_quote": quote, "truth": truth, "origin": origin})

    write(OUT_ENGLISH, english, add_drafts(ENGLISH_DRAFTS, by_file, add_english,
                                           lambda raw: "translation" if raw["kind"] == "translation" else "paraphrase"))
    return 0


def add_drafts(paths: list[Path], by_file: dict, add, faithful_kind) -> int:
    """The helpers' claims, each tied to the article its source quote is from."""
    drafted = 0
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            article = _article_of(by_file.get(raw["file"], []), raw)
            if article is None:
                print(f"skipped (article not found): {raw['id']}", file=sys.stderr)
                continue
            label = "faithful" if raw["label"] == "faithful" else "mutated"
            kind = faithful_kind(raw) if label == "faithful" else raw["kind"]
            add(raw["claim"], label, kind, article, raw["source_quote"], raw.get("truth", ""), origin=raw["id"])
            drafted += 1
    return drafted


def write(path: Path, items: list[dict], drafted: int) -> None:
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
    kinds: dict[tuple[str, str], int] = {}
    for item in items:
        kinds[(item["label"], item["kind"])] = kinds.get((item["label"], item["kind"]), 0) + 1
    print(f"{len(items)} claims ({drafted} from helpers' drafts) -> {path.relative_to(ROOT)}")
    for (label, kind), count in sorted(kinds.items()):
        print(f"  {label:<9} {kind:<11} {count}")


def _article_of(articles_of_file: list, raw: dict):
    quote = compact(raw.get("source_quote", ""))
    for article in articles_of_file:
        if quote and quote[:30] in compact(article.text):
            return article
    for article in articles_of_file:
        if compact(raw.get("article_title", "")) and compact(raw["article_title"]) in compact(article.title):
            return article
    return None


if __name__ == "__main__":
    sys.exit(main())
