"""Report files -> `Document`: the stored text every offset refers to, with its pages.

Text files are decoded (UTF-8, UTF-8 with BOM, GB18030/GBK); PDFs are read page by page with
pypdfium2 (Apache-2.0/BSD), their line wraps joined and their running headers/footers moved to
the end of the text, so that sentences stay whole while the furniture remains stored.

A PDF is read in a child process bounded in time and memory: a PDF bomb (huge page count,
decompression bomb in its object streams) or a crash inside the PDF library costs one file,
never the indexing run or the app.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .pdf_layout import PageLines, page_lines, running_furniture
from .schema import Document, PageSpan
from .structure import is_navigation

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")
MAX_PDF_PAGES = 3000
MAX_PDF_SECONDS = 300.0          # text extraction time for one PDF
MAX_PDF_MEMORY = 4 * 2**30       # address space of the reading process
MAX_TEXT_BYTES = 32 * 2**20      # one text report; a 500-page report is about 1.5 MB of text


class LoadError(Exception):
    """A file that cannot be indexed; the message is the one-line reason shown to the user."""


def load_document(path: Path, name: str | None = None) -> Document:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; expected {', '.join(SUPPORTED_SUFFIXES)}")
    name = name or path.name
    try:
        size = path.stat().st_size
        if size == 0:
            raise LoadError("empty file")
        if suffix == ".pdf":
            doc_id = file_id(path)
            return _pdf_document(path, doc_id, name)
        if size > MAX_TEXT_BYTES:
            raise LoadError(f"text file of {size / 2**20:.0f} MB, more than the limit of "
                            f"{MAX_TEXT_BYTES / 2**20:.0f} MB for one report; split it into reports")
        data = path.read_bytes()
    except OSError as err:
        raise LoadError(f"cannot read file: {err.strerror or err}") from err
    if not data.strip():
        raise LoadError("empty file")
    text = decode_text(data)
    if not text.strip():
        raise LoadError("no text in file")
    return Document(hashlib.sha256(data).hexdigest()[:16], name, text)


def file_id(path: Path) -> str:
    """sha256 of the file's bytes (first 16 hex digits), read in blocks: memory stays flat."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:16]


