"""Retrieved passages -> an extractive answer: 1-3 sentences quoted verbatim, each cited.

Sentences, not chunks, are scored: how much of the question's key terms (IDF-weighted) they hold,
counting at a discount the terms found in their section path, report title or previous sentence;
whether they carry what the question asks for (a number, a date) and the numbers and years it
names. When the question and the passage are in different languages, shared terms are rare, so
the dense similarity of question and sentence stands in for them. When no sentence holds the
question's key constraints the answer says so, instead of quoting something merely on topic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .index import DocumentRecord, ReportIndex, section_at
from .keyword import tokenize
from .schema import AnswerSentence, Chunk, Citation, Passage
from .sentences import sentence_spans
from .settings import AnswerSettings
from .structure import figure_mentions
from .textnorm import fold

_ASKS_NUMBER = re.compile(r"多少|几[个家年月天次倍%]|几成|多大|多高|多长|多久|比例|占比|百分之|增速|增长率|规模|金额|价格|"
                          r"how (many|much|large|big|long)|what (percentage|share|proportion|amount|price)|\bpercent",
                          re.IGNORECASE)
_ASKS_DATE = re.compile(r"哪天|哪一天|何时|什么时候|哪年|哪一年|几月|几号|日期|什么时间|\bwhen\b|what date|which (year|month|day)",
                        re.IGNORECASE)
_HAS_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+(个|家|倍|年|亿|万|%|成)")
_HAS_DATE = re.compile(r"\d{1,4}\s*(年|月|日|号)|[一二三四]季度|\b(19|20)\d\d\b|\b(Q[1-4]|H[12])\b|"
                       r"January|February|March|April|May|June|July|August|September|October|November|December",
                       re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SOURCE_LINE = re.compile(r"^(资料来源|数据来源|来源|Source|Sources)\s*[:：]", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")

SentenceEmbedder = Callable[[list[str]], np.ndarray]


@dataclass
class ScoredSentence:
    chunk: Chunk
    start: int
    end: int
    score: float
    coverage: float        # key-term weight held (terms in context at a discount), or dense similarity
    satisfies: bool        # holds the asked type (number/date) and the numbers the question names
    cross_lingual: bool


@dataclass
class _Question:
    weights: dict[str, float]
    numbers: set[str]
    figures: set[str]
    wants_number: bool
    wants_date: bool
    is_chinese: bool


def abstention_message(question: str) -> str:
    if _CJK.search(question):
        return "报告中没有找到能回答这个问题的内容。"
    return "The reports do not answer this question."


def is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) >= 0.2 * max(len(re.sub(r"\s", "", text)), 1)


class AnswerExtractor:
    def __init__(self, index: ReportIndex, settings: AnswerSettings):
        self.index = index
        self.settings = settings

    def best_sentences(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None,
                       embed: SentenceEmbedder | None = None) -> list[ScoredSentence]:
        """Candidate sentences from the top passages, best first."""
        asked = self._analyse(question)
        if not asked.weights:
            return []
        scored: list[ScoredSentence] = []
        cross: list[ScoredSentence] = []
        for passage in passages[: self.settings.passages_considered]:
            record = self.index.records[passage.chunk.doc_name]
            for item in self._score_passage(asked, passage, record):
                (cross if item.cross_lingual else scored).append(item)
        if cross and embed is not None and query_vector is not None:
            self._score_by_similarity(cross, query_vector, embed)
            scored.extend(cross)
        scored.sort(key=lambda s: -s.score)
        return scored

    def is_answered(self, best: ScoredSentence) -> bool:
        threshold = self.settings.min_cross_lingual_similarity if best.cross_lingual else self.settings.min_coverage
        return best.satisfies and best.coverage >= threshold

    def select(self, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence, plus up to two more that score nearly as well and do not overlap."""
        chosen = [ranked[0]]
        for candidate in ranked[1:]:
            if len(chosen) >= self.settings.max_sentences:
                break
            if candidate.score < self.settings.second_sentence_ratio * ranked[0].score or not self.is_answered(candidate):
                continue
            if any(c.chunk.doc_name == candidate.chunk.doc_name and c.start < candidate.end and candidate.start < c.end
                   for c in chosen):
                continue
            chosen.append(candidate)
        return chosen

    def cite(self, chosen: list[ScoredSentence]) -> tuple[list[AnswerSentence], list[Citation]]:
        sentences, citations = [], []
        for number, item in enumerate(chosen, start=1):
            record = self.index.records[item.chunk.doc_name]
            quote = record.document.text[item.start:item.end]
            citations.append(Citation(
                id=number, doc=item.chunk.doc_name, title=record.title,
                section=" > ".join(section_at(record, item.start)), figure=_figure_of(record, item.start, quote),
                page=record.document.page_at(item.start), start=item.start, end=item.end, quote=quote))
            sentences.append(AnswerSentence(quote, number))
        return sentences, citations

    def _analyse(self, question: str) -> _Question:
        bm25 = self.index.bm25
        return _Question(
            weights={t: bm25.term_idf(t) for t in dict.fromkeys(tokenize(question))},
            numbers=set(_NUMBER.findall(fold(question))),
            figures=set(figure_mentions(question)),
            wants_number=bool(_ASKS_NUMBER.search(question)),
            wants_date=bool(_ASKS_DATE.search(question)),
            is_chinese=is_chinese(question),
        )

    def _score_passage(self, asked: _Question, passage: Passage, record: DocumentRecord) -> list[ScoredSentence]:
        chunk = passage.chunk
        text = record.document.text
        title_terms = set(tokenize(record.title))
        section_terms: dict[tuple[str, ...], set[str]] = {}
        total = sum(asked.weights.values())
        prior = 1.0 / (passage.rank + 1)
        cross_lingual = asked.is_chinese != is_chinese(chunk.text)
        items = []
        previous_terms: set[str] = set()
        for start, end in sentence_spans(text, chunk.start, chunk.end):
            sentence = text[start:end]
            terms = set(tokenize(sentence))
            path = tuple(section_at(record, start))
            if path not in section_terms:
                section_terms[path] = set(tokenize(" ".join(path)))
            context = title_terms | section_terms[path] | previous_terms
            previous_terms = terms
            if len(sentence) < 4 or _SOURCE_LINE.match(sentence) or sentence.lstrip("#* ") in path:
                continue
            held = sum(w * (1.0 if t in terms else self.settings.context_weight if t in context else 0.0)
                       for t, w in asked.weights.items()) / total
            numbers = set(_NUMBER.findall(fold(sentence)))
            numbers_ok = asked.numbers <= (numbers | set(_NUMBER.findall(fold(" ".join(path)))))
            type_ok = (not asked.wants_number or bool(_HAS_NUMBER.search(sentence))) and \
                      (not asked.wants_date or bool(_HAS_DATE.search(sentence)))
            names_figure = bool(asked.figures & set(figure_mentions(sentence)))
            score = held + 0.1 * type_ok + 0.1 * (numbers_ok and bool(asked.numbers)) + 0.05 * prior + 0.3 * names_figure
            if chunk.kind == "boilerplate":
                score *= 0.5
            items.append(ScoredSentence(chunk, start, end, score, held + 0.5 * names_figure,
                                        type_ok and numbers_ok, cross_lingual))
        return items

    def _score_by_similarity(self, items: list[ScoredSentence], query_vector: np.ndarray,
                             embed: SentenceEmbedder) -> None:
        """Across languages, the question's dense similarity to each sentence replaces term overlap."""
        texts = [self.index.records[i.chunk.doc_name].document.text[i.start:i.end] for i in items]
        similarities = embed(texts) @ query_vector
        for item, similarity in zip(items, similarities):
            item.coverage = float(similarity)
            item.score = float(similarity) + 0.1 * item.satisfies


def _figure_of(record: DocumentRecord, start: int, quote: str) -> str:
    """The caption of the figure the quote sits in, or else of one it names."""
    for figure in record.figures:
        if figure.start <= start < figure.end:
            return figure.caption
    named = figure_mentions(quote)
    return next((f.caption for f in record.figures if f.label in named), "")
