"""Plain data passed between the pipeline stages.

Every span is a pair of character offsets into a document's stored text (`Document.text`), so
any chunk, passage or citation can be checked against the source with `text[start:end]`.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class PageSpan:
    """Characters [start, end) of the stored text came from 1-based PDF page `page`."""
    start: int
    end: int
    page: int


@dataclass
class Document:
    """One report as extracted: the text every offset refers to, and where its pages lie."""
    doc_id: str          # sha256 of the file bytes (first 16 hex digits): same file, same id
    name: str            # path relative to the indexed folder, e.g. "2026-ai-video.md"
    text: str
    pages: list[PageSpan] = field(default_factory=list)  # empty for text files (one page)
    furniture: list[tuple[int, int]] = field(default_factory=list)  # running headers/footers
    title_hint: str = ""  # a PDF's metadata title or running header, when it has one
    textless_pages: list[int] = field(default_factory=list)  # PDF pages without a text layer (scans)
    large_type: list[tuple[int, int, float]] = field(default_factory=list)  # PDF paragraphs printed larger than
    # the body text: (start, end, type size in pt); headings a reader sees by their size alone

    @functools.cached_property
    def _page_starts(self) -> list[int]:
        return [span.start for span in self.pages]   # spans are in text order, body then furniture

    def page_at(self, offset: int) -> int:
        """The 1-based page holding character `offset` (1 for documents without pages)."""
        if not self.pages:
            return 1
        index = bisect.bisect_right(self._page_starts, offset) - 1
        return self.pages[max(index, 0)].page

    @property
    def page_count(self) -> int:
        return max((span.page for span in self.pages), default=1)

    def pages_between(self, start: int, end: int) -> list[int]:
        first = max(bisect.bisect_right(self._page_starts, start) - 1, 0)
        last = bisect.bisect_left(self._page_starts, end)
        pages = sorted({span.page for span in self.pages[first:last] if span.start < end and start < span.end})
        return pages or [self.page_at(start)]


@dataclass
class Section:
    """A heading and the text it governs, up to the next heading of the same or a higher level."""
    heading: str
    level: int           # 1 = top level (一、 / # / 1.), deeper numbers for sub-levels
    start: int           # offset of the heading line
    end: int
    path: list[str]      # headings from the top level down to this one
    kind: str = "body"   # "body" or "boilerplate" (disclaimer, rating definitions, ...)


@dataclass
class Figure:
    """A figure or table caption (its image is lost in text) with its source line."""
    label: str           # normalised label, e.g. "图表3", "图5", "表1", "Figure 2", "Exhibit 4"
    caption: str         # the caption line as written
    start: int           # caption line span
    end: int
    source: str = ""     # the 资料来源 / Source line, if any
    page: int = 1


@dataclass
class Block:
    """A paragraph-like run of text lines with what it is (body, heading, caption, ...)."""
    start: int
    end: int
    kind: str            # "body" | "heading" | "caption" | "source" | "boilerplate" | "furniture"
    section: int = -1    # index into ReportStructure.sections, -1 before the first heading


@dataclass
class ReportStructure:
    title: str
    sections: list[Section]
    figures: list[Figure]
    blocks: list[Block]
    date: str = ""       # YYYY-MM-DD when the report states it


@dataclass
class Chunk:
    """The unit that is embedded and keyword-indexed."""
    chunk_id: int
    doc_id: str
    doc_name: str
    title: str
    section_path: list[str]
    figures: list[str]   # labels of figures the chunk holds or mentions
    pages: list[int]
    start: int
    end: int
    text: str            # == Document.text[start:end]
    kind: str = "body"   # "body" or "boilerplate"


@dataclass
class Passage:
    """A chunk as retrieved for one question."""
    rank: int
    score: float
    chunk: Chunk


@dataclass
class Citation:
    id: int              # 1-based, as shown in the answer: [1], [2]
    doc: str
    title: str
    date: str            # the report's date (YYYY-MM-DD) or ""
    section: str         # section path joined with " > "
    figure: str          # caption of the figure the quote belongs to or names, else ""
    page: int
    start: int
    end: int
    quote: str           # == text(doc)[start:end]
    columns: str = ""    # the header row of the table the quote is a row of ("Item\t2023\t2022"), else ""


@dataclass
class AnswerSentence:
    text: str            # verbatim substring of its citation's quote
    citation: int


@dataclass
class Answer:
    question: str
    answerable: bool
    answer: list[AnswerSentence]
    citations: list[Citation]
    passages: list[Passage]
    timing_ms: dict[str, float]
    message: str = ""    # the plain-language reply when nothing is quoted
    searched: str = ""   # the question as searched, when it differs ("Yaoshi" read as the 曜石 a report writes)

    def to_json(self) -> dict:
        """The CLI / API result shape (see README)."""
        return {
            "question": self.question,
            "answerable": self.answerable,
            "message": self.message,
            "searched": self.searched or self.question,
            "answer": [asdict(a) for a in self.answer],
            "citations": [asdict(c) for c in self.citations],
            "passages": [
                {"rank": p.rank, "score": round(p.score, 6), "doc": p.chunk.doc_name,
                 "section": " > ".join(p.chunk.section_path), "figures": p.chunk.figures,
                 "pages": p.chunk.pages, "start": p.chunk.start, "end": p.chunk.end,
                 "text": p.chunk.text}
                for p in self.passages
            ],
            "timing_ms": {k: round(v, 2) for k, v in self.timing_ms.items()},
        }
