"""Search latency and memory at 10k, 100k and 1M chunks, with synthetic vectors and texts.

    python bench/scale.py [--sizes 10000 100000 1000000]

Measures the two retrieval halves as the index uses them: exact inner-product search over an
IndexIDMap2(IndexFlatIP) of 384-dimensional normalised vectors, and BM25 scoring over a sparse matrix
of random Zipf-distributed token lists (one query of 8 terms; built up to 200k chunks, since the
synthetic token lists alone outgrow memory beyond). Prints p50/p95 per size and the vector memory
per 100k chunks, and writes them to bench/results/scale.json for bench/plot.py. The question embedding
(~10 ms) and answer extraction come on top.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.keyword import BM25  # noqa: E402

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
    rows = []
    for size in args.sizes:
        rows.append(measure(size, rng))
        print({k: round(v, 1) for k, v in rows[-1].items()}, flush=True)
    out = ROOT / "bench" / "results" / "scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
