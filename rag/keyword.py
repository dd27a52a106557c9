"""Keyword side of retrieval: jieba tokens for Chinese, words for English, vectorised BM25.

English words lose their plural and possessive endings ("statements", "Amazon's" -> "statement",
"amazon": Harman's S-stemmer), so "cash flow statement" finds "Statements of Cash Flows".

Scores are one sparse matrix product, so a query costs milliseconds at tens of thousands of
chunks (a pure-Python BM25 loop costs ~180 ms there).
"""
from __future__ import annotations

import functools
import logging
import re
from collections import Counter

import numpy as np
from scipy import sparse

from .textnorm import fold

TOKENIZER_VERSION = "jieba-sstem-v9"   # stored with an index: its BM25 terms are re-derived when this changes
# a hyphenated word ("solid-state") is cut into its parts; a date's unit after its digits is a word of its own
# (jieba reads "2023年净出口" as 年净 + 出口, "6日电" as 日电)
_TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)+|[a-z]+(?:['’][a-z]+)?|\d+(?:\.\d+)?%?|(?<=\d)[年月日]|[\u3400-\u9fff]+")
# words asking how many or which, with the measure word after them ("几名", "第几次", "哪一年", "多少个"): an answer
# gives a value there and never writes them; cut out before jieba, which joins them to their neighbours ("几名")
_MEASURE_WORD = "个名位种家次年月天日岁届座条项枚颗只部倍场支队所间门处篇本首号层级类批件台辆架艘"
_ASKING_WORD = re.compile(rf"第几[{_MEASURE_WORD}]?|(?:几|哪一?|多少)[{_MEASURE_WORD}]|多少|哪一")
# a word jieba's model guesses (no dictionary word) may swallow the function word beside a name: "钟惺在万历…"
# gives 钟惺在, "潘淑是…" 潘淑是, "对桂湖…" 对桂湖
_GLUED_AFTER = set("是在的了")
_GLUED_BEFORE = set("对从在把被")
_FUNCTION_WORDS = set(
    "的 了 是 在 和 与 及 或 等 对 为 将 会 将会 也 而 并 其 之 以 于 中 上 下 这 那 有 被 从 到 由 把 让 就 都 又 按 "
    "一些 某些 "
    "吗 呢 吧 啊 么 什么 哪些 哪个 哪 怎么 怎样 如何 多少 几 是否 为何 为什么 请问 根据 报告 本报告 该 "
    "有何 有哪些 情况 特点 方面 是什么 分别 各家 各 看 看法 怎么看 观点 谈谈 介绍 一下 说说 "
    "谁 哪位 哪家 哪年 哪天 什么样 这份 这篇 这些 那些 "
    "哪里 哪儿 何时 何地 何处 几时 时候 多久 多长 多大 多高 多远 总共 一共 多少倍 多少次 多少钱 "
    "哪支 哪国 哪座 哪所 哪部 哪种 哪类 哪项 哪条 哪场 哪届 哪次 哪名 哪月 "
    "a an the of in on at to for from by with and or is are was were be been being what which who whom whose "
    "how many much when where why does do did has have had it its this that these those as according report "
    "than into about per fy will would shall should can could might must".split()
)
# how a question is to be answered, not what it is about ("answer in USD millions using only the details shown
# in the income statement"); within a hyphenated word they are its content ("solid-state", "user-based")
_INSTRUCTION_WORDS = set(
    "please give based shown answer response respond question provide state stated explain rely relying using use "
    "only detail information within drawing conclusion following best your ability abilities primarily usd "
    "formerly known".split()
)
_STOPWORDS = _FUNCTION_WORDS | _INSTRUCTION_WORDS


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def in_dictionary(word: str) -> bool:
    """A word jieba's dictionary knows: a Chinese word that is no new name (产能, 份额; not 玄芯)."""
    return bool(_jieba().dt.FREQ.get(word))


@functools.lru_cache(maxsize=1 << 12)   # the checks of names and places tag the same best sentences again
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words of a text with their part-of-speech tags (ns a place, nr a person, ...): the slow part of
    checking names."""
    import jieba.posseg

    _jieba()
    return tuple((pair.word, pair.flag) for pair in jieba.posseg.cut(text))


def dictionary_tag(word: str) -> str | None:
    """The part-of-speech tag jieba's dictionary gives a word (美国: ns, 价格: n), None for a word it lacks."""
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab.get(word)


def tokenize(text: str) -> list[str]:
    """Search tokens: folded (width, case, spacing), Chinese cut for search, stop words dropped."""
    return [token for group in term_groups(text) for token in group]


def term_groups(text: str) -> list[list[str]]:
    """Search tokens grouped by the word they were cut from, so one concept counts once when a
    question's terms are weighed: 第三季度 -> [第三, 三季, 季度, 第三季, 三季度, 第三季度] (jieba's search mode)."""
    jieba = _jieba()
    groups = []
    for piece in _TOKEN.findall(fold(text)):
        if "\u3400" <= piece[0] <= "\u9fff":
            words = (word for part in _ASKING_WORD.split(piece) for word in jieba.cut(part))
            for word in (_unglued(jieba.dt.FREQ, word) for word in words):
                group = [t for t in _search_grams(jieba.dt.FREQ, word) if t not in _STOPWORDS]
                if group:
                    groups.append(group)
        elif "-" in piece:
            for part in piece.split("-"):
                groups += _word_groups(part, _FUNCTION_WORDS)
        else:
            groups += _word_groups(piece, _STOPWORDS)
    return groups


def _unglued(frequencies: dict[str, int], word: str) -> str:
    """A guessed word without the function word it swallowed at either end."""
    if len(word) < 3 or frequencies.get(word):
        return word
    if word[-1] in _GLUED_AFTER:
        return word[:-1]
    return word[1:] if word[0] in _GLUED_BEFORE else word


def _word_groups(word: str, stopwords: set[str]) -> list[list[str]]:
    """A Latin word or a number as one concept, unless a stop word."""
    singular = _singular(word)
    return [] if word in stopwords or singular in stopwords else [[singular]]


def _search_grams(frequencies: dict[str, int], word: str) -> list[str]:
    """The word's dictionary 2- and 3-grams, then the word: what jieba.cut_for_search yields for it."""
    grams = [word[i:i + 2] for i in range(len(word) - 1) if frequencies.get(word[i:i + 2])] if len(word) > 2 else []
    grams += [word[i:i + 3] for i in range(len(word) - 2) if frequencies.get(word[i:i + 3])] if len(word) > 3 else []
    return [*grams, word]


def _singular(word: str) -> str:
    """Harman's S-stemmer, after dropping a possessive: plurals and singulars meet."""
    word = re.sub(r"['’]s?$", "", word)
    if len(word) <= 3 or word[0].isdigit():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


class BM25:
    """Okapi BM25 over a fixed vocabulary, stored as a (chunks x terms) sparse weight matrix."""

    def __init__(self, vocabulary: dict[str, int], weights: sparse.csc_matrix, idf: np.ndarray):
        self.vocabulary = vocabulary
        self.weights = weights
        self.idf = idf

    @classmethod
    def build(cls, token_lists: list[list[str]], k1: float = 1.2, b: float = 0.75) -> "BM25":
        vocabulary: dict[str, int] = {}
        col_parts, tf_parts = [], []   # one small array per chunk: lean at a million chunks
        for tokens in token_lists:
            counts = Counter(tokens)
            col_parts.append(np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in counts), np.int32, len(counts)))
            tf_parts.append(np.fromiter(counts.values(), np.float32, len(counts)))
        n_docs = max(len(token_lists), 1)
        lengths = np.array([len(t) for t in token_lists] or [0], dtype=np.float32)
        avg = max(float(lengths.mean()), 1.0)
        rows_a = np.repeat(np.arange(len(token_lists), dtype=np.int32), [len(c) for c in col_parts])
        cols_a = np.concatenate(col_parts) if col_parts else np.zeros(0, np.int32)
        tf_a = np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.float32)
        df = np.bincount(cols_a, minlength=len(vocabulary)).astype(np.float32)
        idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1 - b + b * lengths[rows_a] / avg)
        values = idf[cols_a] * tf_a * (k1 + 1) / (tf_a + norm)
        weights = sparse.csc_matrix((values, (rows_a, cols_a)), shape=(len(token_lists), len(vocabulary)), dtype=np.float32)
        return cls(vocabulary, weights, idf)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        ids = [self.vocabulary[t] for t in dict.fromkeys(query_tokens) if t in self.vocabulary]
        if not ids:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        return np.asarray(self.weights[:, ids].sum(axis=1)).ravel()

    def term_idf(self, term: str) -> float:
        """IDF of a term; unseen terms count as rare (the maximum), since they are specific."""
        index = self.vocabulary.get(term)
        if index is None:
            return float(self.idf.max()) if len(self.idf) else 1.0
        return float(self.idf[index])
