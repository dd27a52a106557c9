"""PDF text fidelity on the shared sets: evidence found verbatim, captions kept, furniture out of chunks.

    python bench/extraction.py [SET ...]    # default: zh_boc_outlook en_pew_reports en_financebench

Per set: share of gold evidence spans found in the extracted text (whitespace-insensitive), figure
captions recovered as figure records with their source line, running header/footer lines found inside
chunks (should be 0), and extraction speed in pages per second. No embedding is involved.

Evidence is matched two ways. `evidence_found`: the span as given. `evidence_found_gold_form`: the span
compared the way it was made. en_financebench's spans are pure ASCII (whoever cut them deleted every
non-ASCII character: the em dashes of empty table cells, curly quotes) and were cut from whole-page
text, so some begin or end with a running header or page number that the loader moves out of the body;
an ASCII-only span is therefore matched against the text's ASCII characters, with its first/last lines
dropped when they are this document's running lines. Stored text is never folded to match.

Furniture is counted two ways. `furniture_in_chunks`: chunks that reach a running header/footer the
loader found by position (must be 0). `running_text_in_chunks`: body lines whose text equals a running
line (e.g. Pew's "PEW RESEARCH CENTER" credit printed under every chart, in the body of the page).
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.chunking import chunk_report  # noqa: E402
from rag.indexing import find_report_files  # noqa: E402
from rag.loaders import LoadError, load_document  # noqa: E402
from rag.structure import parse_report  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
_CAPTION_LINE = re.compile(r"^(图表|图|表)\s*\d+\s*[:：]", re.MULTILINE)


def without_whitespace(text: str) -> str:
    """Whitespace-insensitive matching, as the gold spans are specified (no width or case folding)."""
    return re.sub(r"\s+", "", text)


def ascii_only(text: str) -> str:
    return text.encode("ascii", "ignore").decode()


def in_gold_form(span: str, running_lines: set[str]) -> str:
    """The span with its leading/trailing running lines dropped, ASCII-only when it is pure ASCII."""
    lines = [line for line in span.splitlines() if line.strip()]
    while lines and without_whitespace(lines[0]) in running_lines:
        lines.pop(0)
    while lines and without_whitespace(lines[-1]) in running_lines:
        lines.pop()
    trimmed = without_whitespace("".join(lines)) or without_whitespace(span)
    return ascii_only(trimmed) if span.isascii() else trimmed


def found_share(spans: list[tuple[str, str]], texts: dict[str, str]) -> float | None:
    found = sum(1 for doc, span in spans if span in texts.get(doc, "") or any(span in t for t in texts.values()))
    return found / len(spans) if spans else None


def measure(set_dir: Path) -> dict:
    started = time.perf_counter()
    texts, ascii_texts, running, pages, captions, with_source = {}, {}, set(), 0, 0, 0
    furniture_in_chunks = running_text_in_chunks = 0
    for path, name in find_report_files([set_dir / "docs"]):
        try:
            document = load_document(path, name)
        except LoadError as err:
            print(f"skipped {name}: {err}", file=sys.stderr)
            continue
        structure = parse_report(document)
        texts[name] = without_whitespace(document.text)
        ascii_texts[name] = ascii_only(texts[name])
        running |= {without_whitespace(document.text[s:e]) for s, e in document.furniture}
        pages += document.page_count
        captions += len(_CAPTION_LINE.findall(document.text))
        with_source += sum(1 for f in structure.figures if f.source and re.match(r"(图表|图|表)\d", f.label))
        furniture = {document.text[s:e] for s, e in document.furniture if len(document.text[s:e]) > 3}
        for chunk in chunk_report(document, structure, first_id=0):
            furniture_in_chunks += sum(1 for s, e in document.furniture if s < chunk.end and chunk.start < e)
            running_text_in_chunks += len(furniture & set(chunk.text.splitlines()))
    seconds = time.perf_counter() - started
    rows = [json.loads(line) for line in (set_dir / "qa.jsonl").read_text("utf-8").splitlines() if line.strip()]
    evidence = [(r.get("doc"), e) for r in rows for e in r.get("evidence") or [] if without_whitespace(e)]
    strict = [(doc, without_whitespace(e)) for doc, e in evidence]
    ascii_spans = [(doc, in_gold_form(e, running)) for doc, e in evidence if e.isascii()]
    other_spans = [(doc, in_gold_form(e, running)) for doc, e in evidence if not e.isascii()]
    gold_form_found = [(found_share(ascii_spans, ascii_texts) or 0) * len(ascii_spans),
                       (found_share(other_spans, texts) or 0) * len(other_spans)]
    return {"documents": len(texts), "pages": pages, "evidence_spans": len(evidence),
            "evidence_found": found_share(strict, texts),
            "evidence_found_gold_form": sum(gold_form_found) / len(evidence) if evidence else None,
            "caption_lines": captions, "captions_with_source": with_source,
            "furniture_in_chunks": furniture_in_chunks, "running_text_in_chunks": running_text_in_chunks,
            "pages_per_s": pages / seconds}


def main(names: list[str]) -> None:
    for name in names:
        if (EVAL / name).is_dir():
            print(name, json.dumps(measure(EVAL / name)), flush=True)
        else:
            print(f"skipping {name}: not in {EVAL}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:] or ["zh_boc_outlook", "en_pew_reports", "en_financebench"])
