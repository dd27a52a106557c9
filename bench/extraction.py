"""PDF text fidelity on the shared sets: evidence found verbatim, captions kept, furniture out of chunks.

    python bench/extraction.py [SET ...]    # default: zh_boc_outlook en_pew_reports en_financebench

Per set: share of gold evidence spans found in the extracted text (whitespace-insensitive), figure
captions recovered as figure records with their source line, running header/footer lines found inside
chunks (should be 0), and extraction speed in pages per second. No embedding is involved.
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


def measure(set_dir: Path) -> dict:
    started = time.perf_counter()
    texts, pages, captions, with_source, furniture_in_chunks = {}, 0, 0, 0, 0
    for path, name in find_report_files([set_dir / "docs"]):
        try:
            document = load_document(path, name)
        except LoadError as err:
            print(f"skipped {name}: {err}", file=sys.stderr)
            continue
        structure = parse_report(document)
        texts[name] = without_whitespace(document.text)
        pages += document.page_count
        captions += len(_CAPTION_LINE.findall(document.text))
        with_source += sum(1 for f in structure.figures if f.source and re.match(r"(图表|图|表)\d", f.label))
        furniture = {document.text[s:e] for s, e in document.furniture if len(document.text[s:e]) > 3}
        for chunk in chunk_report(document, structure, first_id=0):
            lines = set(chunk.text.splitlines())
            furniture_in_chunks += len(furniture & lines)
    seconds = time.perf_counter() - started
    rows = [json.loads(line) for line in (set_dir / "qa.jsonl").read_text("utf-8").splitlines() if line.strip()]
    spans = [(r.get("doc"), without_whitespace(e)) for r in rows for e in r.get("evidence") or [] if without_whitespace(e)]
    found = sum(1 for doc, span in spans if span in texts.get(doc, "") or any(span in t for t in texts.values()))
    return {"documents": len(texts), "pages": pages, "evidence_found": found / len(spans) if spans else None,
            "evidence_spans": len(spans), "caption_lines": captions, "captions_with_source": with_source,
            "furniture_lines_in_chunks": furniture_in_chunks, "pages_per_s": pages / seconds}


def main(names: list[str]) -> None:
    for name in names:
        if (EVAL / name).is_dir():
            print(name, json.dumps(measure(EVAL / name)), flush=True)
        else:
            print(f"skipping {name}: not in {EVAL}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:] or ["zh_boc_outlook", "en_pew_reports", "en_financebench"])
