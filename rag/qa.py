"""The whole question path on one object: index + embedder + retriever + answer extractor."""
from __future__ import annotations

import time

from .answer import AnswerExtractor, abstention_message
from .embeddings import Embedder
from .index import IndexUnavailable, ReportIndex
from .onnx_backend import backend_of_tag
from .pinyin_names import PinyinNames
from .rerank import SentenceReranker
from .retrieval import Retriever
from .schema import Answer
from .settings import Settings


class QuestionError(ValueError):
    """A question that cannot be asked as given; the message says why."""


class ReportQA:
    def __init__(self, index: ReportIndex, embedder: Embedder, settings: Settings):
        if embedder.embedding != index.embedding:
            raise IndexUnavailable(f"the index was built with {index.embedding}, this run embeds with {embedder.embedding}; "
                                   f"rebuild it with: python -m rag index --rebuild --index {settings.index_dir}")
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.retriever = Retriever(index, settings.retrieval)
        self.reranker = SentenceReranker(index, settings.rerank)
        self.extractor = AnswerExtractor(index, settings.answer)
        self._pinyin_names: PinyinNames | None = None

    @property
    def pinyin_names(self) -> PinyinNames:
        """The Chinese names an English question's pinyin names stand for ("Yaoshi": 曜石), memoised per name."""
        if self._pinyin_names is None:
            self._pinyin_names = PinyinNames(self.index.bm25.vocabulary,
                                             [r.document.text for r in self.index.records.values()],
                                             self.embedder.knows_word)
        return self._pinyin_names

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> "ReportQA":
        """Load the index in settings.index_dir with the model it was built with."""
        index = ReportIndex.load(settings.index_dir)
        if embedder is None or embedder.embedding != index.embedding:
            model, tag = index.embedding
            embedder = Embedder(model, backend=backend_of_tag(tag))
        return cls(index, embedder, settings)

    def warm_up(self) -> "ReportQA":
        """Load the model and build what the first question would otherwise wait for (BM25, the row
        maps, the report names, jieba's part-of-speech tables): seconds at tens of thousands of chunks."""
        self.embedder.embed_query("warm up")
        self.reranker.warm_up()
        _ = self.index.bm25, self.index.row_of_id, self.index.names, self.index.rows_of([]), \
            self.pinyin_names   # built on first use
        return self

    def ask(self, question: str, docs: list[str] | None = None, top_k: int | None = None) -> Answer:
        question = check_question(question, self.settings.max_question_chars)
        self._check_docs(docs)
        clock = _Clock()
        searched = self.pinyin_names.searched_question(question)   # "Yaoshi Storage": "曜石 storage"
        query_vector = self.embedder.embed_query(searched)
        clock.lap("embed_ms")
        top_k = top_k or self.settings.retrieval.top_k
        candidates = self.retriever.search(searched, query_vector, docs, max(top_k, self.settings.rerank.candidates))
        clock.lap("retrieve_ms")
        passages, ranked = self.reranker.rerank(searched, candidates, query_vector, self.embedder.embed_passages, top_k,
                                                self.extractor.is_answered)
        clock.lap("rerank_ms")
        answerable = bool(ranked) and self.extractor.is_answered(ranked[0])
        sentences, citations = self.extractor.cite(self.extractor.select(ranked)) if answerable else ([], [])
        clock.lap("answer_ms")
        message = "" if answerable else abstention_message(question)
        return Answer(question, answerable, sentences, citations, passages, clock.laps(), message,
                      searched if searched != question else "")

    def document_text(self, name: str) -> str:
        """The stored text that every offset of report `name` refers to."""
        return self.index.records[name].document.text

    def _check_docs(self, docs: list[str] | None) -> None:
        unknown = [d for d in docs or [] if d not in self.index.records]
        if unknown:
            raise QuestionError(f"not in the index: {', '.join(unknown)}; indexed reports: "
                                f"{', '.join(sorted(self.index.records)) or '(none)'}")


def check_question(question: str | None, limit: int) -> str:
    """The question stripped, or a QuestionError saying plainly what is wrong with it."""
    question = (question or "").strip()
    if not question:
        raise QuestionError("The question is empty; type a question about the reports.")
    if len(question) > limit:
        raise QuestionError(f"The question has {len(question):,} characters; the limit is {limit:,}. "
                            f"Ask about one point at a time.")
    return question


class _Clock:
    def __init__(self):
        self.started = self.last = time.perf_counter()
        self._laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self._laps[name] = (now - self.last) * 1000
        self.last = now

    def laps(self) -> dict[str, float]:
        return {**self._laps, "total_ms": (self.last - self.started) * 1000}
