"""The naive pipeline we measure ourselves against, run on the same text and the same model.

Fixed 500-character chunks with 50 overlap (no structure), multilingual-e5-small + BM25 fused by
plain reciprocal rank fusion, and as its answer the top passage's sentence sharing most question
terms (it never abstains).
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import faiss
import numpy as np

from rag.embeddings import Embedder
from rag.indexing import find_report_files
from rag.keyword import BM25, tokenize
from rag.loaders import LoadError, load_document
from rag.retrieval import reciprocal_rank_fusion
from rag.schema import Answer, AnswerSentence, Chunk, Citation, Passage
from rag.sentences import sentence_spans

CHUNK_CHARS, OVERLAP = 500, 50


class NaivePipeline:
    def __init__(self, docs_dir: Path, embedder: Embedder, cache_dir: Path):
        self.texts: dict[str, str] = {}
        self.pages: dict[str, object] = {}
        self.chunks: list[Chunk] = []
        for path, name in find_report_files([docs_dir]):
            try:
                document = load_document(path, name)
            except LoadError:
                continue
            self.texts[name] = document.text
            self.pages[name] = document
            for start in range(0, len(document.text), CHUNK_CHARS - OVERLAP):
                end = min(start + CHUNK_CHARS, len(document.text))
                self.chunks.append(Chunk(len(self.chunks), document.doc_id, name, "", [], [],
                                         document.pages_between(start, end), start, end, document.text[start:end]))
        self.embedder = embedder
        started = time.perf_counter()
        vectors = self._vectors(cache_dir)
        self.index_seconds = time.perf_counter() - started
        self.vectors = faiss.IndexFlatIP(vectors.shape[1])
        self.vectors.add(vectors)
        self.bm25 = BM25.build([tokenize(c.text) for c in self.chunks])

    def _vectors(self, cache_dir: Path) -> np.ndarray:
        key = hashlib.sha1("".join([*self.embedder.embedding,
                                    *(f"{c.doc_name}:{c.start}:{c.text}" for c in self.chunks)]).encode()).hexdigest()[:16]
        cache = cache_dir / f"baseline-{key}.npy"
        if cache.is_file():
            return np.load(cache)
        vectors = self.embedder.embed_passages([c.text for c in self.chunks], show_progress=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
        return vectors

    def document_text(self, name: str) -> str:
        return self.texts[name]

    def ask(self, question: str, top_k: int = 10) -> Answer:
        started = time.perf_counter()
        query = self.embedder.embed_query(question).reshape(1, -1)
        _, dense = self.vectors.search(query, 50)
        tokens = tokenize(question)
        scores = self.bm25.scores(tokens)
        keyword = [int(i) for i in np.argsort(-scores)[:50] if scores[i] > 0]
        fused = reciprocal_rank_fusion([[int(i) for i in dense[0] if i >= 0], keyword], [1.0, 1.0], 60)
        ranked = sorted(fused, key=lambda i: -fused[i])[:top_k]
        passages = [Passage(rank, fused[i], self.chunks[i]) for rank, i in enumerate(ranked, start=1)]
        sentences, citations = [], []
        if passages:
            top = passages[0].chunk
            text = self.texts[top.doc_name]
            asked = set(tokens)
            start, end = max(sentence_spans(text, top.start, top.end) or [(top.start, top.end)],
                             key=lambda span: len(asked & set(tokenize(text[span[0]:span[1]]))))
            quote = text[start:end]
            page = self.pages[top.doc_name].page_at(start)
            citations = [Citation(1, top.doc_name, "", "", "", "", page, start, end, quote)]
            sentences = [AnswerSentence(quote, 1)]
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(question, bool(sentences), sentences, citations, passages, {"total_ms": elapsed})
