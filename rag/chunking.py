"""Report structure -> chunks: section-aware, sentence-aware, bounded, with a small overlap.

A chunk never spans two top-level sections, never mixes boilerplate with body text, starts at a
heading when it can, and keeps a figure's caption, table rows and source line together.
"""
from __future__ import annotations

from dataclasses import dataclass

from .schema import Block, Chunk, Document, ReportStructure
from .sentences import sentence_spans
from .structure import figure_mentions
from .textnorm import running_line_key

# Recorded in the manifest; bumped whenever extraction or chunking changes what an index stores
# (v2: PDF lines read with their geometry, running headers/footers found by position).
CHUNKER_VERSION = "sections-v12"   # v12: a wrapped line opening with a decimal ("3.5%") goes on its paragraph


_RUNNING_HEADER = -2   # the running header's own "top-level section": never chunked with the text before it


@dataclass(frozen=True)
class ChunkingSettings:
    target_chars: int = 400    # close a chunk once it reaches this size
    max_chars: int = 700       # a single unit longer than this is cut at sentence ends
    min_chars: int = 120       # a heading starts a new chunk only if the current one has this much
    overlap_chars: int = 120   # the last sentence is repeated in the next chunk if it is this short


@dataclass
class _Unit:
    start: int
    end: int
    top: int       # index of the top-level section, -1 before the first heading
    kind: str      # "body" or "boilerplate"
    heading: bool
    section: int


def chunk_report(doc: Document, structure: ReportStructure, first_id: int,
                 settings: ChunkingSettings = ChunkingSettings()) -> list[Chunk]:
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in _units(doc, structure, settings):
        if current and _must_break(current, unit, settings):
            groups.append(current)
            current = _overlap(current, unit, settings)
        current.append(unit)
    if current:
        groups.append(current)
    return [_make_chunk(doc, structure, group, first_id + i) for i, group in enumerate(groups)]


def _must_break(current: list[_Unit], unit: _Unit, settings: ChunkingSettings) -> bool:
    size = current[-1].end - current[0].start
    if unit.top != current[-1].top or unit.kind != current[-1].kind:
        return True
    if unit.heading and size >= settings.min_chars:
        return True
    return size >= settings.target_chars or unit.end - current[0].start > settings.max_chars


def _overlap(previous: list[_Unit], unit: _Unit, settings: ChunkingSettings) -> list[_Unit]:
    """Carry the previous chunk's last sentence over when it is short and in the same section."""
    last = previous[-1]
    if (unit.heading or last.heading or last.top != unit.top or last.kind != unit.kind
            or last.end - last.start > settings.overlap_chars or len(previous) < 2):
        return []
    return [last]


def _units(doc: Document, structure: ReportStructure, settings: ChunkingSettings) -> list[_Unit]:
    """Blocks as chunkable units: long paragraphs cut into sentences, figures kept whole."""
    top_of = _top_sections(structure)
    units: list[_Unit] = []
    for block in _merge_figures(structure):
        if block.kind == "furniture":
            continue
        top = top_of[block.section] if block.section >= 0 else -1
        kind = "boilerplate" if block.kind == "boilerplate" else "body"
        spans = [(block.start, block.end)]
        if block.end - block.start > settings.max_chars:
            spans = _bounded_sentence_runs(doc.text, block.start, block.end, settings.target_chars)
        for start, end in spans:
            units.append(_Unit(start, end, top, kind, block.kind == "heading", block.section))
    header = _running_header(doc, structure, settings)
    return units + ([_Unit(*header, _RUNNING_HEADER, "boilerplate", False, -1)] if header else [])


def _running_header(doc: Document, structure: ReportStructure, settings: ChunkingSettings) -> tuple[int, int] | None:
    """The span of the first page's running header and footer lines ("全球经济金融展望报告 中国银行研究院 1
    2024 年"): who issued the report, searchable once rather than once a page."""
    lines = [b for b in structure.blocks if b.kind == "furniture" and b.section == -1]
    if not lines:
        return None
    first_key = running_line_key(doc.text[lines[0].start:lines[0].end])
    end = lines[0].end
    for line in lines[1:]:
        if running_line_key(doc.text[line.start:line.end]) == first_key or line.end - lines[0].start > settings.max_chars:
            break
        end = line.end
    return lines[0].start, end


def _merge_figures(structure: ReportStructure) -> list[Block]:
    """Fold each figure's caption .. source line into one block, so it is never split."""
    merged: list[Block] = []
    spans = {(f.start): f.end for f in structure.figures if f.source}
    end_of_figure = -1
    for block in structure.blocks:
        if block.start < end_of_figure:
            continue
        if block.kind == "caption" and block.start in spans:
            end_of_figure = spans[block.start]
            merged.append(Block(block.start, end_of_figure, "caption", block.section))
        else:
            merged.append(block)
    return merged


def _bounded_sentence_runs(text: str, start: int, end: int, target: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, start, end):
        if runs and e - runs[-1][0] <= target:
            runs[-1] = (runs[-1][0], e)
        else:
            runs.extend(_hard_cut(s, e, 2 * target))
    return runs


def _hard_cut(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """A 'sentence' with no punctuation for thousands of characters (tables, lists) is cut by size."""
    return [(s, min(s + size, end)) for s in range(start, end, size)]


def _top_sections(structure: ReportStructure) -> list[int]:
    tops = []
    for i, section in enumerate(structure.sections):
        tops.append(i if section.level == 1 or not tops else _ancestor(structure, i, tops))
    return tops


def _ancestor(structure: ReportStructure, index: int, tops: list[int]) -> int:
    for j in range(index - 1, -1, -1):
        if structure.sections[j].level < structure.sections[index].level:
            return tops[j]
    return index


def _make_chunk(doc: Document, structure: ReportStructure, group: list[_Unit], chunk_id: int) -> Chunk:
    start, end = group[0].start, group[-1].end
    section = next((u.section for u in group if not u.heading), group[0].section)
    path = structure.sections[section].path if section >= 0 else []
    text = doc.text[start:end]
    figures = [f.label for f in structure.figures if f.start < end and start < f.end]
    figures = list(dict.fromkeys(figures + figure_mentions(text)))
    return Chunk(chunk_id=chunk_id, doc_id=doc.doc_id, doc_name=doc.name, title=structure.title,
                 section_path=list(path), figures=figures, pages=doc.pages_between(start, end),
                 start=start, end=end, text=text, kind=group[0].kind)
