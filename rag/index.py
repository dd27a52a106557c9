"""The index facade: FAISS vectors with stable ids, the chunk store, BM25, and a manifest.

On disk an index folder holds generations (`gen-000007/`) and a `CURRENT` file naming the
valid one. A save writes a whole new generation, then switches `CURRENT` with an atomic
rename, so a run killed at any point leaves the previous generation in use.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from .e5_convert import exclusive_lock
from .keyword import BM25, TOKENIZER_VERSION, tokenize
from .naming import ReportNames
from .schema import Chunk, Document, Figure, PageSpan, Section
from .sentences import sentence_spans
from .structure import statement_pages, table_header
from .textnorm import is_chinese

INDEX_FORMAT = 1
CURRENT = "CURRENT"


class IndexUnavailable(Exception):
    """An index that is missing, unreadable or built differently from what is asked."""


@dataclass
class DocumentRecord:
    """Everything the index keeps about one report."""
    document: Document
    title: str
    sections: list[Section]
    figures: list[Figure]
    chunks: list[Chunk]
    tokens: list[list[str]]        # BM25 tokens per chunk, kept so re-indexing others is cheap
    date: str = ""                 # the report's own date, YYYY-MM-DD (absent from indexes made before it was read)
    indexed_at: float = field(default_factory=time.time)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "DocumentRecord":
        doc = data["document"]
        document = Document(doc["doc_id"], doc["name"], doc["text"], [PageSpan(**p) for p in doc["pages"]],
                            [tuple(f) for f in doc["furniture"]], doc["title_hint"], doc.get("textless_pages", []),
                            [tuple(span) for span in doc.get("large_type", [])])
        return cls(document, data["title"], [Section(**s) for s in data["sections"]], [Figure(**f) for f in data["figures"]],
                   [Chunk(**c) for c in data["chunks"]], data["tokens"], data.get("date", ""), data["indexed_at"])


class ReportIndex:
    def __init__(self, manifest: dict, records: dict[str, DocumentRecord], vectors: faiss.Index):
        self.manifest = manifest
        self.records = records
        self.vectors = vectors
        self._bm25: BM25 | None = None
        self._names: ReportNames | None = None
        self._rows: list[Chunk] | None = None
        self._row_of_id: dict[int, int] | None = None
        self._row_reports: tuple[dict[str, int], np.ndarray] | None = None   # report -> ordinal; row -> ordinal
        self._statement_rows: dict[str, np.ndarray] | None = None   # financial statement -> rows inside it
        self._chinese_rows: np.ndarray | None = None
        self._changed: set[str] = set()   # records upserted since loading: written anew on save
        self._sentences: dict[int, list[tuple[int, int, frozenset[str]]]] = {}
        self.generation = ""   # the generation folder it was loaded from or saved to

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def empty(cls, model: str, backend: str, dimension: int, chunker: str) -> "ReportIndex":
        manifest = {"format": INDEX_FORMAT, "model": model, "backend": backend, "dimension": dimension, "chunker": chunker,
                    "tokenizer": TOKENIZER_VERSION, "versions": _versions(), "next_chunk_id": 0, "documents": {}}
        return cls(manifest, {}, faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def load(cls, folder: Path) -> "ReportIndex":
        generation = current_generation(folder)
        if generation is None:
            raise IndexUnavailable(f"no index in {folder}; build one with: python -m rag index [PATH ...] --index {folder}")
        try:
            manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
            vectors = faiss.read_index(str(generation / "vectors.faiss"))
            records = {}
            for name, entry in manifest["documents"].items():
                data = json.loads((generation / entry["file"]).read_text(encoding="utf-8"))
                records[name] = DocumentRecord.from_json(data)
        except (OSError, ValueError, KeyError, RuntimeError) as err:
            raise IndexUnavailable(f"index in {folder} is unreadable ({err}); rebuild it with: "
                              f"python -m rag index --rebuild --index {folder}") from err
        if manifest.get("format") != INDEX_FORMAT:
            raise IndexUnavailable(f"index in {folder} has format {manifest.get('format')}, expected {INDEX_FORMAT}; "
                              f"rebuild it with: python -m rag index --rebuild --index {folder}")
        index = cls(manifest, records, vectors)
        index.generation = generation.name
        if manifest.get("tokenizer") != TOKENIZER_VERSION:
            index.retokenize()
        return index

    @staticmethod
    def recorded_manifest(folder: Path) -> dict | None:
        """The manifest of the index in `folder` alone (no vectors or texts read); None when there is none."""
        generation = current_generation(folder)
        if generation is None:
            return None
        try:
            return json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None   # unreadable: loading it says why

    @staticmethod
    def recorded_embedding(folder: Path) -> tuple[str, str] | None:
        """(model, backend tag) of the index in `folder` from its manifest alone; None when there is none."""
        manifest = ReportIndex.recorded_manifest(folder)
        try:
            return _embedding_of(manifest) if manifest else None
        except KeyError:
            return None   # unreadable: loading it says why

    def has_unsaved_changes(self) -> bool:
        return bool(self._changed)

    def retokenize(self) -> None:
        """Search terms of every chunk derived anew (the tokenizer changed; the vectors did not)."""
        for name, record in self.records.items():
            record.tokens = [tokenize(c.text) for c in record.chunks]
            self._changed.add(name)
        self.manifest["tokenizer"] = TOKENIZER_VERSION
        self._invalidate()

    # --- changes ------------------------------------------------------------------------------
    def allocate_ids(self, count: int) -> None:
        """Chunk ids are never reused, so a stale id can never point at another report's text."""
        self.manifest["next_chunk_id"] += count

    def upsert(self, record: DocumentRecord, vectors: np.ndarray) -> None:
        name = record.document.name
        if name in self.records:
            self.remove(name)
        ids = np.array([c.chunk_id for c in record.chunks], dtype=np.int64)
        if len(ids):
            self.vectors.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self.records[name] = record
        self._changed.add(name)
        self._invalidate()

    def remove(self, name: str) -> None:
        record = self.records.pop(name)
        ids = np.array([c.chunk_id for c in record.chunks], dtype=np.int64)
        if len(ids):
            self.vectors.remove_ids(ids)
        self._invalidate()

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        previous = current_generation(folder)
        generation = folder / _next_generation_name(folder)
        (generation / "docs").mkdir(parents=True)
        documents = {}
        for name, record in self.records.items():
            file = f"docs/{hashlib.sha1(name.encode('utf-8')).hexdigest()[:16]}-{record.document.doc_id}.json"
            documents[name] = {"doc_id": record.document.doc_id, "file": file, "title": record.title,
                               "chunks": len(record.chunks), "pages": record.document.page_count,
                               "indexed_at": record.indexed_at}
            if name in self._changed or not (previous and _link(previous / file, generation / file)):
                _write_json(generation / file, record.to_json())
        faiss.write_index(self.vectors, str(generation / "vectors.faiss"))
        self.manifest.update(documents=documents, versions=_versions(), saved_at=time.time())
        _write_json(generation / "manifest.json", self.manifest)
        _fsync_dir(generation)
        _atomic_write(folder / CURRENT, generation.name)
        _prune_generations(folder, keep={generation.name, previous.name if previous else ""})
        self._changed.clear()
        self.generation = generation.name
        return generation

    # --- reading ------------------------------------------------------------------------------
    @property
    def embedding(self) -> tuple[str, str]:
        """(model, backend tag) the vectors came from."""
        return _embedding_of(self.manifest)

    @property
    def chunk_rows(self) -> list[Chunk]:
        """All chunks in a fixed order: row i of the BM25 matrix is chunk_rows[i]."""
        if self._rows is None:
            self._rows = [c for r in self.records.values() for c in r.chunks]
        return self._rows

    @property
    def row_of_id(self) -> dict[int, int]:
        """Chunk id -> its row in chunk_rows (FAISS answers with ids, BM25 with rows)."""
        if self._row_of_id is None:
            self._row_of_id = {c.chunk_id: i for i, c in enumerate(self.chunk_rows)}
        return self._row_of_id

    def rows_of(self, names: list[str]) -> np.ndarray:
        """A mask over chunk_rows of the chunks of the reports named (one vector operation per question)."""
        if self._row_reports is None:
            ordinal = {name: i for i, name in enumerate(self.records)}
            self._row_reports = ordinal, np.fromiter((ordinal[c.doc_name] for c in self.chunk_rows), np.int32,
                                                     len(self.chunk_rows))
        ordinal, row_reports = self._row_reports
        return np.isin(row_reports, [ordinal[name] for name in names if name in ordinal])

    @property
    def chinese_rows(self) -> np.ndarray:
        """A mask over chunk_rows of the chunks written in Chinese."""
        if self._chinese_rows is None:
            self._chinese_rows = np.fromiter((is_chinese(c.text) for c in self.chunk_rows), bool, len(self.chunk_rows))
        return self._chinese_rows

    def statement_rows(self, statements: set[str]) -> np.ndarray:
        """A mask over chunk_rows of the chunks on the pages of the financial statements named ("cash flows").
        Built on the first question naming one: it reads every report's lines once."""
        if self._statement_rows is None:
            pages_of = {name: statement_pages(record.document) for name, record in self.records.items()}
            self._statement_rows = {}
            for row, chunk in enumerate(self.chunk_rows):
                for statement, pages in pages_of[chunk.doc_name].items():
                    if pages.intersection(chunk.pages):
                        self._statement_rows.setdefault(statement, np.zeros(len(self.chunk_rows), bool))[row] = True
        mask = np.zeros(len(self.chunk_rows), bool)
        for statement in statements & self._statement_rows.keys():
            mask |= self._statement_rows[statement]
        return mask

    @property
    def bm25(self) -> BM25:
        if self._bm25 is None:
            self._bm25 = BM25.build([t for r in self.records.values() for t in r.tokens])
        return self._bm25

    @property
    def names(self) -> ReportNames:
        if self._names is None:
            self._names = ReportNames({name: Counter(t for tokens in r.tokens for t in tokens)
                                       for name, r in self.records.items()})
        return self._names

    def sentences(self, chunk: Chunk) -> list[tuple[int, int, frozenset[str]]]:
        """(start, end, search terms) of each sentence of a chunk, memoised: answering reads them often. A table
        row's terms include its column labels and its table's caption, what its cells are ("| Aurelion Energy |
        … | 12.8 |" under "2026E P/E (x)"; "| Stationary energy storage | … | 420 |" in "Figure 1: … battery
        demand by segment")."""
        table = self._sentences.get(chunk.chunk_id)
        if table is None:
            record = self.records[chunk.doc_name]
            text = record.document.text
            table = [(s, e, frozenset(tokenize(text[s:e])) | _row_labels(record, s))
                     for s, e in sentence_spans(text, chunk.start, chunk.end)]
            self._sentences[chunk.chunk_id] = table
        return table

    def chunk_count(self) -> int:
        return len(self.chunk_rows)

    def _invalidate(self) -> None:
        self._bm25 = None
        self._names = None
        self._rows = None
        self._row_of_id = None
        self._row_reports = None
        self._statement_rows = None
        self._chinese_rows = None
        self._sentences.clear()


