"""Merge the per-issue drafts written by helper agents into eval/judge_set.jsonl with a fixed split.

    python eval/merge_judge_set.py eval/drafts/*.jsonl

The split is by gold article (SHA-1 of file and title): about 60% of the articles go to calibration,
the rest to test, so the test part asks about articles the judge was never fitted on. A near miss
or English question without gold follows the question it was made from.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION_SHARE = 6  # of 10


def _split_of(gold: list[dict]) -> str:
    key = f"{gold[0]['file']}\n{gold[0]['title']}".encode()
    return "calibration" if int(hashlib.sha1(key).hexdigest(), 16) % 10 < CALIBRATION_SHARE else "test"


def main(paths: list[str]) -> int:
    rows = [json.loads(line) for path in paths for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        if row.get("gold"):
            row["split"] = _split_of(row["gold"])
    for row in rows:
        if "split" not in row:
            origin = by_id.get(row.get("from", ""))
            row["split"] = origin["split"] if origin and "split" in origin else (
                "calibration" if int(hashlib.sha1(row["id"].encode()).hexdigest(), 16) % 10 < CALIBRATION_SHARE
                else "test")
    out = ROOT / "eval" / "judge_set.jsonl"
    out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[(row["type"], row["split"])] = counts.get((row["type"], row["split"]), 0) + 1
    for key in sorted(counts):
        print(*key, counts[key])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
