"""Search latency and memory at 10k, 100k and 1M chunks, with synthetic vectors and texts.

    python bench/scale.py [--sizes 10000 100000 1000000]

First, question in and cited answer out through the whole pipeline (`ReportQA.ask`, warm) on an index made
of copies of the sample corpus: each copy is a report of its own, with its own strings and its vectors moved
by noise, so memory per chunk is that of real chunks. Reports the process's memory per 100k chunks.

Measures the two retrieval halves as the index uses them: exact inner-product search over an
IndexIDMap2(IndexFlatIP) of 384-dimensional normalised vectors, and BM25 scoring over a sparse matrix
of random Zipf-distributed token lists (one query of 8 terms; built up to 200k chunks, since the
synthetic token lists alone outgrow memory beyond). Prints p50/p95 per size and the vector memory
per 100k chunks, and writes them to bench/results/scale.json for bench/plot.py (rows of sizes not
measured this time are kept). The question embedding
(~10 ms) and answer extraction come on top.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.embeddings import Embedder  # noqa: E402
from rag.index import ReportIndex  # noqa: E402
from rag.indexing import index_paths  # noqa: E402
from rag.keyword import BM25  # noqa: E402
from rag.qa import ReportQA  # noqa: E402
from rag.settings import Settings  # noqa: E402

DIMENSION, QUERIES, VOCABULARY, TOKENS_PER_CHUNK = 384, 50, 50_000, 120
MAX_KEYWORD_SIZE = 200_000


def timed(function, repeats: int) -> tuple[float, float]:
    laps = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        laps.append((time.perf_counter() - started) * 1000)
    laps.sort()
    return statistics.median(laps), laps[int(0.95 * (len(laps) - 1))]


def resident_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024


def copies_of(source: ReportIndex, size: int, rng: np.random.Generator) -> ReportIndex:
    """An index of `size` chunks: the source's reports copied, each copy a distinct report."""
    records, next_id, vectors = {}, 0, []
    while next_id < size:
        copy = len(records) // len(source.records)
        for record in source.records.values():
            name = f"copy-{copy:06d}/{record.document.name}"
            text = "".join(record.document.text)   # a string of its own
            chunks = [replace(c, chunk_id=next_id + i, doc_name=name, text=text[c.start:c.end])
                      for i, c in enumerate(record.chunks)]
            records[name] = replace(record, document=replace(record.document, name=name, text=text), chunks=chunks,
                                    tokens=[list(t) for t in record.tokens])
            original = source.vectors.reconstruct_batch(np.array([c.chunk_id for c in record.chunks], dtype=np.int64))
            moved = original + rng.normal(0, 0.02, original.shape)
            vectors.append(moved / np.linalg.norm(moved, axis=1, keepdims=True))
            next_id += len(chunks)
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(source.manifest["dimension"]))
    flat.add_with_ids(np.vstack(vectors).astype(np.float32), np.arange(next_id, dtype=np.int64))
    return ReportIndex({**source.manifest, "next_chunk_id": next_id}, records, flat)


def measure_answering(sizes: list[int], rng: np.random.Generator) -> list[dict]:
    embedder = Embedder()
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "tests/data/sample_questions.jsonl").read_text("utf-8").splitlines()]
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(Settings(), index_dir=Path(folder))
        index_paths([ROOT / "corpus"], settings, embedder)
        source = ReportIndex.load(settings.index_dir)
    results = []
    for size in sizes:
        gc.collect()
        before = resident_mb()
        qa = ReportQA(copies_of(source, size, rng), embedder, settings)
        for question in questions:   # warm: BM25 matrix, row maps, sentence memo, title terms
            qa.ask(question)
        laps = sorted(qa.ask(q).timing_ms["total_ms"] for _ in range(3) for q in questions)
        chunks = qa.index.chunk_count()
        results.append({"size": chunks, "answer_p50_ms": statistics.median(laps),
                        "answer_p95_ms": laps[int(0.95 * (len(laps) - 1))],
                        "process_mb_per_100k": (resident_mb() - before) / chunks * 100_000})
        print({k: round(v, 1) for k, v in results[-1].items()}, flush=True)
        del qa
    return results


def measure(size: int, rng: np.random.Generator) -> dict:
    vectors = rng.standard_normal((size, DIMENSION), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(DIMENSION))
    index.add_with_ids(vectors, np.arange(size, dtype=np.int64))
    queries = iter(vectors[rng.integers(0, size, QUERIES)])
    dense = timed(lambda: index.search(next(queries).reshape(1, -1), 50), QUERIES)
    result = {"size": size, "dense_p50_ms": dense[0], "dense_p95_ms": dense[1],
              "vector_mb_per_100k": vectors.nbytes / size * 100_000 / 2**20}
    if size <= MAX_KEYWORD_SIZE:
        # Zipf-like term frequencies, as in text.
        terms = np.minimum(rng.zipf(1.3, size * TOKENS_PER_CHUNK), VOCABULARY).astype(str)
        bm25 = BM25.build([list(row) for row in terms.reshape(size, TOKENS_PER_CHUNK)])
        query = [str(t) for t in rng.integers(2, 2000, 8)]
        result["bm25_p50_ms"], result["bm25_p95_ms"] = timed(lambda: bm25.scores(query), 20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    answering = {row["size"]: row for row in measure_answering(args.sizes, rng)}
    rows = []
    for size in args.sizes:
        rows.append(measure(size, rng))
        print({k: round(v, 1) for k, v in rows[-1].items()}, flush=True)
        nearest = min(answering, key=lambda n: abs(n - size))
        rows[-1].update({k: v for k, v in answering[nearest].items() if k != "size"})
    out = ROOT / "bench" / "results" / "scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    earlier = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else []
    measured = {row["size"] for row in rows}   # sizes not measured this time keep their earlier rows
    rows = sorted([r for r in earlier if r["size"] not in measured] + rows, key=lambda r: r["size"])
    out.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