def decode_text(data: bytes) -> str:
    """Decode report text, refusing binary content that merely carries a text extension."""
    if b"\x00" in data[:65536]:
        raise LoadError("binary content (NUL bytes), not a text file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LoadError("not decodable as UTF-8 or GB18030 text")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 65536):
        raise LoadError("binary content (control characters), not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- PDF --------------------------------------------------------------------------------------

_TERMINAL = tuple("。！？；：:!?.;」』”）)】")
# Lines that open a new block however the previous line ended.
_BLOCK_START = re.compile(
    r"^\s*(#|[●•◆■▪►\-–·]\s|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|"
    # a list number ("3.", "1）") but no decimal ("3.5%"); a numbered heading ("1.1 Scope") but no value ("0.7 个")
    r"\d+(\.\d+)*([、)）]|[.．](?!\d))\s*\S|"
    r"\d{1,2}(\.\d{1,2})+\s+(?![个亿万元倍年月日天次点家人股只台辆吨度米克小周])(?-i:[A-Z\u4e00-\u9fff])|"
    r"第[一二三四五六七八九十\d]+[章节部分]|"
    r"(图表|图|表|附图|附表)\s*\d+|(Figure|Fig\.|Exhibit|Table|Chart)\s*\d+|"
    r"(资料来源|数据来源|来源|注|Source|Sources|Note)\s*[:：])",
    re.IGNORECASE,
)
# Lines that stand alone however the next line starts: captions, source lines, Markdown headings.
_OWN_LINE = re.compile(
    r"^\s*(#|(图表|图|表|附图|附表)\s*\d+|(Figure|Fig\.|Exhibit|Table|Chart)\s*\d+|"
    r"(资料来源|数据来源|Source|Sources)\s*[:：])",
    re.IGNORECASE,
)
# Numbered heading lines: a line break follows them even when they fill the line.
_HEADING_LINE = re.compile(
    r"^\s*(([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十\d]+[章节]|"
    r"专题[一二三四五六七八九十\d]+)[^。；]*|\d{1,2}\s*[.．、](?!\d)[^。；]{2,45})$"
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_SOFT_HYPHENS = ("\x02", "\xad", "\ufffe")
_LARGE_TYPE = 1.2   # a paragraph this many times the body's type size reads as a heading
_DISPLAY_TYPE = 2.5   # ... and the largest such on the cover, this much larger, as the title


def _pdf_document(path: Path, doc_id: str, name: str) -> Document:
    page_lines, furniture_flags, metadata_title = _read_pdf_isolated(path)
    if not any(page_lines):
        raise LoadError("no text layer on any page (scanned or image-only PDF)")
    textless = [number for number, lines in enumerate(page_lines, start=1) if not lines]
    body_pages, furniture_lines = [], []
    for number, (lines, flags) in enumerate(zip(page_lines, furniture_flags), start=1):
        body_pages.append([line for i, line in enumerate(lines) if i not in flags])
        furniture_lines += [(number, line) for i, (line, _) in enumerate(lines) if i in flags]
    body_size = _body_size([pair for lines in body_pages for pair in lines])
    text, pages, paragraphs = _join_pages(body_pages, body_size)
    large_type = [(s, e, size) for s, e, size in paragraphs if size >= _LARGE_TYPE * body_size and e - s <= 150]
    furniture = []
    if furniture_lines:
        text += "\n\n"
        for number, line in furniture_lines:
            start = len(text)
            text += line + "\n"
            furniture.append((start, start + len(line)))
            pages.append(PageSpan(start, start + len(line) + 1, number))
    title = _cover_title(text, pages, large_type, body_size) or metadata_title or _running_title(furniture_lines)
    return Document(doc_id, name, text, pages, furniture, title, textless, large_type)


def _body_size(sized_lines: list[tuple[str, float]]) -> float:
    """The type size of most of the text: the character-weighted median of the line sizes."""
    weighted = sorted((size, len(line)) for line, size in sized_lines)
    half, seen = sum(n for _, n in weighted) / 2, 0
    for size, count in weighted:
        seen += count
        if seen >= half:
            return size
    return 0.0


def _cover_title(text: str, pages: list[PageSpan], large_type: list[tuple[int, int, float]], body_size: float) -> str:
    """The largest type on the first page when it is display type (a logo or a stamp in larger type
    than the body, such as "内部参考", is not trusted over the metadata)."""
    first_page_end = pages[0].end if pages else len(text)
    candidates = [(size, text[s:e].strip()) for s, e, size in large_type
                  if s < first_page_end and size >= _DISPLAY_TYPE * body_size and 4 <= e - s <= 150]
    return max(candidates, key=lambda pair: pair[0])[1] if candidates else ""


def _read_pdf_isolated(path: Path) -> tuple[list[list[tuple[str, float]]], list[set[int]], str]:
    """`_pdf_page_lines` in a child process, stopped past MAX_PDF_SECONDS or MAX_PDF_MEMORY."""
    command = [sys.executable, "-c", "from rag.loaders import pdf_reader_main; pdf_reader_main()",
               str(path), str(MAX_PDF_PAGES), str(MAX_PDF_MEMORY)]
    package_root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    try:
        finished = subprocess.run(command, capture_output=True, timeout=MAX_PDF_SECONDS, env=env)
    except subprocess.TimeoutExpired:
        raise LoadError(f"PDF text extraction took longer than {MAX_PDF_SECONDS:.0f} s and was stopped "
                        "(damaged PDF or PDF bomb?)") from None
    if finished.returncode != 0:
        raise LoadError(f"the PDF reader crashed or ran out of memory (limit {MAX_PDF_MEMORY / 2**30:.1f} GiB, "
                        f"exit code {finished.returncode}); damaged PDF or PDF bomb?")
    outcome = json.loads(finished.stdout)
    if "error" in outcome:
        raise LoadError(outcome["error"])
    return outcome["pages"], [set(flags) for flags in outcome["furniture"]], outcome["title"]


def pdf_reader_main() -> None:
    """Child process entry: read one PDF under a memory limit, print {"pages": [[(line, type size), ...], ...],
    "furniture": [[line index, ...], ...], "title"} or {"error"} as JSON."""
    path, max_pages, max_memory = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    try:
        pages, title = _pdf_page_lines(path, max_pages)
        outcome = {"pages": [[(line.text, line.size) for line in page.lines] for page in pages],
                   "furniture": [sorted(flags) for flags in running_furniture(pages)], "title": title}
    except LoadError as err:
        outcome = {"error": str(err)}
    except MemoryError:
        outcome = {"error": f"PDF needs more than {max_memory / 2**30:.1f} GiB of memory to read (PDF bomb?)"}
    sys.stdout.write(json.dumps(outcome, ensure_ascii=False))


def _pdf_page_lines(path: str, max_pages: int) -> tuple[list[PageLines], str]:
    """Each page's lines in reading order (none for a page without a text layer), and the metadata title."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as err:
        reason = str(err)
        if "password" in reason.lower():
            raise LoadError("encrypted PDF (password required)") from err
        raise LoadError(f"unreadable PDF ({reason})") from err
    try:
        if len(pdf) == 0:
            raise LoadError("PDF has no pages")
        if len(pdf) > max_pages:
            raise LoadError(f"PDF has {len(pdf)} pages, more than the limit of {max_pages}")
        pages = []
        for page in pdf:
            pages.append(page_lines(page))
            page.close()
        return pages, _metadata_title(pdf)
    finally:
        pdf.close()


def _metadata_title(pdf) -> str:
    title = (pdf.get_metadata_dict().get("Title") or "").strip()
    generic = re.search(r"^(untitled|microsoft word|powerpoint|document\d*)|\.(docx?|pdf|pptx?)$", title, re.IGNORECASE)
    wordy = len(re.findall(r"[A-Za-z\u3400-\u9fff]", title)) >= 4   # not a filing number such as 0000764478-23-000006
    return "" if generic or not wordy else title


def _running_title(furniture_lines: list[tuple[int, str]]) -> str:
    """The most frequent running header that is words, not a page number: often the title."""
    counts = Counter(line for _, line in furniture_lines if not re.search(r"\d", line) and len(line) >= 4
                     and not is_navigation(line))
    return counts.most_common(1)[0][0] if counts else ""


def _join_pages(body_pages: list[list[tuple[str, float]]], body_size: float
                ) -> tuple[str, list[PageSpan], list[tuple[int, int, float]]]:
    """Join wrapped lines into paragraphs, across page breaks too, recording each page's span and each
    paragraph's (start, end, largest type size). A change of size (a title over body text) ends a paragraph;
    lines of one large size (a title set over two or three lines) make one."""
    parts: list[str] = []
    length = 0
    pages: list[PageSpan] = []
    paragraphs: list[tuple[int, int, float]] = []
    paragraph_start, paragraph_size = 0, 0.0
    previous, previous_width, previous_size = "", 0, 0.0
    for number, sized_lines in enumerate(body_pages, start=1):
        width = _typical_width([line for line, _ in sized_lines])
        for i, (line, size) in enumerate(sized_lines):
            if previous:
                resized = max(size, previous_size) > 1.25 * max(min(size, previous_size), 0.1)
                display = size == previous_size >= _LARGE_TYPE * body_size and i > 0 and not previous.endswith(_TERMINAL)
                glue = "\n" if resized else _soft_glue(previous, line) if display else _glue(previous, line, previous_width)
                if glue == "" and previous.endswith(_SOFT_HYPHENS):
                    parts[-1] = parts[-1][:-1]
                    length -= 1
                if glue == "\n":
                    paragraphs.append((paragraph_start, length, paragraph_size))
                    paragraph_start, paragraph_size = length + 1, 0.0
                parts.append(glue)
                length += len(glue)
            if i == 0:
                pages.append(PageSpan(length, length, number))
            parts.append(line)
            length += len(line)
            paragraph_size = max(paragraph_size, size)
            previous, previous_width, previous_size = line, width, size
    if previous:
        paragraphs.append((paragraph_start, length, paragraph_size))
    return "".join(parts) + "\n", _close_gaps(pages, length + 1), paragraphs


def _typical_width(lines: list[str]) -> int:
    """The length of a full line on this page (75th percentile: robust to titles and names)."""
    lengths = sorted(len(ln) for ln in lines)
    return lengths[int(0.75 * (len(lengths) - 1))] if lengths else 0


def _close_gaps(pages: list[PageSpan], total: int) -> list[PageSpan]:
    """Extend each page span up to the next one so every offset belongs to a page."""
    closed = []
    for i, span in enumerate(pages):
        end = pages[i + 1].start if i + 1 < len(pages) else total
        closed.append(PageSpan(span.start, end, span.page))
    return closed


def _soft_glue(previous: str, line: str) -> str:
    return "" if _CJK.match(previous[-1]) or _CJK.match(line[0]) else " "


def _glue(previous: str, line: str, width: int) -> str:
    """What goes between two lines: nothing (a wrapped Chinese line), a space, or a newline."""
    if (_BLOCK_START.match(line) or _OWN_LINE.match(previous) or _HEADING_LINE.match(previous)
            or previous.endswith(_TERMINAL) or len(previous) < 0.6 * width or "\t" in previous + line):   # table rows
        return "\n"
    if previous.endswith(_SOFT_HYPHENS + ("-",)):
        return ""
    return _soft_glue(previous, line)