def _embedding_of(manifest: dict) -> tuple[str, str]:
    """(model, backend tag) a manifest records; indexes written before backends existed used torch."""
    return manifest["model"], manifest.get("backend", "torch")


def _row_labels(record: DocumentRecord, start: int) -> frozenset[str]:
    header = table_header(record.document.text, start)
    if not header:
        return frozenset()
    caption = next((f.caption for f in record.figures if f.start <= start < f.end), "")
    return frozenset(tokenize(f"{header} {caption}"))


def section_at(record: DocumentRecord, offset: int) -> list[str]:
    """The path of the innermost section holding `offset`."""
    inner = [s for s in record.sections if s.start <= offset < s.end]
    return max(inner, key=lambda s: s.level).path if inner else []


def write_lock(folder: Path):
    """One writer per index folder across processes (the CLI and the app may both index)."""
    folder.mkdir(parents=True, exist_ok=True)
    return exclusive_lock(folder / "write.lock")


def current_generation(folder: Path) -> Path | None:
    pointer = folder / CURRENT
    if not pointer.is_file():
        return None
    generation = folder / pointer.read_text(encoding="utf-8").strip()
    return generation if (generation / "manifest.json").is_file() else None


def _versions() -> dict:
    import sentence_transformers

    return {"faiss": faiss.__version__, "sentence_transformers": sentence_transformers.__version__}


def _next_generation_name(folder: Path) -> str:
    numbers = [int(p.name[4:]) for p in folder.glob("gen-*") if p.name[4:].isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _link(source: Path, target: Path) -> bool:
    """Reuse an unchanged document file from the previous generation (hard link, else copy)."""
    if not source.is_file():
        return False
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return True


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _prune_generations(folder: Path, keep: set[str]) -> None:
    """The previous generation stays: another process may be reading it right now."""
    for generation in folder.glob("gen-*"):
        if generation.name not in keep:
            shutil.rmtree(generation, ignore_errors=True)
