"""Sentence spans for Chinese (。！？；) and English (. ! ? followed by a space), and line ends; where a
list or paragraph ends."""
from __future__ import annotations

import re

# A sentence ends after CJK terminal punctuation (plus closing quotes/brackets), after . ! ? that
# is followed by whitespace (so 2.5 and e.g. inside a word stay whole), or at a line break.
_SENTENCE_END = re.compile(r"[。！？；!?;][”’」』）)\]]*|(?<![A-Z])(?<!\b[a-z])\.[”’\")\]]*(?=\s)|\n")


# a quoted sentence inside a longer one: "以「提升环境意识，善尽地球公民之责任。」为宗旨。" ends after 为宗旨
_CLOSING_QUOTE = {"”": "“", "’": "‘", "」": "「", "』": "『"}
_ABBREVIATION = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|Inc|Co|Corp|Ltd|vs|No|Nos|St|Jr|Fig|approx|est)\.$", re.IGNORECASE)
# the number opening a heading or list item ("**2. 产品定价**", "1.1. Scope", "IV. Risks") ends no sentence
_ENUMERATOR = re.compile(r"[#*>\s]*(\d{1,2}(\.\d{1,2})*|[IVX]{1,4})\.")


# the number of a list item: "1.", "2）", "3、", "（4）"
LIST_NUMBER = r"\d{1,2}[.)）、](?!\d)|[（(]\d{1,2}[)）]"
# a line of a list: "- item", "• item", "1. item", "2）item", "（3）item", "④item"
_LINE = re.compile(r"[^\n]+")
_LIST_ITEM = re.compile(rf"[-*•·▪]\s|{LIST_NUMBER}|[\u2460-\u2473]")


def list_or_paragraph_end(text: str, start: int, limit: int) -> int:
    """Where the list starting at `start` ends (its items, blank lines between them), or else the one
    paragraph there; `start` itself when neither ends before `limit`."""
    end = start
    for line in _LINE.finditer(text, start):
        content = line.group().strip()
        is_item = bool(_LIST_ITEM.match(content))
        if not content or content.startswith("#") or (end > start and not is_item) or line.end() > limit:
            break
        end = line.end()
        if not is_item:   # one paragraph, when no list follows
            break
    return end


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Non-empty sentence spans within text[start:end], whitespace trimmed, offsets absolute."""
    end = len(text) if end is None else end
    spans = []
    begin = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _ABBREVIATION.search(text, begin, match.end()) or _ENUMERATOR.fullmatch(text, begin, match.end()) \
                or _quoted_within(text, begin, match.start(), match.end(), end):
            continue
        _append_trimmed(text, begin, match.end(), spans)
        begin = match.end()
    _append_trimmed(text, begin, end, spans)
    return spans


def _quoted_within(text: str, begin: int, stop: int, after: int, end: int) -> bool:
    """Whether a sentence end found at text[stop:after] closes a quotation opened in the sentence, which goes on
    after it (a word follows the closing mark)."""
    opening = _CLOSING_QUOTE.get(text[after - 1])
    return bool(opening) and after < end and text[after].isalnum() and opening in text[begin:stop]


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
