"""PDF page geometry with pypdfium2: lines with boxes, reading order of columns, running furniture.

Lines keep pdfium's own text (a tab where a wide gap separates table cells) and content-stream order (measured on the shared sets: rebuilding lines
by baseline loses text, e.g. footnote markers pulled inline and side bars merged into body lines);
boxes serve only geometry. Coordinates are PDF points, y up.
"""
from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2.raw as pdfium_c

from .textnorm import running_line_key

RUN_GAP = 1.0         # a gap wider than this many line heights splits a line into runs (cells, columns)
CELL_GAP = 1.0        # between runs of a rebuilt line, a wider gap is written as a tab (a cell boundary)
BAND = 0.10           # top/bottom share of the page where running headers/footers live (Pew 8%, boc 7.8%)
RECUR = 0.3           # share of pages (at least 3) on which a running line recurs near an edge
RECUR_FIXED = 0.1     # ... or in the band at one height: a filing's "Table of Contents" on 129 of 549 pages
MIN_GUTTER = 8.0      # pt: the narrowest column gutter
GUTTER_EDGE = 0.12    # a gutter lies between 12% and 88% of the page width
CROSSING = 0.15       # at most this share of runs may cross a gutter (full-width lines)
MIN_SWITCHES = 3      # the stream must jump between columns this often before it is re-read


@dataclass
class Run:
    """Words of one line without a wide gap: a phrase, a table cell, a column's part of a line."""
    text: str
    x0: float
    x1: float
    bottom: float
    top: float
    size: float = 0.0    # type size in pt: the larger of its first and last character's (superscripts aside)

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    bottom: float
    top: float
    runs: list[Run] = field(default_factory=list, repr=False)
    size: float = 0.0    # type size in pt (boxes are no guide: a Latin font's box is taller than a CJK one's)

    def __post_init__(self):
        if self.runs and not self.size:
            self.size = round(statistics.median(run.size for run in self.runs[:3]), 1)


@dataclass
class PageLines:
    lines: list[Line]
    width: float
    height: float


def page_lines(page) -> PageLines:
    """One page's lines in reading order (columns re-read only where the stream interleaves them)."""
    textpage = page.get_textpage()
    try:
        lines = split_baselines(stream_lines(textpage))
    finally:
        textpage.close()
    width, height = page.get_width(), page.get_height()
    return PageLines(order_columns(lines, width, height), width, height)


def stream_lines(textpage) -> list[Line]:
    """pdfium's lines, text unchanged, with boxes read at the first and last character of each word."""
    raw = textpage.raw
    text = textpage.get_text_range()
    if len(text) != pdfium_c.FPDFText_CountChars(raw):   # characters outside the BMP: index by character
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(pdfium_c.FPDFText_CountChars(raw)))
    rect, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()

    def size(i: int) -> float:   # the font size scaled by the text matrix, as printed
        pdfium_c.FPDFText_GetMatrix(raw, i, matrix)
        return pdfium_c.FPDFText_GetFontSize(raw, i) * math.hypot(matrix.c, matrix.d)

    def box(i: int) -> tuple[float, float, float, float]:
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect)
        return rect.left, rect.right, rect.bottom, rect.top

    lines = []
    for match in re.finditer(r"[^\r\n]+", text):
        runs: list[Run] = []
        run_starts: list[int] = []
        for word in re.finditer(r"[^\s\x00]+", match.group()):
            first, last = match.start() + word.start(), match.start() + word.end() - 1
            left, _, bottom, top = box(first)
            _, right, bottom2, top2 = box(last)
            bottom, top = min(bottom, bottom2), max(top, top2)
            height = max(top - bottom, 0.1)
            previous = runs[-1] if runs else None
            if (previous and -0.5 * height <= left - previous.x1 <= RUN_GAP * height
                    and previous.bottom - 0.2 * height <= (bottom + top) / 2 <= previous.top + 0.2 * height):
                previous.text = text[run_starts[-1]:last + 1]
                previous.x1, previous.bottom, previous.top = max(previous.x1, right), min(previous.bottom, bottom), max(previous.top, top)
                previous.size = max(previous.size, size(last))
            else:
                runs.append(Run(text[first:last + 1], left, right, bottom, top, max(size(first), size(last))))
                run_starts.append(first)
        if runs:   # runs apart by a wide gap are table cells: a tab between them, words as pdfium wrote them
            lines.append(_line_of(runs, "\t".join(run.text.replace("\x00", "") for run in runs)))
    return lines


def _line_of(runs: list[Run], text: str | None = None) -> Line:
    return Line(text if text is not None else " ".join(r.text for r in runs), min(r.x0 for r in runs),
                max(r.x1 for r in runs), min(r.bottom for r in runs), max(r.top for r in runs), list(runs))


