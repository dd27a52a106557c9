"""Question -> ranked passages: dense (FAISS) and BM25 rankings fused by weighted RRF.

Reports the question names ("Best Buy's FY2023 ...") are searched a second time on their own and
that ranking fused in too, so their passages rise without hiding the others; boilerplate
(disclaimers, rating definitions) ranks below body text unless the question asks about it.
"""
from __future__ import annotations

import faiss
import numpy as np

from .index import ReportIndex
from .keyword import tokenize
from .schema import Chunk, Passage
from .settings import RetrievalSettings
from .structure import asks_about_boilerplate, figure_mentions, statements_named
from .synonyms import expansion_terms
from .textnorm import is_chinese


def reciprocal_rank_fusion(rankings: list[list[int]], weights: list[float], k: int) -> dict[int, float]:
    """Sum of weight / (k + rank) over the rankings each id appears in (rank from 1)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def statement_rows_asked(index: ReportIndex, question: str, within: np.ndarray | None) -> np.ndarray | None:
    """Rows inside the financial statements the question names ("relying on the cash flow statement"),
    among the rows `within` (the reports it names or may search); None when it names none."""
    statements = statements_named(question)
    if not statements:
        return None
    rows = index.statement_rows(set(statements))
    return rows if within is None else rows & within


class Retriever:
    def __init__(self, index: ReportIndex, settings: RetrievalSettings):
        self.index = index
        self.settings = settings

    def search(self, question: str, query_vector: np.ndarray, docs: list[str] | None = None,
               top_k: int | None = None) -> list[Passage]:
        top_k = top_k or self.settings.top_k
        rows = self.index.chunk_rows
        allowed = self._allowed_rows(docs)
        if not rows or (allowed is not None and not allowed.any()):
            return []
        tokens = tokenize(question)
        tokens += expansion_terms(question, tokens)   # other names of the figures it asks about
        weights = [self.settings.dense_weight, self.settings.keyword_weight]
        rankings = [self._dense_ranking(query_vector, allowed, rows), self._keyword_ranking(tokens, allowed)]
        named = self._named_rows(question, allowed) if not docs else None
        if named is not None:
            rankings += [self._dense_ranking(query_vector, named, rows), self._keyword_ranking(tokens, named)]
            weights += [self.settings.named_report_weight * w for w in weights]
        fused = reciprocal_rank_fusion(rankings, weights, self.settings.rrf_k)
        in_statement = statement_rows_asked(self.index, question, named if named is not None else allowed)
        if in_statement is not None:   # they join the candidates
            fused.update({int(i): fused.get(int(i), 0.0) for i in np.flatnonzero(in_statement)})
        asks_boilerplate = asks_about_boilerplate(question)
        asked_figures = set(figure_mentions(question))
        if asked_figures:   # "图表3显示了什么" : the chunks holding that figure join the candidates
            fused.update({i: fused.get(i, 0.0) for i, c in enumerate(rows) if asked_figures & set(c.figures)
                          and (allowed is None or allowed[i])})
        scored = []
        for row, score in fused.items():
            chunk = rows[row]
            if asked_figures & set(chunk.figures):
                score += self.settings.figure_weight
            if in_statement is not None and in_statement[row]:
                score += self.settings.statement_weight
            if chunk.kind == "boilerplate" and not asks_boilerplate:
                score *= self.settings.boilerplate_factor
            scored.append((score, row))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        kept = scored[:top_k]
        if not asks_boilerplate:   # boilerplate the keywords find first stays in reach ("基准指数是什么")
            first_found = set(rankings[1][:self.settings.boilerplate_keyword_rank])
            kept += [(s, row) for s, row in scored[top_k:] if row in first_found and rows[row].kind == "boilerplate"]
        other_language = self._other_language_rows(question, allowed)
        if other_language is not None:   # the model ranks its own language first: the other's best join too
            first_other = self._dense_ranking(query_vector, other_language, rows)
            first_other = first_other[:self.settings.other_language_candidates]
            held, fused_scores = {row for _, row in kept}, {row: s for s, row in scored}
            kept += [(fused_scores.get(row, self.settings.dense_weight / (self.settings.rrf_k + rank)), row)
                     for rank, row in enumerate(first_other, start=1) if row not in held]
        return [Passage(rank, score, rows[row]) for rank, (score, row) in enumerate(kept, start=1)]

    def _named_rows(self, question: str, allowed: np.ndarray | None) -> np.ndarray | None:
        named = self.index.names.named_by(question)
        rows = self._allowed_rows(sorted(named)) if named else None
        return rows if rows is None or allowed is None else rows & allowed

    def _other_language_rows(self, question: str, allowed: np.ndarray | None) -> np.ndarray | None:
        """The rows written in the language the question is not, or None when there are none."""
        rows = self.index.chinese_rows if not is_chinese(question) else ~self.index.chinese_rows
        rows = rows if allowed is None else rows & allowed
        return rows if rows.any() else None

    def _allowed_rows(self, docs: list[str] | None) -> np.ndarray | None:
        return self.index.rows_of(docs) if docs else None

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
