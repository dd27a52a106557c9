"""English questions call Chinese companies and products by their pinyin ("Yaoshi Storage", "Jingheng"). Such a
name that no report writes is read as the Chinese name a report writes with that pinyin (曜石, 晶衡), and the
question is searched with that name in its place.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from typing import Callable

from .keyword import dictionary_tag, tagged
from .textnorm import is_chinese

_VOWEL = re.compile(r"[aeiouv]")
_RUN = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)*(?![A-Za-z])")   # capitalised words in a row
_MIN_SYLLABLES, _MAX_SYLLABLES = 2, 4   # a company's or product's name: 晶衡, 曜石存储
_MAX_SEGMENTATIONS = 8   # "xian" is xi-an or xian: a few readings of a word are tried
_CONTEXT = 8             # characters either side of a match that jieba cuts to see if the match is whole words
_CANDIDATES = 10         # the most written readings judged as names ...
_PLACES_JUDGED = 3       # ... each at its first few places, most of which must show it whole
_LANGUAGE_SAMPLE = 2000  # characters of a report that tell its language
# jieba's tags of words no name is made of: prepositions, conjunctions, particles, adverbs, pronouns, numerals,
# measure words, directions, modal particles, interjections, onomatopoeia, times
_FUNCTION_TAGS = set("pcudrmqfyeot")
_PROPER_TAGS = {"nr", "nrt", "nrfg", "ns", "nt", "nz", "j"}   # people, places, organisations, other proper nouns


class PinyinNames:
    """Reads the pinyin names of an English question as the Chinese names an index's reports write."""

    def __init__(self, vocabulary: dict[str, int], texts: list[str], known: Callable[[str], bool]):
        self.vocabulary = vocabulary   # the reports' search terms: a name they write is no pinyin to read
        self.texts = [t for t in texts if is_chinese(t[:_LANGUAGE_SAMPLE])]   # only Chinese reports write them
        self.known = known             # the model knows the word ("China", "Shenzhen"): no pinyin to read
        self._names: dict[str, str] = {}

    def searched_question(self, question: str) -> str:
        """The question with the pinyin names it uses replaced by the Chinese names the reports write: a run of
        capitalised words as one name ("Zhang Songwen": 张颂文), else a word of it, the words after which name
        the company's trade and are no name a report must write ("Yaoshi Storage": 曜石 storage). A question's
        first word is a sentence's capital; a name some report writes stays."""
        if not self.texts:
            return question
        opening = re.match(r"\s*", question).end()
        return _RUN.sub(lambda run: self._read_run(run.group(), keep_first=run.start() == opening), question)

    def _read_run(self, run: str, keep_first: bool) -> str:
        words = run.split()
        kept, words = words[:keep_first], words[keep_first:]
        whole = self._name_of(words) if len(words) > 1 else ""
        if whole:
            return " ".join(kept + [whole])
        for i, word in enumerate(words):
            name = self._name_of([word])
            if name:
                return " ".join(kept + words[:i] + [name] + [w.lower() for w in words[i + 1:]])
        return run

    def _name_of(self, words: list[str]) -> str:
        """The Chinese name of words one of which neither the reports nor the model know ("Zhang" may be known,
        "Songwen" not); toneless pinyin reads as many words, so a word the model knows ("China": 池内,
        "Shenzhen": 审慎) is never read as pinyin."""
        unknown = any(w.lower() not in self.vocabulary and not self.known(w) for w in words)
        return self.chinese_name("".join(words).lower()) if unknown else ""

    def chinese_name(self, word: str) -> str:
        """The name the reports write most often whose pinyin is `word`, or "". A name is whole words by jieba's
        cut with no function word in it, judged at a few of its places (jieba is the slow part)."""
        if word not in self._names:
            counts: Counter[str] = Counter()
            places: dict[str, list[tuple[str, int, int]]] = {}
            for syllables in _segmentations(word):
                pattern = re.compile("".join(f"[{_characters()[s]}]" for s in syllables))
                for text in self.texts:
                    for match in pattern.finditer(text):
                        counts[match.group()] += 1
                        if len(seen := places.setdefault(match.group(), [])) < _PLACES_JUDGED:
                            seen.append((text, match.start(), match.end()))
            names = (written for written, _ in counts.most_common(_CANDIDATES)
                     if sum(_is_name(*place) for place in places[written]) * 2 > len(places[written]))
            self._names[word] = next(names, "")
        return self._names[word]


def _is_name(text: str, start: int, end: int) -> bool:
    """Whether jieba cuts the text around the span at its start and end ("需要时" holds 要时 inside 需要), none of
    its words is a function word or a time (由市, 未来), and it is no common word of the dictionary (谜团 for
    "Meituan", 读音 for "Douyin"): a proper name or a word jieba does not know (晶衡, or 曜石 cut as 曜|石), or
    else a title in 《》."""
    if text[start - 1:start] == "《" and text[end:end + 1] == "》":
        return True   # a title: 《狂飙》 names a series, though 狂飙 is a word
    left = max(start - _CONTEXT, 0)
    at, inside = left, []
    bounds = {left}
    for word, flag in tagged(text[left:end + _CONTEXT]):
        if start <= at < end:
            inside.append(flag)
        at += len(word)
        bounds.add(at)
    whole = dictionary_tag(text[start:end])
    return start in bounds and end in bounds and not any(flag[0] in _FUNCTION_TAGS for flag in inside) \
        and (whole is None or whole in _PROPER_TAGS)


def _segmentations(word: str) -> list[tuple[str, ...]]:
    """Readings of a word as 2-4 pinyin syllables, longest syllables first."""
    syllables = _characters()
    readings: list[tuple[str, ...]] = []

    def split(rest: str, taken: tuple[str, ...]) -> None:
        if len(readings) >= _MAX_SEGMENTATIONS or len(taken) > _MAX_SYLLABLES:
            return
        if not rest:
            if len(taken) >= _MIN_SYLLABLES:
                readings.append(taken)
            return
        for size in range(min(6, len(rest)), 0, -1):
            if rest[:size] in syllables and _VOWEL.search(rest[:size]):   # not the interjections "n", "hm"
                split(rest[size:], taken + (rest[:size],))

    split(word, ())
    return readings


@cache
def _characters() -> dict[str, str]:
    """Toneless pinyin syllable -> the Chinese characters whose first reading it is (a rare reading makes
    false names: 暖 is read xuān too; ü written u and v: "lv", "lu")."""
    from pypinyin.pinyin_dict import pinyin_dict

    characters: dict[str, list[str]] = {}
    for code, readings in pinyin_dict.items():
        if 0x3400 <= code <= 0x9fff:
            reading = readings.split(",")[0]
            toneless = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
            for spelling in {toneless.replace("ü", "v"), toneless.replace("ü", "u")}:
                characters.setdefault(spelling, []).append(chr(code))
    return {syllable: "".join(chars) for syllable, chars in characters.items()}