def split_baselines(lines: list[Line]) -> list[Line]:
    """Split a pdfium line whose runs jump to another baseline (a running header glued to the first
    body line when they follow each other in the content stream)."""
    out = []
    for line in lines:
        groups = [[line.runs[0]]]
        for run in line.runs[1:]:
            previous = groups[-1][-1]
            if min(previous.top, run.top) - max(previous.bottom, run.bottom) < 0.3 * min(previous.height, run.height):
                groups.append([])
            groups[-1].append(run)
        out += [line] if len(groups) == 1 else [_line_of(group) for group in groups]
    return out


# --- columns ------------------------------------------------------------------------------------

def order_columns(lines: list[Line], width: float, height: float) -> list[Line]:
    """Left column then right column, full-width blocks between, when the stream interleaves them.

    Re-read only prose (both sides filled, or one filled and the other on its own leading, as a side
    bar): a two-column table (subsidiary lists, signature blocks) shares its rows and stays as it is."""
    runs = [(k, run) for k, line in enumerate(lines) for run in line.runs if run.text]
    body = [run for _, run in runs if _in_body(run, height)]
    gutter = _find_gutter(body, width) if len(body) >= 8 else None
    if gutter is None:
        return lines

    def side(run: Run) -> str:
        """L or R of the gutter, S for a run across all of it (full width) or in the top/bottom band."""
        if not _in_body(run, height) or (run.x0 < gutter[0] - 1 and run.x1 > gutter[1] + 1):
            return "S"
        return "L" if (run.x0 + run.x1) / 2 < (gutter[0] + gutter[1]) / 2 else "R"

    blocks: list[tuple[str, list[tuple[int, Run]]]] = []   # top to bottom, cut at every full-width run
    for k, run in sorted(runs, key=lambda item: -item[1].top):
        kind = "S" if side(run) == "S" else "C"
        if not blocks or blocks[-1][0] != kind:
            blocks.append((kind, []))
        blocks[-1][1].append((k, run))
    if not any(kind == "C" and _interleaved_columns(items, side, width) for kind, items in blocks):
        return lines
    out: list[Line] = []
    for kind, items in blocks:
        block_runs = [run for _, run in items]
        if kind == "S":
            out += group_lines(block_runs)
        else:
            out += group_lines([r for r in block_runs if side(r) == "L"]) + group_lines([r for r in block_runs if side(r) == "R"])
    return out


def _in_body(run: Run, height: float) -> bool:
    return BAND * height < (run.top + run.bottom) / 2 < (1 - BAND) * height


def _interleaved_columns(items: list[tuple[int, Run]], side, width: float) -> bool:
    left = [run for _, run in items if side(run) == "L"]
    right = [run for _, run in items if side(run) == "R"]
    sides = [side(run) for _, run in sorted(items, key=lambda item: item[0])]   # content-stream order
    switches = sum(a != b for a, b in zip(sides, sides[1:]))
    if switches < MIN_SWITCHES or not (_wordy(left) and _wordy(right)):
        return False
    left_filled, right_filled = _filled(left, width), _filled(right, width)
    return ((left_filled and right_filled) or (left_filled and not _shares_rows(right, left))
            or (right_filled and not _shares_rows(left, right)))


