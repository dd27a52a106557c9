"""Follow-up questions: "它的价格呢？" / "what about its price?" read in the context of the previous turn.

Deterministic on purpose: the resolved question is shown to the user, so a wrong guess is visible
and can be corrected by asking in full. A question that names a pronoun (or is only a few words
long) gets the previous question's topic put in: the product or model it names, else its subject.
"""
from __future__ import annotations

import re

import jieba

from .textnorm import HAN

# Whole jieba tokens, so 其他 / 因此 / 应该 (one token each) are not mistaken for 其 / 此 / 该.
_ZH_ANAPHORS = {"它", "它们", "其", "该", "这个", "此", "这款", "这家", "该公司", "那个",
                "他", "她", "他们", "她们", "此人"}
_EN_ANAPHOR = re.compile(r"\b(it|its|they|their|them|that|he|his|him|she|her)\b", re.IGNORECASE)
_EN_POSSESSIVE = re.compile(r"\b(its|their|his|her)\b", re.IGNORECASE)
_SHORT_ZH_CHARS = 6
_SHORT_EN_WORDS = 4

# A name as reports write it: 灵影 2.0, 天衡-1.5 Pro, 玄芯 X3, GPT-5, "LFP" ...
_EDITION = r"(?:\s?(?:Pro|Max|Plus|Ultra|Mini|Lite)\b)?"
_ZH_NAME = re.compile(rf"[\u3400-\u9fff]{{1,6}}[\s\-]?[A-Za-z]*\d+(?:\.\d+)*{_EDITION}"
                      r"|[A-Za-z][\w.\-]*(?:\s[A-Za-z\d][\w.\-]*)*")
_QUOTED = re.compile(r"[“\"《「]([^”\"》」]{1,30})[”\"》」]")
_ZH_POLITE = re.compile(r"^(?:(?:请问|请|想问一下)\s*)?(?:谁是)?")   # "谁是许嘉禾" is about 许嘉禾
_ZH_PREDICATE = re.compile(r"是|有|为|可以|能|会|将|在|达到|多少|什么|哪|如何|怎么|怎样|为什么|几|吗|呢|的")
_EN_QUESTION_HEAD = re.compile(
    r"^\s*(?:what|which|who|when|where|why|how(?:\s+(?:much|many|large|big|long|fast))?)\s+"
    r"(?:is|are|was|were|does|do|did|has|have|had|will|would|can|could|should)?\s*(?:the\s+)?", re.IGNORECASE)
_EN_NAME = re.compile(rf"(?<!^)\b(?:[A-Z][\w\-.]*\d[\w\-.]*{_EDITION}|[A-Z]{{2,}}[\w\-]*|[A-Z][a-z]+(?:\s[A-Z][\w\-.]*)+)")
_EN_PHRASE_END = re.compile(r"\s+(?:at|in|on|for|by|from|to|with|between|during|after|before|than|compared|"
                            r"reach(?:ed)?|grow|grew|rise|rose|fall|fell|per)\b.*$", re.IGNORECASE)


def resolve_followup(question: str, previous: str | None) -> str:
    """The question to ask: `question` itself, or with the previous question's topic put in."""
    question = question.strip()
    topic = topic_of(previous) if previous else ""
    if not question or not topic or not needs_context(question) or topic.lower() in question.lower():
        return question
    if HAN.search(question):
        return _resolve_zh(question, topic)
    return _resolve_en(question, topic)


def needs_context(question: str) -> bool:
    """True when the question points back (它 / its ...) or is too short to stand alone."""
    if HAN.search(question):
        return bool(_ZH_ANAPHORS.intersection(jieba.lcut(question))) or len(HAN.findall(question)) <= _SHORT_ZH_CHARS
    return bool(_EN_ANAPHOR.search(question)) or len(question.split()) <= _SHORT_EN_WORDS


def topic_of(question: str) -> str:
    """What a question is about: a quoted or named product/model, else its subject phrase."""
    question = question.strip().rstrip("？?。.!！ ")
    quoted = _QUOTED.search(question)
    if quoted:
        return quoted.group(1).strip()
    if HAN.search(question):
        question = _ZH_POLITE.sub("", question)
        name = _ZH_NAME.search(question)
        return (name.group(0) if name else _ZH_PREDICATE.split(question, maxsplit=1)[0]).strip()
    name = _EN_NAME.search(question)
    if name:
        return name.group(0).strip()
    subject = _EN_QUESTION_HEAD.sub("", question, count=1)
    return _EN_PHRASE_END.sub("", subject).strip() if subject != question else ""


def _resolve_zh(question: str, topic: str) -> str:
    tokens = jieba.lcut(question)
    if _ZH_ANAPHORS.intersection(tokens):
        return "".join(topic if t in _ZH_ANAPHORS else t for t in tokens)
    return f"{topic} {question}"


def _resolve_en(question: str, topic: str) -> str:
    if _EN_ANAPHOR.search(question):
        possessive = lambda m: f"{topic}'s" if _EN_POSSESSIVE.fullmatch(m.group(0)) else topic
        return _EN_ANAPHOR.sub(possessive, question, count=1)
    return f"{topic}: {question}"
