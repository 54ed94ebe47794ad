"""Character-bigram overlap of a question with its supporting sentence(s):
share of the question's CJK/alnum bigrams that also occur in the support.
Usage: python overlap.py FILE.jsonl   (prints each question's overlap and the share below 0.35)"""
import json, re, sys

def bigrams(text):
    chars = re.sub(r"[^\w\u3400-\u9fff]", "", text.lower())
    return {chars[i:i + 2] for i in range(len(chars) - 1)}

def overlap(question, support):
    q = bigrams(question)
    return len(q & bigrams(support)) / len(q) if q else 0.0

if __name__ == "__main__":
    rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    low = 0; n = 0
    for r in rows:
        if r.get("support") and r["type"] not in ("near_miss", "english_unanswerable"):
            o = overlap(r["question"], " ".join(r["support"])); n += 1; low += o < 0.35
            print(f"{o:.2f}  {r['id']}  {r['question']}")
    print(f"below 0.35: {low}/{n}")
