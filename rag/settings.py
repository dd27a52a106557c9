"""Every knob in one typed place: the CLI, the app and the benchmarks read the same settings."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import ChunkingSettings
from .e5_convert import DEFAULT_MODEL


@dataclass(frozen=True)
class RetrievalSettings:
    top_k: int = 5                 # passages returned and shown with an answer
    candidates: int = 50           # taken from each retriever before fusion
    rrf_k: int = 60                # reciprocal-rank-fusion damping
    dense_weight: float = 1.0      # tuned on the dev splits (bench/tune_fusion.py)
    keyword_weight: float = 1.0
    named_report_weight: float = 1.0  # weight of the second search, within the reports the question names
    figure_weight: float = 0.03    # bonus for a chunk holding the figure/table the question names
    statement_weight: float = 0.05 # ... or lying in the financial statement it names ("the cash flow statement")
    boilerplate_factor: float = 0.3  # disclaimers rank below body text unless asked about ...
    boilerplate_keyword_rank: int = 3  # ... but stay candidates when ranked this high by keywords
    other_language_candidates: int = 5  # best dense hits in the language the question is not, added to them


@dataclass(frozen=True)
class RerankSettings:
    candidates: int = 20           # fused passages whose sentences are scored
    sentence_weight: float = 1.0   # passage score = fused score (top = 1) + this x its best sentence ...
    unanswered_sentence_weight: float = 0.6   # ... or this when no sentence answers the question (dev splits)
    context_weight: float = 0.6    # a key term found in the section path or previous sentence ...
    title_weight: float = 0.8      # ... or in the report's title: what all its sentences are about
    aspect_weight: float = 0.5     # weight of a question word naming the aspect asked (意义, 原因, 影响; dev splits)
    anchor_idf_share: float = 1.0  # question terms this close to its rarest one are its anchors ...
    missing_anchor_factor: float = 0.7  # ... and a sentence out of their reach has its coverage cut by this
                                        # (and its score too when another report is the one the question names)
    max_cross_lingual_sentences: int = 6  # sentences embedded when question and passage languages differ
    similarity_range: tuple[float, float] = (0.7, 0.95)  # dense similarities scored as no / full coverage


@dataclass(frozen=True)
class AnswerSettings:
    max_sentences: int = 3
    min_coverage: float = 0.4      # share of the question's key terms (IDF-weighted) a quote must hold
    min_cross_lingual_similarity: float = 0.8  # dense query/sentence cosine when the languages differ
    second_sentence_ratio: float = 0.85  # a further sentence must score this close to the best
    other_report_ratio: float = 0.7  # ... or this close, when it comes from another report (compare views)


@dataclass(frozen=True)
class Settings:
    model: str = field(default_factory=lambda: os.environ.get("RAG_MODEL", DEFAULT_MODEL))
    index_dir: Path = field(default_factory=lambda: Path(os.environ.get("RAG_INDEX", "index")))
    corpus_dir: Path = field(default_factory=lambda: Path(os.environ.get("RAG_CORPUS", "corpus")))
    max_question_chars: int = 2000
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    rerank: RerankSettings = RerankSettings()
    answer: AnswerSettings = AnswerSettings()
