"""Question -> ranked passages: dense (FAISS) and BM25 rankings fused by weighted RRF.

A report whose title or file name shares the question's entity/period terms gets a bonus, and
boilerplate (disclaimers, rating definitions) ranks below body text unless the question asks
about it.
"""
from __future__ import annotations

import re

import faiss
import numpy as np

from .index import ReportIndex
from .keyword import tokenize
from .schema import Chunk, Passage
from .settings import RetrievalSettings
from .structure import figure_mentions

_ASKS_BOILERPLATE = re.compile(
    r"评级|声明|免责|分析师|证书|资格|联系|地址|电话|邮箱|disclaim|disclos|rating|analyst|certif|contact|address",
    re.IGNORECASE)


def reciprocal_rank_fusion(rankings: list[list[int]], weights: list[float], k: int) -> dict[int, float]:
    """Sum of weight / (k + rank) over the rankings each id appears in (rank from 1)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


class Retriever:
    def __init__(self, index: ReportIndex, settings: RetrievalSettings):
        self.index = index
        self.settings = settings
        self._title_terms: dict[str, set[str]] | None = None

    def search(self, question: str, query_vector: np.ndarray, docs: list[str] | None = None,
               top_k: int | None = None) -> list[Passage]:
        top_k = top_k or self.settings.top_k
        rows = self.index.chunk_rows
        allowed = self._allowed_rows(docs)
        if not rows or (allowed is not None and not allowed.any()):
            return []
        tokens = tokenize(question)
        dense = self._dense_ranking(query_vector, allowed, rows)
        keyword = self._keyword_ranking(tokens, allowed)
        fused = reciprocal_rank_fusion([dense, keyword], [self.settings.dense_weight, self.settings.keyword_weight],
                                       self.settings.rrf_k)
        title_bonus = self._title_bonus(tokens)
        asks_boilerplate = bool(_ASKS_BOILERPLATE.search(question))
        asked_figures = set(figure_mentions(question))
        if asked_figures:   # "图表3显示了什么" : the chunks holding that figure join the candidates
            fused.update({i: fused.get(i, 0.0) for i, c in enumerate(rows) if asked_figures & set(c.figures)
                          and (allowed is None or allowed[i])})
        scored = []
        for row, score in fused.items():
            chunk = rows[row]
            score += title_bonus.get(chunk.doc_name, 0.0)
            if asked_figures & set(chunk.figures):
                score += self.settings.figure_weight
            if chunk.kind == "boilerplate" and not asks_boilerplate:
                score *= self.settings.boilerplate_factor
            scored.append((score, row))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [Passage(rank, score, rows[row]) for rank, (score, row) in enumerate(scored[:top_k], start=1)]

    def _allowed_rows(self, docs: list[str] | None) -> np.ndarray | None:
        if not docs:
            return None
        wanted = set(docs)
        return np.array([c.doc_name in wanted for c in self.index.chunk_rows], dtype=bool)

    def _dense_ranking(self, query_vector: np.ndarray, allowed: np.ndarray | None, rows: list[Chunk]) -> list[int]:
        k = min(self.settings.candidates, len(rows))
        query = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            ids = np.array([rows[i].chunk_id for i in np.flatnonzero(allowed)], dtype=np.int64)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
        _, ids = self.index.vectors.search(query, k, params=params)
        row_of_id = self.index.row_of_id
        return [row_of_id[int(i)] for i in ids[0] if i >= 0]

    def _keyword_ranking(self, tokens: list[str], allowed: np.ndarray | None) -> list[int]:
        scores = self.index.bm25.scores(tokens)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(self.settings.candidates, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [int(i) for i in top if scores[i] > 0]

    def _title_bonus(self, question_tokens: list[str]) -> dict[str, float]:
        """Reports whose title/file name holds the question's rarest title terms (entity, year)."""
        asked = set(question_tokens)
        bonus = {}
        if self._title_terms is None:
            self._title_terms = {name: set(tokenize(f"{r.title} {name.rsplit('.', 1)[0].replace('_', ' ')}"))
                                 for name, r in self.index.records.items()}
        for name, title_terms in self._title_terms.items():
            shared = title_terms & asked
            if shared:
                weight = sum(self.index.bm25.term_idf(t) for t in shared) / max(
                    sum(self.index.bm25.term_idf(t) for t in title_terms), 1e-6)
                bonus[name] = self.settings.title_weight * weight
        return bonus