def _find_gutter(runs: list[Run], width: float) -> tuple[float, float] | None:
    """The widest strip of 2-pt bins in the middle of the page crossed by at most CROSSING of the runs."""
    bins = [0] * (int(width // 2) + 1)
    for run in runs:
        for b in range(max(0, int(run.x0 // 2)), min(len(bins), int(run.x1 // 2) + 1)):
            bins[b] += 1
    best, start = None, None
    for b in range(int(GUTTER_EDGE * width // 2), int((1 - GUTTER_EDGE) * width // 2) + 1):
        if bins[b] <= CROSSING * len(runs):
            start = b if start is None else start
            if best is None or b - start > best[1] - best[0]:
                best = (start, b)
        else:
            start = None
    if best is None or (best[1] - best[0] + 1) * 2 < MIN_GUTTER:
        return None
    return best[0] * 2.0, (best[1] + 1) * 2.0


def _wordy(runs: list[Run]) -> bool:
    """Words, not a numeric table column."""
    return len(runs) >= 3 and sum(sum(ch.isalpha() for ch in r.text) >= 2 for r in runs) >= 0.7 * len(runs)


def _filled(runs: list[Run], width: float) -> bool:
    """Prose: a column at least a quarter of the page wide whose lines mostly run to its full width."""
    widest = max(r.x1 - r.x0 for r in runs)
    return len(runs) >= 5 and widest >= 0.25 * width and sum(r.x1 - r.x0 >= 0.85 * widest for r in runs) >= 0.6 * len(runs)


def _shares_rows(runs: list[Run], other: list[Run]) -> bool:
    """Half of `runs` sit on a baseline of `other` (table rows do; a side bar's own leading does not)."""
    bottoms = [r.bottom for r in other]
    return sum(any(abs(r.bottom - b) < 1.0 for b in bottoms) for r in runs) >= 0.5 * len(runs)


def group_lines(runs: list[Run]) -> list[Line]:
    """Runs on one baseline form a line, sorted by x (a tab between cells), lines top to bottom."""
    lines: list[Line] = []
    for run in sorted(runs, key=lambda r: -(r.top + r.bottom) / 2):
        for line in reversed(lines[-8:]):     # only lines just above can share this run's baseline
            overlap = min(line.top, run.top) - max(line.bottom, run.bottom)
            if overlap >= 0.5 * min(line.top - line.bottom, run.height) and not _collides(line, run):
                line.runs.append(run)
                line.x0, line.x1 = min(line.x0, run.x0), max(line.x1, run.x1)
                line.bottom, line.top = min(line.bottom, run.bottom), max(line.top, run.top)
                break
        else:
            lines.append(Line("", run.x0, run.x1, run.bottom, run.top, [run], run.size))
    for line in lines:
        line.runs.sort(key=lambda r: r.x0)
        line.text = _join_runs(line.runs)
    return sorted(lines, key=lambda line: -line.top)


def _collides(line: Line, run: Run) -> bool:
    """A run overlapping one of the line's runs horizontally is overprinted text, not the same line."""
    return any(min(r.x1, run.x1) - max(r.x0, run.x0) > 0.5 * min(r.x1 - r.x0, run.x1 - run.x0) for r in line.runs)


def _join_runs(runs: list[Run]) -> str:
    parts = []
    for previous, run in zip([None] + runs[:-1], runs):
        if previous is not None:
            parts.append("\t" if run.x0 - previous.x1 > CELL_GAP * max(previous.height, run.height) else " ")
        parts.append(run.text)
    return "".join(parts)


# --- running headers and footers ----------------------------------------------------------------

def running_furniture(pages: list[PageLines]) -> list[set[int]]:
    """Per page, the indices of its running header/footer lines.

    Candidates: lines in the top/bottom band, plus each page's lowest and highest line (10-K filings
    printed from HTML put page numbers right under the last text line). A candidate is furniture when
    its digit-free text recurs among the candidates of RECUR of the pages, or in the band at one height
    on RECUR_FIXED of them, or when it is a page number keeping one offset from the page index on 3+
    pages (a year or a table value at a page edge does not)."""
    if len(pages) < 3:
        return [set() for _ in pages]
    counts: Counter[str] = Counter()
    fixed: Counter[tuple[str, int]] = Counter()
    numbers = []   # (page, line, printed number - page index)
    for p, page in enumerate(pages):
        counts.update({running_line_key(page.lines[i].text) for i in _candidates(page)} - {""})
        fixed.update({_fixed_key(line) for line in page.lines if _in_band(line, page.height) and running_line_key(line.text)})
        numbers += [(p, i, int(re.search(r"\d+", page.lines[i].text).group()) - p)
                    for i in _candidates(page, extremes=2) if is_page_number(page.lines[i].text)]
    keys = {key for key, n in counts.items() if n >= max(3, int(RECUR * len(pages)))}
    fixed_keys = {key for key, n in fixed.items() if n >= max(3, RECUR_FIXED * len(pages))}
    flags = [{i for i in _candidates(page) if running_line_key(page.lines[i].text) in keys or _fixed_key(page.lines[i]) in fixed_keys}
             for page in pages]
    offsets = Counter(offset for _, _, offset in numbers)
    for p, i, offset in numbers:
        if offsets[offset] >= 3:
            flags[p].add(i)
    return flags


def is_page_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-–—\s]*(第\s*)?\d{1,4}\s*(页|/\s*\d+)?[-–—\s]*|(page|p\.)\s*\d+(\s*of\s*\d+)?",
                             text, re.IGNORECASE))


def _in_band(line: Line, height: float) -> bool:
    return line.bottom >= (1 - BAND) * height or line.top <= BAND * height


def _candidates(page: PageLines, extremes: int = 1) -> set[int]:
    indices = range(len(page.lines))
    lowest = sorted(indices, key=lambda i: page.lines[i].bottom)[:extremes]
    highest = sorted(indices, key=lambda i: -page.lines[i].top)[:extremes]
    return {i for i in indices if _in_band(page.lines[i], page.height)} | set(lowest) | set(highest)


def _fixed_key(line: Line) -> tuple[str, int]:
    return running_line_key(line.text), round(line.bottom / 3)
