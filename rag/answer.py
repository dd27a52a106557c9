"""Scored sentences -> an extractive answer: 1-3 sentences quoted verbatim, each cited, or a plain
statement that the reports do not answer the question when no sentence holds its key constraints
(its key terms, the numbers and years it names, a value of the type it asks for)."""
from __future__ import annotations

from dataclasses import replace

from .index import DocumentRecord, ReportIndex, section_at
from .rerank import ScoredSentence
from .schema import AnswerSentence, Citation
from .sentences import list_or_paragraph_end
from .settings import AnswerSettings
from .structure import figure_mentions, table_header
from .textnorm import is_chinese, squeeze

_MAX_FOLLOWING_CHARS = 1200   # how far a quote opening a list runs on into it


def abstention_message(question: str) -> str:
    if is_chinese(question):
        return "报告中没有找到能回答这个问题的内容。"
    return "The reports do not answer this question."


class AnswerExtractor:
    def __init__(self, index: ReportIndex, settings: AnswerSettings):
        self.index = index
        self.settings = settings

    def is_answered(self, best: ScoredSentence) -> bool:
        threshold = self.settings.min_cross_lingual_similarity if best.cross_lingual else self.settings.min_coverage
        return best.satisfies and best.coverage >= threshold

    def select(self, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence; then the best of each other report that answers nearly as well, so views
        can be compared; then close runners-up. Never more than max_sentences, never overlapping."""
        best = self._with_what_follows(ranked[0])
        chosen = [best]
        answered = [self._with_what_follows(c) for c in ranked[1:] if self.is_answered(c)]
        for ratio, other_reports in ((self.settings.other_report_ratio, True),
                                     (self.settings.second_sentence_ratio, False)):
            for candidate in answered:
                if len(chosen) >= self.settings.max_sentences or candidate.score < ratio * best.score:
                    break
                cited = {c.chunk.doc_name for c in chosen}
                if (candidate.chunk.doc_name not in cited) == other_reports and not _overlaps(candidate, chosen) \
                        and not self._repeats(candidate, chosen):
                    chosen.append(candidate)
        return chosen

    def _with_what_follows(self, item: ScoredSentence) -> ScoredSentence:
        """A sentence opening a list says what follows, not what it is: "The main risks to our view are:"
        is quoted with the list after it (or else the next paragraph), "风险提示：技术迭代不及预期；" with
        the other items, the rest of its line; a figure's caption with the figure's lines and source."""
        record = self.index.records[item.chunk.doc_name]
        text = record.document.text
        sentence = text[item.start:item.end].rstrip("*# ")
        figure = next((f for f in record.figures if f.start == item.start and item.end < f.end), None)
        if figure:
            end = _last_line_end(text, item.end, min(figure.end, item.start + _MAX_FOLLOWING_CHARS))
        elif sentence.endswith((":", "：")):
            end = list_or_paragraph_end(text, item.end, item.start + _MAX_FOLLOWING_CHARS)
        elif sentence.endswith(("；", ";")) and ("：" in sentence or ":" in sentence):   # "风险提示：…；"
            end = _last_line_end(text, item.end, item.start + _MAX_FOLLOWING_CHARS, lines=1)
        else:
            return item
        while text[end - 1].isspace():
            end -= 1
        return replace(item, end=end)

    def _repeats(self, candidate: ScoredSentence, chosen: list[ScoredSentence]) -> bool:
        """The same words already quoted (a news item or a summary line repeated elsewhere) add nothing."""
        text = squeeze(candidate.text(self.index))
        return any(squeeze(c.text(self.index)) == text for c in chosen)

    def cite(self, chosen: list[ScoredSentence]) -> tuple[list[AnswerSentence], list[Citation]]:
        sentences, citations = [], []
        for number, item in enumerate(chosen, start=1):
            record = self.index.records[item.chunk.doc_name]
            quote = record.document.text[item.start:item.end]
            citations.append(Citation(
                id=number, doc=item.chunk.doc_name, title=record.title, date=record.date,
                section=" > ".join(section_at(record, item.start)), figure=_figure_of(record, item.start, quote),
                page=record.document.page_at(item.start), start=item.start, end=item.end, quote=quote,
                columns=table_header(record.document.text, item.start)))
            sentences.append(AnswerSentence(quote, number))
        return sentences, citations


def _last_line_end(text: str, start: int, limit: int, lines: int | None = None) -> int:
    """The end of the last line from `start` on that ends by `limit` (of the first `lines` only, if given);
    `start` itself when none does."""
    end = start
    for count, line_end in enumerate(_line_ends(text, start), start=1):
        if line_end > limit or (lines is not None and count > lines):
            break
        end = line_end
    return end


def _line_ends(text: str, start: int):
    """Where the lines from `start` on end: each newline, then the end of the text."""
    while (found := text.find("\n", start)) >= 0:
        yield found
        start = found + 1
    yield len(text)


def _overlaps(candidate: ScoredSentence, chosen: list[ScoredSentence]) -> bool:
    return any(c.chunk.doc_name == candidate.chunk.doc_name and c.start < candidate.end and candidate.start < c.end
               for c in chosen)


def _figure_of(record: DocumentRecord, start: int, quote: str) -> str:
    """The caption of the figure the quote sits in, or else of one it names."""
    for figure in record.figures:
        if figure.start <= start < figure.end:
            return figure.caption
    named = figure_mentions(quote)
    return next((f.caption for f in record.figures if f.label in named), "")
