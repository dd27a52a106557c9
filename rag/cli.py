"""Command line: `python -m rag index|ask|text|eval` (see README for the contract)."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from .index import IndexUnavailable, ReportIndex
from .indexing import index_paths, print_progress
from .qa import QuestionError, ReportQA, check_question
from .schema import Answer
from .settings import Settings
from .structure import table_cells


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    if args.index:
        settings = replace(settings, index_dir=Path(args.index))
    try:
        return args.run(args, settings)
    except (IndexUnavailable, QuestionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Cited, verbatim answers from research reports.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="index report files (PDF, Markdown, text); only changes are embedded")
    index.add_argument("paths", nargs="*", type=Path, help="files or folders (default: corpus/)")
    index.add_argument("--index", help="index folder (default: index/)")
    index.add_argument("--model", help="sentence-transformers model name or path (default: multilingual-e5-small)")
    index.add_argument("--rebuild", action="store_true", help="discard the existing index and build anew")
    index.set_defaults(run=_run_index)

    ask = commands.add_parser("ask", help="answer a question with verbatim, cited sentences")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--questions", type=Path, help="JSONL file with a 'question' field per line")
    ask.add_argument("--index", help="index folder (default: index/)")
    ask.add_argument("--doc", action="append", help="only search this report (repeatable)")
    ask.add_argument("--top-k", type=int, help="passages to retrieve (default: 5)")
    ask.add_argument("--json", action="store_true", help="print the result as JSON")
    ask.set_defaults(run=_run_ask)

    evaluate = commands.add_parser("eval", help="measure retrieval, answers, citations and latency on an eval set")
    evaluate.add_argument("set_dir", type=Path, help="folder with docs/ and qa.jsonl")
    evaluate.add_argument("--split", choices=("test", "dev", "all"), default="test")
    evaluate.add_argument("--index", help="index folder (default: index/eval/SET_NAME)")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.set_defaults(run=_run_eval)

    text = commands.add_parser("text", help="print the stored extracted text of a report")
    text.add_argument("doc", help="report name as listed by the index")
    text.add_argument("--index", help="index folder (default: index/)")
    text.set_defaults(run=_run_text)
    return parser


def _run_index(args, settings: Settings) -> int:
    if args.model:
        settings = replace(settings, model=args.model)
    paths = args.paths or [settings.corpus_dir]
    summary = index_paths(paths, settings, rebuild=args.rebuild, progress=print_progress)
    for line in summary.lines():
        print(line)
    return 0 if summary.indexed_anything else 1


def _run_ask(args, settings: Settings) -> int:
    if args.question is not None and args.questions:
        raise QuestionError("give either a QUESTION or --questions FILE.jsonl, not both")
    if not args.questions:
        check_question(args.question, settings.max_question_chars)
    qa = ReportQA.open(settings)
    if not args.questions:
        answer = qa.ask(args.question, docs=args.doc, top_k=args.top_k)
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) if args.json else format_answer(answer))
        return 0
    failures = 0
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        question = json.loads(line).get("question", "")
        try:
            answer = qa.ask(question, docs=args.doc, top_k=args.top_k)
        except QuestionError as err:
            failures += 1
            print(json.dumps({"question": question, "error": str(err)}, ensure_ascii=False) if args.json
                  else f"error: {err}", flush=True)
            continue
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else format_answer(answer) + "\n",
              flush=True)
    return 1 if failures else 0


def _run_eval(args, settings: Settings) -> int:
    from .evaluation import evaluate_set

    report, _ = evaluate_set(args.set_dir, args.split, settings, index_dir=Path(args.index) if args.index else None)
    print(json.dumps({"set": report.set_name, "split": report.split, "questions": report.questions,
                      **report.metrics}, indent=2) if args.json else report.table())
    return 0


def _run_text(args, settings: Settings) -> int:
    index = ReportIndex.load(settings.index_dir)
    record = index.records.get(args.doc)
    if record is None:
        raise QuestionError(f"no report named {args.doc!r}; indexed: {', '.join(sorted(index.records))}")
    sys.stdout.write(record.document.text)
    return 0


def format_answer(answer: Answer) -> str:
    """Plain-text rendering for the terminal: quotes with [n] markers, then the citations."""
    understood = [f"(searched as: {answer.searched})", ""] if answer.searched else []
    if not answer.answerable:
        return "\n".join(understood + [answer.message])
    lines = understood + [f"{s.text} [{s.citation}]" for s in answer.answer]
    lines.append("")
    for c in answer.citations:
        columns = c.columns and "columns: " + " / ".join(table_cells(c.columns))
        where = " | ".join(part for part in (c.section, c.figure, columns, f"p. {c.page}") if part)
        lines.append(f"[{c.id}] {c.doc} ({c.title}) | {where} | chars {c.start}-{c.end}")
    return "\n".join(lines)
