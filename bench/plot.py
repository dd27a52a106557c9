"""Plots of the benchmark results: quality per set (ours beside the baseline) and latency against index size.

    python bench/plot.py

Reads bench/results/results.json (bench/run.py) and bench/results/scale.json (bench/scale.py), whichever
exist, and writes bench/results/quality.png and bench/results/latency.png.
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
QUALITY_METRICS = ["hit@1", "hit@5", "answer_accuracy"]


def plot_quality(results: dict, out: Path) -> None:
    sets = list(results["sets"])
    figure, axes = plt.subplots(1, len(QUALITY_METRICS), figsize=(4 * len(QUALITY_METRICS), 3.6), sharey=True)
    for axis, metric in zip(axes, QUALITY_METRICS):
        positions = range(len(sets))
        for offset, label in ((-0.2, "ours"), (0.2, "baseline")):
            values = [results["sets"][name][label].get(metric, 0.0) for name in sets]
            axis.bar([p + offset for p in positions], values, width=0.4, label=label)
        axis.set_xticks(list(positions), sets, rotation=20, ha="right", fontsize=8)
        axis.set_title(metric)
        axis.set_ylim(0, 1)
    axes[0].legend()
    figure.suptitle(f"Quality per set ({results['split']} split)", fontsize=10)
    figure.tight_layout()
    figure.savefig(out, dpi=120)
    plt.close(figure)


def plot_latency(rows: list[dict], out: Path) -> None:
    figure, axis = plt.subplots(figsize=(5.5, 3.6))
    sizes = [row["size"] for row in rows]
    for key, label in (("dense_p95_ms", "FAISS search p95"), ("dense_p50_ms", "FAISS search p50"),
                       ("bm25_p95_ms", "BM25 p95")):
        points = [(row["size"], row[key]) for row in rows if key in row]
        if points:
            axis.plot(*zip(*points), marker="o", label=label)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xticks(sizes, [f"{size:,}" for size in sizes])
    axis.set_xlabel("chunks in the index")
    axis.set_ylabel("ms per query")
    axis.legend()
    axis.set_title("Search latency against index size", fontsize=10)
    figure.tight_layout()
    figure.savefig(out, dpi=120)
    plt.close(figure)


def main() -> None:
    if (RESULTS / "results.json").is_file():
        plot_quality(json.loads((RESULTS / "results.json").read_text(encoding="utf-8")), RESULTS / "quality.png")
    if (RESULTS / "scale.json").is_file():
        plot_latency(json.loads((RESULTS / "scale.json").read_text(encoding="utf-8")), RESULTS / "latency.png")


if __name__ == "__main__":
    main()
