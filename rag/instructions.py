"""A question's instructions apart from what it asks: "What is Netflix's FY2017 total current liabilities
(in USD millions)? Base your judgments on the information provided primarily in the balance sheet." asks
about Netflix's total current liabilities; its unit, the statement to read and how to answer are how, not
what. A quoted sentence holds the asked words, never the instructions, so only the asked part is weighed."""
from __future__ import annotations

import re

from .keyword import tokenize
from .structure import statements_named

# sentences, split after their end mark (and after a colon: "Please answer the following question: what is …")
_SENTENCE_END = re.compile(r"(?<=[.?!:;])\s+|(?<=[。？！：；])")
_ASKS = re.compile(r"[?？]\s*$|^\W*(what|how|which|who|whom|whose|when|where|why|is|are|was|were|does|do|did|has|"
                   r"have|had|can|could|will|would|should)\b|什么|多少|哪|谁|几|如何|怎么|怎样|吗|是否|为什么|为何",
                   re.IGNORECASE)
# a sentence opening with one of these tells how to answer: "Answer in USD millions.", "Assume that you are an
# analyst." (but "Assume that exports rose 10%." is a premise), "If gross margin is not a useful metric, then state
# that.", "请根据资产负债表回答："
_INSTRUCTS = re.compile(r"^\W*(answer|give|provide|respond|base|basing|compute|calculate|approach|assume (that )?you|"
                        r"please|round|state|express|use|using|rely|relying|explain|show|if|we need|you are|do not|don't|"
                        r"请(?!问)|回答|假设[你您]|假如[你您]|如果|注意)", re.IGNORECASE)
# an opening clause saying only where to look: "According to the details clearly outlined within the balance
# sheet, …", "Using the cash flow statement, …", "根据资产负债表，…"
_SOURCE_CLAUSE = re.compile(r"^\W*((by|using|based on|basing|according to|relying on|from)\b|根据|基于|按照)"
                            r"[^,，:：]*[,，:：]\s*", re.IGNORECASE)
_SOURCE_WORDS = {"basing", "judgment", "judgement", "off", "clearly", "outlined", "outline", "drawing", "conclusion",
                 "detail", "stated", "statement", "presented", "reported", "financial", "provided", "looking"}
_UNIT = re.compile(r"\(?\s*\bin\s+(usd|us\$|\$|rmb|cny|eur)?\s*(thousands|millions|billions)\s*\)?", re.IGNORECASE)


def asked_part(question: str) -> str:
    """The question without its instructions: sentences telling how to answer (when a sentence asking
    remains), an opening clause naming only the statement to read, the unit to answer in."""
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    asking = [s for s in sentences if _ASKS.search(s) or not _INSTRUCTS.match(s)]
    kept = " ".join(_without_source_clause(s) for s in asking) if any(_ASKS.search(s) for s in asking) else question
    return _UNIT.sub(" ", kept).strip() or question


def _without_source_clause(sentence: str) -> str:
    clause = _SOURCE_CLAUSE.match(sentence)
    if not clause or not sentence[clause.end():].strip():
        return sentence
    named = " ".join(statements_named(clause.group()).values())
    says_more = set(tokenize(clause.group())) - set(tokenize(named)) - _SOURCE_WORDS
    return sentence if says_more else sentence[clause.end():]
