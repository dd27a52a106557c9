"""Quality and speed on the shared evaluation sets, ours beside the naive baseline, in one run.

    python bench/run.py [--sets zh_boc_outlook zh_rgb_news ...] [--split test]

Sets absent from ../shared/eval/ are skipped. Writes bench/results/results.md and results.json (sets run
earlier and not named this time are kept, so slow sets can be run on their own) and the plots of bench/plot.py.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import plot  # noqa: E402
from baseline import NaivePipeline  # noqa: E402
from rag.embeddings import Embedder  # noqa: E402
from rag.evaluation import evaluate_set, indexing_speed, judge, load_questions, summarise  # noqa: E402
from rag.indexing import index_paths  # noqa: E402
from rag.qa import ReportQA  # noqa: E402
from rag.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SETS = ["zh_boc_outlook", "zh_rgb_news", "en_pew_reports", "zh_cmrc2018", "en_financebench"]
SHOWN = ["hit@1", "hit@5", "mrr@10", "answer_accuracy", "evidence_in_answer", "gold_in_answer", "cited_page_ok",
         "citation_validity", "abstain_recall", "answered_when_answerable", "latency_p50_ms", "latency_p95_ms"]


def machine() -> str:
    import os

    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine()) if Path("/proc/cpuinfo").exists() else platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, torch {torch.__version__} (CPU)"


def sample_corpus_latency(embedder: Embedder) -> dict:
    """Warm question-to-cited-answer latency on the bundled corpus (the sample questions, 5 rounds)."""
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(Settings(), index_dir=Path(folder))
        started = time.perf_counter()
        summary = index_paths([ROOT / "corpus"], settings, embedder)
        index_seconds = time.perf_counter() - started
        qa = ReportQA.open(settings, embedder)
        questions = [json.loads(line)["question"] for line in
                     (ROOT / "tests/data/sample_questions.jsonl").read_text("utf-8").splitlines()]
        qa.ask(questions[0])
        latencies = [qa.ask(q).timing_ms["total_ms"] for _ in range(5) for q in questions]
    return {"chunks": summary.chunks, "index_seconds": index_seconds,
            "p50_ms": statistics.median(latencies), "p95_ms": sorted(latencies)[int(0.95 * len(latencies))]}


def fresh_indexing_speed(set_dir: Path, embedder: Embedder) -> dict:
    """A fresh index of the set, end to end: extraction, structure, chunking, embedding, saving."""
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(Settings(), index_dir=Path(folder))
        summary = index_paths([set_dir / "docs"], settings, embedder)
        return indexing_speed(summary, ReportQA.open(settings, embedder))


def baseline_metrics(set_dir: Path, split: str, embedder: Embedder) -> dict:
    pipeline = NaivePipeline(set_dir / "docs", embedder, ROOT / "index" / "eval" / "baseline")
    rows = load_questions(set_dir, split)
    return summarise([judge(r, pipeline.ask(r["question"]), pipeline.document_text) for r in rows])


def table(results: dict) -> str:
    lines = ["| set | pipeline | " + " | ".join(SHOWN) + " |", "|---|---|" + "---|" * len(SHOWN)]
    for name, result in results["sets"].items():
        for label in ("ours", "baseline"):
            metrics = result[label]
            cells = [f"{metrics[m]:.0f}" if m.endswith("_ms") else f"{metrics[m]:.3f}" if m in metrics else "–"
                     for m in SHOWN]
            lines.append(f"| {name} ({result['questions']} q) | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="*", default=SETS)
    parser.add_argument("--split", default="test", choices=("test", "dev", "all"))
    parser.add_argument("--indexing", nargs="*", default=["zh_boc_outlook"],
                        help="sets to time a fresh index of (a set whose evaluation index is built in this run is timed too)")
    args = parser.parse_args()
    embedder = Embedder()
    out = ROOT / "bench" / "results"
    results = earlier_results(out / "results.json", args.split)
    results.update(machine=machine(), split=args.split, sample_corpus=sample_corpus_latency(embedder))
    for name in args.sets:
        set_dir = EVAL / name
        if not set_dir.is_dir():
            print(f"skipping {name}: not in {EVAL}", file=sys.stderr)
            continue
        report, _ = evaluate_set(set_dir, args.split, embedder=embedder)
        if report.indexing:
            results["indexing"][name] = report.indexing
        results["sets"][name] = {"questions": report.questions, "ours": report.metrics,
                                 "baseline": baseline_metrics(set_dir, args.split, embedder)}
        print(table({"sets": {name: results["sets"][name]}}), flush=True)
        write(results, out)   # after every set: a long run stopped midway keeps what it measured
    for name in args.indexing:
        if (EVAL / name).is_dir():
            results["indexing"][name] = fresh_indexing_speed(EVAL / name, embedder)
    write(results, out)
    print((out / "results.md").read_text(encoding="utf-8"))


def write(results: dict, out: Path) -> None:
    """results.json, results.md and the plots."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    sample = results["sample_corpus"]
    speed = "\n".join(f"- {n}: {v['documents']} documents, {v['pages']} pages, {v['chunks']} chunks indexed from "
                      f"scratch in {v['seconds']:.1f} s ({v['pages_per_s']:.1f} pages/s, {v['chunks_per_s']:.1f} chunks/s)"
                      for n, v in results["indexing"].items())
    (out / "results.md").write_text(
        f"Machine: {results['machine']}; split: {results['split']}\n\n{table(results)}\n\n"
        f"Sample corpus: {sample['chunks']} chunks indexed in {sample['index_seconds']:.1f} s; warm query "
        f"(question in, cited answer out) p50 {sample['p50_ms']:.1f} ms, p95 {sample['p95_ms']:.1f} ms\n\n{speed}\n",
        encoding="utf-8")
    plot.main()


def earlier_results(path: Path, split: str) -> dict:
    """The results of an earlier run on the same split, so that sets not run again keep their numbers."""
    if path.is_file():
        earlier = json.loads(path.read_text(encoding="utf-8"))
        if earlier.get("split") == split:
            return earlier
    return {"sets": {}, "indexing": {}}


if __name__ == "__main__":
    main()
