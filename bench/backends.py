"""Plain sentence-transformers on PyTorch against our embedder (batches of like token counts) on
PyTorch and on ONNX Runtime (float32, int8), for the default model: indexing speed and retrieval quality.

    python bench/backends.py [SET ...] [--split dev]    # default: zh_boc_outlook zh_rgb_news

Per set and backend: a fresh index, end to end, timed (chunks/s), then the split's metrics. Writes
bench/results/backends.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.embeddings import Embedder  # noqa: E402
from rag.evaluation import evaluate_set  # noqa: E402
from rag.indexing import index_paths  # noqa: E402
from rag.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
BACKENDS = ("torch", "onnx", "onnx-int8")
PLAIN = "torch-plain"


class PlainEmbedder(Embedder):
    """sentence-transformers as it comes: batches of 32 ordered by characters, PyTorch."""

    def __init__(self):
        super().__init__(backend="torch", batch_size=32)

    def _encode(self, texts, prompt, show_progress):
        return self.model.encode(texts, prompt_name=prompt, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=show_progress)


def measure(set_dir: Path, backend: str, split: str) -> dict:
    embedder = PlainEmbedder() if backend == PLAIN else Embedder(backend=backend)
    embedder.dimension   # model load and one-time conversion are not indexing time
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(Settings(), index_dir=Path(folder))
        summary = index_paths([set_dir / "docs"], settings, embedder)
        report, _ = evaluate_set(set_dir, split, settings, embedder, index_dir=Path(folder), progress=False)
    return {"chunks": summary.chunks, "index_seconds": round(summary.seconds, 1),
            "chunks_per_s": round(summary.chunks / summary.seconds, 1),
            **{k: round(report.metrics[k], 3) for k in ("hit@1", "hit@5", "mrr@10", "answer_accuracy")
               if k in report.metrics}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", default=["zh_boc_outlook", "zh_rgb_news"])
    parser.add_argument("--split", default="dev", choices=("test", "dev", "all"))
    args = parser.parse_args()
    results = {}
    for name in args.sets:
        if not (EVAL / name).is_dir():
            print(f"skipping {name}: not in {EVAL}", file=sys.stderr)
            continue
        results[name] = {backend: measure(EVAL / name, backend, args.split) for backend in (PLAIN, *BACKENDS)}
        print(name, json.dumps(results[name]), flush=True)
    out = ROOT / "bench" / "results" / "backends.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"split": args.split, "sets": results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
