"""Which reports a question names: "3M's FY2018 capex", "Best Buy 2023", "比亚迪2024年展望".

A report is named when the question holds a word of its file name (titles read from PDFs are too
often a running header or a filing number to trust) that few file names and at most half the
texts hold, and that its own text uses far more than other reports' texts do: the company, not
"final" or "economy". The word may be spelled as two or three ("Best Buy" names BESTBUY_2023_10K.pdf).
Among the named reports, those whose name also holds a year the question asks about are preferred
("FY2022" picks BOEING_2022 over BOEING_2018).
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import PurePath

from .keyword import tokenize
from .synonyms import aliases_in
from .textnorm import fold

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_STOCK_CODE = re.compile(r"\d{5,6}")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9&]*|\d+[a-z][a-z0-9]*")
_SHARED_SHARE = 0.25         # a word in more than this share of the reports' names is generic
_IN_TEXTS_SHARE = 0.5        # ... and so is a word the text of more than this share of the reports uses
_OWN_WORD_RATIO = 3.0        # ... and one its text uses less than this many times as often as another's
_IN_PASSING = 2              # ... unless no other text uses it more often than this


class ReportNames:
    def __init__(self, term_counts: dict[str, Counter]):
        """term_counts: report file name -> how often its text uses each search term."""
        words = {name: _name_words(PurePath(name).stem) for name in term_counts}
        in_names = Counter(w for ws in words.values() for w in ws)
        in_texts: Counter = Counter()
        most_elsewhere: dict[str, int] = {}   # word -> its highest count in a report its name does not hold
        for name, counts in term_counts.items():
            for word in in_names.keys() & counts.keys():
                in_texts[word] += 1
                if word not in words[name]:
                    most_elsewhere[word] = max(most_elsewhere.get(word, 0), counts[word])
        limit = max(1, int(_SHARED_SHARE * len(words)))
        self.words = {name: {w for w in ws if in_names[w] <= limit and in_texts[w] <= _IN_TEXTS_SHARE * len(words)
                             and _own_word(term_counts[name][w], most_elsewhere.get(w, 0))}
                      for name, ws in words.items()}
        self.years = {name: set(_YEAR.findall(name)) for name in term_counts}
        self._last: tuple[str | None, dict[str, set[str]]] = (None, {})
        self.reports_of: dict[str, set[str]] = {}   # name word -> the reports it names
        for name, name_words in self.words.items():
            for word in name_words:
                self.reports_of.setdefault(word, set()).add(name)

    def named_by(self, question: str) -> set[str]:
        """The reports the question names, narrowed to those of the year it asks about if any are."""
        named = self.naming_terms(question)
        asked_years = set(_YEAR.findall(question))
        dated = {name for name in named if self.years[name] & asked_years}
        return dated or set(named)

    def naming_terms(self, question: str) -> dict[str, set[str]]:
        """Report -> the question's search terms that name it ("best", "buy" name BESTBUY_2023_10K).
        Retrieval and sentence scoring both ask, one after the other: the last answer is kept."""
        last = self._last
        if last[0] == question:
            return last[1]
        named: dict[str, set[str]] = {}
        for word, terms in (_question_words(question).items() if len(self.words) >= 2 else ()):
            for name in self.reports_of.get(word, ()):
                named.setdefault(name, set()).update(terms)
        for alias in aliases_in(question) if len(self.words) >= 2 else ():   # "电池报告": the battery report
            for word in set().union(*alias.alternatives):
                for name in self.reports_of.get(word, ()):
                    named.setdefault(name, set()).update(alias.terms)
        self._last = (question, named)
        return named


def _name_words(stem: str) -> set[str]:
    """Words of a file name that could name a report: search terms (no stop words) of two or more
    Chinese characters or three or more Latin letters, letter-digit names ("3M", "10K") and stock
    codes ("002594", "00700"; not dates such as 20260105)."""
    folded = fold(re.sub(r"[_\-.()（）]+", " ", stem))
    letters_and_digits = {w for w in _LATIN_WORD.findall(folded) if not w.isalpha()}
    terms = {t for t in tokenize(folded) if len(t) >= 3 or (len(t) == 2 and "\u3400" <= t[0] <= "\u9fff")}
    return letters_and_digits | {t for t in terms if (not t.isdigit() or _STOCK_CODE.fullmatch(t))
                                 and t not in _kind_of_report_words()}


@functools.cache
def _kind_of_report_words() -> frozenset[str]:
    """Words saying what kind of report a file is, not whose or about what: in a small library one file name
    may be the only one to hold "global" or "outlook", yet a question using the word names no report."""
    return frozenset(tokenize("global world annual outlook industry sector research analysis strategy review update "
                              "quarterly monthly weekly deep dive note initiation "
                              "全球 年度 展望 行业 研究 深度 策略 点评 专题 周报 月报 季报 年报 跟踪 首次 覆盖"))


def _own_word(own: int, elsewhere: int) -> bool:
    """The report's text uses the word far more than reports not named by it, or no other text uses it more
    than in passing: a filing named by its company's new name may never write it ("Block" for Square, Inc.)."""
    return (own >= _OWN_WORD_RATIO * elsewhere and own > 0) or elsewhere <= _IN_PASSING


def _question_words(question: str) -> dict[str, set[str]]:
    """The question's words, and runs of two or three of them written together ("bestbuy"), each
    with the search terms it is made of."""
    folded = fold(question)
    spelled = {t: {t} for t in tokenize(folded)}
    latin = _LATIN_WORD.findall(folded)
    for n in (1, 2, 3):
        for i in range(len(latin) - n + 1):
            parts = latin[i:i + n]
            for word in tokenize("".join(parts)) if n > 1 else [parts[0]]:
                spelled.setdefault(word, set()).update(t for p in parts for t in tokenize(p))
    return spelled
