"""Text folding for matching (never for display): widths, case and spacing must not matter.

`2月16日`, `2 月 16 日` and `２月１６日` fold to the same string; `：` and `:` too.
"""
from __future__ import annotations

import re
import unicodedata

HAN = re.compile(r"[\u3400-\u9fff]")   # a Chinese character (CJK unified ideographs and extension A)
CJK_CHAR = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
# A space is noise when either neighbour is a CJK character (PDF text puts spaces around numbers).
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{CJK_CHAR}])\s+|\s+(?=[{CJK_CHAR}])")
_SPACES = re.compile(r"\s+")
_LATIN = re.compile(r"[A-Za-z]")


def fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _SPACE_NEAR_CJK.sub("", folded)
    return _SPACES.sub(" ", folded).strip()


def squeeze(text: str) -> str:
    """Fold and drop all whitespace: for "is this span in that text" checks."""
    return _SPACES.sub("", fold(text))


def running_line_key(text: str) -> str:
    """A line with its digits and spaces removed: running headers and footers differ only in their page number."""
    return re.sub(r"[\d\s]+", "", text)


def is_chinese(text: str) -> bool:
    """Chinese unless Latin letters clearly outnumber CJK characters (digits and tables say nothing)."""
    return len(HAN.findall(text)) >= 0.25 * len(_LATIN.findall(text))
