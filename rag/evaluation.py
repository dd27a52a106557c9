"""Quality and speed on a set in the shared evaluation shape (`docs/` + `qa.jsonl`).

Retrieval counts a passage as relevant when it holds the gold evidence (else lies on a gold page
of the gold document, else holds a gold answer); an answer is right when its first sentence holds
a gold answer or overlaps the gold evidence by at least half.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Callable

from .embeddings import Embedder
from .index import IndexUnavailable
from .indexing import IndexSummary, index_paths, print_progress
from .qa import ReportQA
from .schema import Answer
from .settings import Settings
from .textnorm import squeeze

RANK_DEPTH = 10


@dataclass
class QuestionResult:
    id: str
    answerable_gold: bool
    first_relevant_rank: int | None   # 1-based rank of the first relevant passage in the top 10
    answered: bool
    answer_correct: bool              # first sentence holds a gold answer / overlaps the evidence
    gold_in_answer: bool              # some answer sentence holds a gold answer string
    evidence_in_answer: bool | None   # some answer sentence overlaps the gold evidence by half (None: no evidence)
    citations_valid: bool
    cited_page_ok: bool | None        # cited page among the gold pages, where they are known
    latency_ms: float


@dataclass
class EvalReport:
    set_name: str
    split: str
    questions: int
    metrics: dict[str, float] = field(default_factory=dict)
    indexing: dict[str, float] = field(default_factory=dict)   # when this run indexed: chunks, seconds, pages

    def table(self) -> str:
        rows = [f"| {name} | {value:.3f} |" for name, value in self.metrics.items()]
        return "\n".join([f"{self.set_name} ({self.split}, {self.questions} questions)", "| metric | value |",
                          "|---|---|", *rows])


def load_questions(set_dir: Path, split: str) -> list[dict]:
    rows = [json.loads(line) for line in (set_dir / "qa.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "all" or r.get("split") == split]


def evaluate_set(set_dir: Path, split: str = "test", settings: Settings | None = None,
                 embedder: Embedder | None = None, index_dir: Path | None = None,
                 progress: bool = True) -> tuple[EvalReport, list[QuestionResult]]:
    settings = settings or Settings()
    settings = replace(settings, index_dir=index_dir or Path("index") / "eval" / set_dir.name)
    embedder = embedder or Embedder(settings.model)
    try:
        summary = index_paths([set_dir / "docs"], settings, embedder)
    except IndexUnavailable:   # a cached evaluation index of another model or pipeline version
        summary = index_paths([set_dir / "docs"], settings, embedder, rebuild=True)
    qa = ReportQA.open(settings, embedder).warm_up()   # latency is measured warm
    fresh = summary.added and not summary.unchanged   # built from scratch: its speed is worth reporting
    indexing = indexing_speed(summary, qa) if fresh else {}
    questions = load_questions(set_dir, split)
    results = []
    for number, row in enumerate(questions, start=1):
        answer = qa.ask(row["question"][: settings.max_question_chars], top_k=RANK_DEPTH)
        results.append(judge(row, answer, qa.document_text))
        if progress:
            print_progress(set_dir.name, number, len(questions))
    return EvalReport(set_dir.name, split, len(results), summarise(results), indexing), results


def indexing_speed(summary: IndexSummary, qa: ReportQA) -> dict[str, float]:
    """Documents, pages, chunks, seconds and rates of an indexing run that built `qa`'s index."""
    pages = sum(r.document.page_count for r in qa.index.records.values())
    return {"documents": len(summary.added), "pages": pages, "chunks": summary.chunks, "seconds": summary.seconds,
            "chunks_per_s": summary.chunks / summary.seconds, "pages_per_s": pages / summary.seconds}


def judge(row: dict, answer: Answer, document_text: Callable[[str], str]) -> QuestionResult:
    evidence = [squeeze(e) for e in row.get("evidence") or [] if squeeze(e)]
    golds = [squeeze(a) for a in row.get("answers") or [] if squeeze(a)]
    rank = next((p.rank for p in answer.passages if is_relevant(row, evidence, golds, p.chunk.doc_name,
                                                                 p.chunk.pages, p.chunk.text)), None)
    quotes = [squeeze(s.text) for s in answer.answer]
    first = quotes[0] if quotes else ""
    correct = bool(first) and (any(g in first for g in golds) or any(_overlap(first, e) >= 0.5 for e in evidence))
    overlaps = any(_overlap(q, e) >= 0.5 for q in quotes for e in evidence) if evidence else None
    valid = all(document_text(c.doc)[c.start:c.end] == c.quote for c in answer.citations) and \
        all(s.text in answer.citations[s.citation - 1].quote for s in answer.answer)
    pages = row.get("pages") or []
    page_ok = (answer.citations[0].page in pages) if pages and answer.citations else None
    return QuestionResult(row["id"], row.get("answerable", True), rank, answer.answerable, correct,
                          any(g in q for g in golds for q in quotes), overlaps, valid, page_ok,
                          answer.timing_ms["total_ms"])


def is_relevant(row: dict, evidence: list[str], golds: list[str], doc: str, pages: list[int], text: str) -> bool:
    if row.get("doc") and doc != row["doc"]:
        return False
    passage = squeeze(text)
    if evidence:
        return any(e in passage or _overlap(passage, e) >= 0.5 for e in evidence)
    if row.get("pages"):
        return bool(set(pages) & set(row["pages"]))
    return any(g in passage for g in golds)


def _overlap(text: str, evidence: str) -> float:
    """Longest run the two share, as a share of the shorter: a quote inside the evidence scores 1."""
    if not text or not evidence:
        return 0.0
    match = SequenceMatcher(None, text, evidence, autojunk=False).find_longest_match(0, len(text), 0, len(evidence))
    return match.size / min(len(text), len(evidence))


def summarise(results: list[QuestionResult]) -> dict[str, float]:
    answerable = [r for r in results if r.answerable_gold]
    unanswerable = [r for r in results if not r.answerable_gold]
    metrics = {
        "hit@1": _mean([r.first_relevant_rank == 1 for r in answerable]),
        "hit@5": _mean([r.first_relevant_rank is not None and r.first_relevant_rank <= 5 for r in answerable]),
        "mrr@10": _mean([1 / r.first_relevant_rank if r.first_relevant_rank else 0.0 for r in answerable]),
        "answer_accuracy": _mean([r.answered and r.answer_correct for r in answerable]),
        "gold_in_answer": _mean([r.answered and r.gold_in_answer for r in answerable]),
        "citation_validity": _mean([r.citations_valid for r in results]),
    }
    with_evidence = [r for r in answerable if r.evidence_in_answer is not None]
    if with_evidence:
        metrics["evidence_in_answer"] = _mean([r.answered and r.evidence_in_answer for r in with_evidence])
    pages = [r.cited_page_ok for r in answerable if r.cited_page_ok is not None]
    if pages:
        metrics["cited_page_ok"] = _mean(pages)
    if unanswerable:
        declined = [r for r in results if not r.answered]
        metrics["abstain_recall"] = _mean([not r.answered for r in unanswerable])
        metrics["abstain_precision"] = _mean([not r.answerable_gold for r in declined]) if declined else 0.0
        metrics["answered_when_answerable"] = _mean([r.answered for r in answerable])
    latencies = sorted(r.latency_ms for r in results)
    metrics["latency_p50_ms"] = statistics.median(latencies)
    metrics["latency_p95_ms"] = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    return metrics


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
