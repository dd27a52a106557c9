"""Folders of report files -> an up-to-date index: only new or changed files are embedded.

Files no longer on disk are removed; a different model or chunker is refused (never a silent mix
of vectors) unless a rebuild is asked for. Each report's vectors are cached as soon as they are
computed, so a run that is interrupted resumes where it stopped.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import CHUNKER_VERSION, chunk_report
from .embeddings import Embedder, default_backend
from .index import DocumentRecord, IndexUnavailable, ReportIndex, current_generation, write_lock
from .keyword import tokenize
from .loaders import LoadError, file_id, load_document
from .schema import Chunk
from .settings import Settings
from .structure import parse_report

Progress = Callable[[str, int, int], None]   # (file name, files done, files total)


@dataclass
class IndexSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (file, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (file, what was indexed only in part)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def indexed_anything(self) -> bool:
        return bool(self.added or self.updated or self.unchanged)

    def lines(self) -> list[str]:
        out = [f"skipped {name}: {reason}" for name, reason in self.skipped]
        out += [f"warning {name}: {warning}" for name, warning in self.warnings]
        out.append(f"documents: {len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                   f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped; "
                   f"{self.chunks} chunks; {self.seconds:.1f} s")
        return out


def find_report_files(paths: list[Path], names_from: Path | None = None) -> list[tuple[Path, str]]:
    """(file, name) pairs: a folder's files named by their path inside it, README files left out; a file
    given by itself is named by its path inside `names_from` when it lies there (uploads into the corpus
    get the name a full re-index of the corpus would give them), else by its base name."""
    found = []
    for root in paths:
        root = Path(root)
        if root.is_file():
            inside = names_from is not None and root.resolve().is_relative_to(names_from.resolve())
            found.append((root, root.resolve().relative_to(names_from.resolve()).as_posix() if inside else root.name))
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts) or path.name.upper().startswith("README"):
                continue
            found.append((path, relative.as_posix()))
    return found


def index_paths(paths: list[Path], settings: Settings, embedder: Embedder | None = None, rebuild: bool = False,
                remove_missing: bool = True, progress: Progress | None = None,
                names_from: Path | None = None) -> IndexSummary:
    started = time.perf_counter()
    summary = IndexSummary()
    folder = settings.index_dir
    embedder = embedder or Embedder(settings.model, backend=default_backend(
        settings.model, None if rebuild else ReportIndex.recorded_embedding(folder)))
    with write_lock(folder):
        index = _open_index(folder, embedder, rebuild)
        files = find_report_files(paths, names_from)
        for root in paths:
            if not Path(root).exists():
                summary.skipped.append((str(root), "no such file or folder"))
        sources = {name: str(path.resolve()) for path, name in files}
        for done, (path, name) in enumerate(files):
            if progress:
                progress(name, done, len(files))
            _index_file(index, path, name, embedder, settings, folder, summary)
        if progress:
            progress("", len(files), len(files))
        if remove_missing:
            summary.removed = _remove_deleted_files(index, sources)
        index.manifest["sources"] = {n: s for n, s in {**index.manifest.get("sources", {}), **sources}.items()
                                     if n in index.records}
        if summary.added or summary.updated or summary.removed or index.has_unsaved_changes() \
                or current_generation(folder) is None:
            index.save(folder)
        _drop_embedding_cache(_cache_dir(folder, index))
    summary.chunks = index.chunk_count()
    summary.seconds = time.perf_counter() - started
    return summary


def _remove_deleted_files(index: ReportIndex, found: dict[str, str]) -> list[str]:
    """Reports whose file is gone from disk leave the index (found: this run's names -> paths)."""
    removed = []
    for name, source in list(index.manifest.get("sources", {}).items()):
        if name in index.records and name not in found and not Path(source).exists():
            index.remove(name)
            removed.append(name)
    return removed


def remove_report(settings: Settings, name: str) -> str | None:
    """Drop one report from the index (FAISS, BM25 and chunk store); returns the file it came from."""
    with write_lock(settings.index_dir):
        index = ReportIndex.load(settings.index_dir)
        if name not in index.records:
            raise IndexUnavailable(f"no report named {name!r} in {settings.index_dir}")
        index.remove(name)
        source = index.manifest.get("sources", {}).pop(name, None)
        index.save(settings.index_dir)
    return source


def outdated_chunking(folder: Path) -> tuple[str, list[Path]]:
    """Why the index in `folder` needs rebuilding before anything joins it (an older version of the pipeline
    chunked it), with the report files it was built from; ("", []) when it is current or absent."""
    manifest = ReportIndex.recorded_manifest(folder)
    if not manifest or manifest.get("chunker") == CHUNKER_VERSION:
        return "", []
    return (f"the index in {folder} was chunked by {manifest.get('chunker')!r}; this version chunks by "
            f"{CHUNKER_VERSION!r}"), [Path(source) for source in manifest.get("sources", {}).values()]


def _open_index(folder: Path, embedder: Embedder, rebuild: bool) -> ReportIndex:
    if not rebuild and current_generation(folder) is not None:
        index = ReportIndex.load(folder)
        built = (*index.embedding, index.manifest["chunker"])
        wanted = (*embedder.embedding, CHUNKER_VERSION)
        if built != wanted:
            raise IndexUnavailable(
                f"the index in {folder} was built with model {built[0]!r} on {built[1]!r} and chunker {built[2]!r}; "
                f"this run uses {wanted[0]!r} on {wanted[1]!r} and {wanted[2]!r}. Mixing them would give wrong "
                f"results; rebuild with: python -m rag index --rebuild --index {folder}")
        return index
    return ReportIndex.empty(*embedder.embedding, embedder.dimension, CHUNKER_VERSION)


def _index_file(index: ReportIndex, path: Path, name: str, embedder: Embedder, settings: Settings,
                folder: Path, summary: IndexSummary) -> None:
    try:
        existing = index.records.get(name)
        if existing and existing.document.doc_id == file_id(path):
            summary.unchanged.append(name)
            return
        document = load_document(path, name)
    except LoadError as err:
        summary.skipped.append((name, str(err)))
        return
    except OSError as err:
        summary.skipped.append((name, f"cannot read file: {err.strerror or err}"))
        return
    if document.textless_pages:
        summary.warnings.append((name, textless_warning(document.textless_pages)))
    structure = parse_report(document)
    chunks = chunk_report(document, structure, index.manifest["next_chunk_id"], settings.chunking)
    index.allocate_ids(len(chunks))
    vectors = _cached_embeddings(folder, index, document.doc_id, chunks, embedder)
    record = DocumentRecord(document, structure.title, structure.sections, structure.figures, chunks,
                            [tokenize(c.text) for c in chunks], structure.date)
    (summary.updated if existing else summary.added).append(name)
    index.upsert(record, vectors)


def textless_warning(pages: list[int]) -> str:
    return f"no text layer (scanned image?) on page {page_ranges(pages)}; not searchable there"


def page_ranges(pages: list[int]) -> str:
    """[1, 2, 3, 7, 9, 10] -> '1-3, 7, 9-10'"""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def passage_text(chunk: Chunk) -> str:
    """What is embedded: the chunk with its report title and section, which it often lacks."""
    context = " > ".join([chunk.title] + chunk.section_path[-2:])
    return f"{context}\n{chunk.text}"


def _cached_embeddings(folder: Path, index: ReportIndex, doc_id: str, chunks: list[Chunk],
                       embedder: Embedder) -> np.ndarray:
    cache = _cache_dir(folder, index) / f"{doc_id}.npy"
    if cache.is_file():
        vectors = np.load(cache)
        if vectors.shape == (len(chunks), index.manifest["dimension"]):
            return vectors
    vectors = embedder.embed_passages([passage_text(c) for c in chunks], show_progress=len(chunks) > 64)
    cache.parent.mkdir(parents=True, exist_ok=True)
    temporary = cache.with_suffix(".tmp.npy")
    np.save(temporary, vectors)
    os.replace(temporary, cache)
    return vectors


def _cache_dir(folder: Path, index: ReportIndex) -> Path:
    key = hashlib.sha1("|".join([*index.embedding, index.manifest["chunker"]]).encode()).hexdigest()[:12]
    return folder / "embedding-cache" / key


def _drop_embedding_cache(cache: Path) -> None:
    """Once a run is saved its vectors live in the index; the cache only serves interrupted runs."""
    shutil.rmtree(cache, ignore_errors=True)
    with contextlib.suppress(OSError):
        cache.parent.rmdir()   # only when no other model's cache is left


def print_progress(name: str, done: int, total: int) -> None:
    """A one-line terminal progress bar on stderr."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:50]:<50}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
