"""Candidate passages -> scored sentences, and passages re-ordered by their best sentence.

A sentence scores by how much of the question's key terms (IDF-weighted; a word and the sub-words jieba's
search mode cuts from it count once, at the weight of the rarest) it holds, counting at a
discount the terms in its section path, report title or file name, or previous sentence; by whether it carries
what the question asks for (a number, a date) and the numbers and figures the question names.
Across languages shared terms are rare, so the dense similarity of question and sentence stands in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Callable

import numpy as np

from .index import DocumentRecord, ReportIndex, section_at
from .instructions import asked_part
from .keyword import dictionary_tag, in_dictionary, tagged, term_groups, tokenize
from .schema import Chunk, Passage, Section
from .sentences import LIST_NUMBER, list_or_paragraph_end, sentence_spans
from .retrieval import statement_rows_asked
from .settings import RerankSettings
from .structure import (FIGURE_MENTION, MONTH, SOURCE_LINE, asks_about_boilerplate, asks_when_published,
                        asks_who_published, asks_who_wrote, author_entries, figure_mentions, report_author_lines,
                        report_date_line, report_issuer_span, statements_named)
from .synonyms import Alias, aliases_in
from .textnorm import HAN, fold, is_chinese

_ASKS_NUMBER = re.compile(r"多少|(?<!哪)几[个家年月天次倍%]|几成|多大|多高|多长|多久|百分之|"
                          r"how (many|much|large|big|long)|what (percentage|share|proportion|price)|\bamount\b|\bpercent|"
                          r"\b(share|proportion) of\b",
                          re.IGNORECASE)
# a figure named without asking how it moved (2022年棉花产量, 出生率是) asks for its value
# (but 票房冠军, 销量最高的车型 ask which film or model leads it)
_NAMES_FIGURE = re.compile(r"(比例|占比|增速|增长率|出生率|规模|金额|价格|目标价|数量|人数|数目|产量|销量|交付量|营收|"
                           r"(出口|进口|出货|装机|成交|保有|发电|用电)量|票房|收入|利润|市值|总额|余额|震级|面积|海拔|气温|身高|体重)"
                           r"(?!冠军|亚军|季军|第一|榜首|最高|最多|最大|最低|排名)")
# "What is the target price of X?", "What was the utilisation rate in 2025?": an English question naming a figure
# as what it asks for (not "the reason for the price decline", not "the outlook for prices") asks for its value
_NAMES_FIGURE_EN = re.compile(r"\bwhat(?:'s|\s+is|\s+was|\s+are|\s+were|\s+will\s+be)\s+(?:the\s+)?"
                              r"(?:(?!(?:of|for|about|in|on|behind)\b)[\w/&.'’-]+\s+){0,4}?"
                              r"(?:price|revenue|sales|income|profit|margin|rate|ratio|share|size|capacity|volume|cost|"
                              r"growth|yield|p/e|eps|value|upside|downside|output)s?"
                              r"(?=\s+(?:of|for|in|at|on|per|by)\b|\s*[?,.]|\s*$)", re.IGNORECASE)
# figures that only their own name states (播种面积 is no 产量); a kind of value (规模, 金额, 人数, 增速) is
# stated in many ways ("造成10人死亡", "同比增长5.1%")
_NAMED_FIGURE = re.compile(r"出生率|死亡率|失业率|目标价|产量|销量|交付量|营收|投资|(出口|进口|出货|装机|成交|保有|发电|用电)量|票房|"
                           r"收入|利润|市值|\btarget price|\bprice target", re.IGNORECASE)
# "价格下降了多少": the size of a change, stated in a clause saying how something changed ("较 0.60元/秒下降约
# 42%", "从5月的55.5%降至10月的50.4%"), not in a sentence saying prices fell beside other numbers
_ASKS_CHANGE = re.compile(r"(下降|下跌|减少|降低|增长|上涨|提升|提高|增加|回落|上升)了?约?(多少|几)")
# a growth rate named (GDP增长率, 出口增速): an answer states a change or the rate ("重庆从3万亿向4万亿迈进" states neither)
_GROWTH_RATE = re.compile(r"增长率|增速|[涨增降跌]幅")
_CHANGE = re.compile(r"下降|下跌|减少|降低|增长|上涨|提升|提高|增加|回落|上升|下滑|[降增升涨跌]至|[降增涨跌]幅|同比|环比|(?<![\d.])[+＋\-－]\d")
# who directed or starred: a sentence naming people without the part they played ("张译王俊凯上演…") is no answer
_ROLES = [(re.compile(r"导演|执导|\bdirect(ed|or)\b", re.IGNORECASE), re.compile(r"导演|执导|\bdirect", re.IGNORECASE)),
          (re.compile(r"主演|谁演|\bstarr?(ed|ing)\b", re.IGNORECASE),
           re.compile(r"主演|出演|饰演|扮演|领衔|\bstarr?(ed|ing|s)\b|\bplay(ed|s)\b", re.IGNORECASE)),
          (re.compile(r"编剧"), re.compile(r"编剧|执笔")),
          # a champion is named where someone wins: "公开赛在伯明翰结束了半决赛的争夺" names a city, no winner
          (re.compile(r"冠军|金牌|得主|夺冠|\b(won|winner|champion)\b", re.IGNORECASE),
           re.compile(r"冠军|夺冠|金牌|夺得|摘得|折桂|问鼎|称王|胜出|击败|战胜|加冕|卫冕|捧起|登顶|"
                      r"\b(won|wins|winner|champion|beat)", re.IGNORECASE))]
_ASKS_DESCRIPTION = re.compile(r"如何|怎样|怎么|什么|何|哪些|为什么|原因|趋势|变化|影响|\b(how|what|why|which)\b",
                               re.IGNORECASE)
_ASKS_EXPLANATION = re.compile(r"为什么|为何|原因|如何|怎样|怎么")
_ASKS_DATE = re.compile(r"哪天|哪一天|何时|什么时候|哪年|哪一年|几月|几号|日期|(?<!持续|多长|多少)时间(?!段|跨度)|"
                        r"\bwhen\b|what date|which (year|month|day)",
                        re.IGNORECASE)
# "是什么颜色": an answer names a colour ("花粉红色或红色", "体淡绿色"), not the word itself ("雄鱼颜色较鲜艳")
_ASKS_COLOUR = re.compile(r"颜色|什么色|何色|\bwhat colou?r\b|\bcolou?r of\b", re.IGNORECASE)
_COLOUR = re.compile(r"[红橙黄绿青蓝紫白黑灰褐棕粉银金赤]色|"
                     r"\b(red|orange|yellow|green|blue|purple|white|black|gr[ae]y|brown|pink|silver|gold)\b", re.IGNORECASE)
_COLOUR_WORDS = {"颜色", "color", "colour"}
# the noun after a word asking which names the kind asked: "什么政策", "什么行动", "哪一大洋区"; not "以什么为食"
_ASKS_WHICH = re.compile(r"什么|哪一|哪个|哪种|哪类|何种")
_KIND_NOUN_TAGS = {"n", "vn", "nz", "ns"}
# "属于什么科", "加盟了什么队", "在哪个组": an answer names one by that word ("通鳃鳗科", "凯尔特人队", "E组")
_ASKS_NAMED_KIND = re.compile(r"(?:什么|哪个|哪一|哪)([科属目纲队组河族语奖党军])(?=[？?]?$)")
_ASKS_PERSON = re.compile(r"谁|哪位|主演|导演|得主|\bwho\b", re.IGNORECASE)
_VERB_AFTER_WHERE = re.compile(r"在(哪里|哪儿|何处|何地|什么地方)([\u4e00-\u9fff]{2})")
_VERB_BEFORE_WHERE = re.compile(r"([\u4e00-\u9fff]{2})[在于](哪里|哪儿|何处|何地|什么地方|什么地区)")
_ASKS_PLACE = re.compile(r"哪里|哪儿|何地|(什么|哪个)(地方|地区)|哪个国家|哪国|哪个城市|哪座城市|哪个省|在哪(?![一个部场位种次年些家本首条届项支])|"
                         r"地点|\bwhere\b", re.IGNORECASE)
# jieba part-of-speech tags of names: people, places, organisations, other proper nouns, Latin words
_PERSON_TAGS = {"nr", "nrfg", "nrt", "eng"}
_PLACE_TAGS = {"ns", "eng"}
# nouns whose kind a question names by the word before them (GDP增长率), the tags of such words, and of names
_NOUN_TAGS = {"n", "nz"}   # not a verbal noun: "公司发售的游戏", "为什么单位工作" say who acts
_KIND_TAGS = {"n", "vn", "nz", "eng", "j", "l"}
_NAME_TAGS = {"ns", "nr", "nrt", "nrfg", "nt"}
# words of a sentence naming no other kind before such a noun: amounts, times, places, people, function words,
# verbs ("结束武馆" ends the 武馆 asked about)
_NOT_KIND_TAGS = {"m", "mq", "q", "t", "tg", "f", "x", "uj", "ul", "uz", "ud", "ug", "uv", "p", "c", "r",
                  "ns", "nr", "nrt", "nrfg", "v", "vd", "vi", "vg", None}
# a place's generic suffix: "安徽省" is written "安徽" too
_PLACE_SUFFIX = re.compile(r"(?<=..)(省|市|县|地区|自治区|特别行政区)$")
# a word asking which: the place after it is the kind asked ("哪个大洋区", "哪一大洋区"), none named
_WHICH = re.compile(r"哪|什么|何")
# words by which a Chinese sentence names China (not 国内: 国内生产总值 is any country's GDP)
_HOME_COUNTRY = ("我国", "全国", "中方")
_SIMILARITY_CHARS = 120   # a sentence's opening says what it is about; its tail costs embedding time
# words naming the asked kind itself: an answer holds a date, not the word 时间
_DATE_WORDS = {"时间", "日期", "date", "time"}
_PLACE_WORDS = {"地点", "地方", "location", "place"}
_NUMBER_WORDS = {"数量", "数目", "持续时间", "number"}
_KIND_WORDS = _DATE_WORDS | _PLACE_WORDS | _NUMBER_WORDS
# "推荐哪些公司", "which stocks does it recommend": the answer lists their names, seldom the word itself
_ASKS_COMPANIES = re.compile(r"(哪些|哪几家|哪家|哪一家)(上市)?(公司|企业|标的|个股)|"
                            r"\b(which|what)\s+(\w+\s+)?(companies|stocks|firms|names)\b", re.IGNORECASE)
_COMPANY_WORDS = {"公司", "企业", "标的", "个股", "上市", "上市公司", "company", "stock", "firm", "name"}
# the start (after indentation) of a line with words in it, not a "---" rule or a row of numbers
_WORDS_LINE = re.compile(r"^[^\S\n]*(?=[^\n]*[A-Za-z\u3400-\u9fff])", re.MULTILINE)
_SECTION_NAME_TERMS = 4   # a question naming more than this is about more than a section
_MAX_OPENING_CHARS = 1200   # a section's opening quoted when the question names only the section
_COVERED_REPORTS = 3   # reports of the best passages whose cover answers "when was it published", "who issued it"
# words naming which aspect is asked ("…的数值及意义是什么", "原因"), which an answer states rather than names
_ASPECT_WORDS = {"意义", "原因", "影响", "趋势", "表现", "作用", "特征", "数值", "背景", "前景", "变化", "范围"}
# words framing a question, not what it asks about: "报告中提到的…", "…通常是多久" (answered by "一般实施五年"),
# "叫什么" (answered by "本名廖羽翘", "又名…"), "指的是" (answered by "…成员国（下文简称海湾六国）", no 指 in it)
_FRAME_WORDS = {"提到", "提及", "通常", "一般", "往往", "叫", "指"}
_QUALIFYING = re.compile(r"(一般|通常)(?=的)")   # "一般的葵扇" asks about an ordinary fan
# where the name a sentence opens with ends: its first mark or verb of being ("萨默塞特郡（", "星河郡是")
_SUBJECT_END = re.compile(r"[，,。；;：:（(、\s]|是|为")
_MAX_SUBJECT_CHARS = 10
_NAME_CHECKED = 15   # top sentences whose names are checked (part-of-speech tagging is the slow part)
_HAS_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+(个(?!月)|家|倍|年|亿|万|%|成)|"
                         r"(?i:\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                         r"fifty|hundred|thousand|million|billion|dozen|half|twice|double)\b)")
# digits written with a leading zero are a code, no count ("施工03合同段")
_CODE = re.compile(r"(?<![\d.])0\d+")
# "一个原因", "一家公司": one as an article, not a count ("两个", "十一个", "一个多月" count)
_ARTICLE_ONE = re.compile(r"(?<![一二两三四五六七八九十百千万亿零\d第])一[个家](?![多半月])")
# a date, or a time of day ("上午9:30到下午6:30开放" says when it opens; a timestamp's "2023-08-08 09:19:05"
# dates a web page, not the event asked); a duration ("有着167年历史") is none
_HAS_DATE = re.compile(r"\d{1,4}\s*(年(?!历史|之久|左右|以上)|月|日|号)|[一二三四]季度|\b(19|20)\d\d\b|\b(Q[1-4]|H[12])\b|"
                       r"(?<![\d.:：])(?<!\d\s)\d{1,2}[:：]\d\d(?![\d:：])|(?<![\d.])\d{1,2}\s*[点时](?![\d个])|"
                       r"January|February|March|April|May|June|July|August|September|October|November|December",
                       re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# a value and the unit or label written with it (folded text): "1500米", "10月", "u14组"
_MEASURE = re.compile(r"(?<![a-z\d.])([a-z]*\d+(?:\.\d+)?)([\u4e00-\u9fff])")
_BOUND_BEFORE = re.compile(r"(超过|以上|高于|低于|不足|多于|少于|逾|近|约|前|后|至少|最多|不到|大于|小于)$")
_BOUND_AFTER = re.compile(r"(以上|以下|以内|左右|多|余)")
_NO_UNIT = set("年的是在和与及或等为了将被把对从到由")   # a year has its own check; "C919的" has no unit
# digits that count no quantity: a model's or a quarter's name ("玄芯 X3", "C919", "FP16", "Q2"), a list item's
# number ("1. 玄芯半导体"), a figure's label ("Exhibit 2 shows that utilisation has started to improve")
_MODEL_NAME = r"(?<![A-Za-z])[A-Za-z]+-?\d[\dA-Za-z]*"
# a dimension or a network generation ("2.5D封装", "3D", "5G") names a technology, no quantity
_TECHNOLOGY_NAME = r"(?<![\d.])\d+(?:\.\d+)?(?-i:[DG])(?![A-Za-z])"
_NO_QUANTITY = re.compile(rf"^[\s#*>]*({LIST_NUMBER})|{_MODEL_NAME}|{_TECHNOLOGY_NAME}|{FIGURE_MENTION.pattern}",
                          re.IGNORECASE)
# a question saying 报告 / report may call one by its title ("AI视频报告的核心观点")
_SPEAKS_OF_REPORT = re.compile(r"报告|研报|\breports?\b", re.IGNORECASE)
# where a figure's data come from: its 资料来源 / Source line answers
_ASKS_SOURCE = re.compile(r"来源|出处|出自|\bsources?\b|\bcome from\b", re.IGNORECASE)
# what a figure shows: "图表3显示了什么", "What does Table 1 show?"
_ASKS_FIGURE_CONTENT = re.compile(r"显示|展示|反映|说明|内容|\b(show|shows|depict|depicts|illustrate|illustrates)\b",
                                  re.IGNORECASE)
_CLAUSE = re.compile(r"[，,。；;！？!?]")
_ASKS_BACK = re.compile(r"[？?][\s”\"'」』）)]*$")
# a sentence wondering what, how much or who ("想要知道使用了什么处理器") restates a question, not its answer
_WONDERS = re.compile(r"什么|多少|哪些|哪个|哪里|为什么|谁")
_YEAR = re.compile(r"(19|20)\d\d")
_BEFORE_FIGURE_CHARS = 400   # text before a chunk holding a figure whose years still date the chunk
# a year a record is counted from dates nothing in the sentence: "创 2020 年11 月以来新低"
_SINCE_YEAR = re.compile(r"(19|20)\d\d\s*年[^，。；,;]{0,10}?以来")
# a date or a time of day (2021年, "2022的冬奥", 12月10日, 14时23分, 18:00, February 2, 2019) says when, not how much
_DATE_OF = re.compile(r"((19|20)\d\d\s*年\s*)?\d{1,2}\s*月(\s*\d{1,2}\s*[日号])?|\d{1,2}\s*[日号]|"
                      r"(19|20)\d\d\s*年(?!\s*\d)|(?<![\d.])(19|20)\d\d(?=的)|\d{1,2}\s*时(\s*\d{1,2}\s*分)?|\d{1,2}[:：]\d\d|"
                      rf"\b(?i:{MONTH})\s+\d{{1,2}}(,?\s+(19|20)\d\d)?\b|\b\d{{1,2}}\s+(?i:{MONTH})(\s+(19|20)\d\d)?\b")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
# "X是什么", "什么是X", "X的全称", "X有什么特点", "What is X?" ask what X is: a sentence opening with X and saying it
# ("X：…", "注：X为…", "X全称为…", "X的特点是…", "X is …") defines it
_ASKS_DEFINITION = [re.compile(r"(?P<term>.{1,30}?)(?:有(?:什么|哪些)|的)(?P<aspect>特点|特征|特性)(?:是什么|有哪些)?[？?]?"),
                    re.compile(r"(?:请问)?(?P<term>.{1,30}?)的(?:英文|中文)?(?:全称|全名)(?:是什么|是啥)?[？?]?"),
                    re.compile(r"(?:请问)?(?P<term>.{1,30}?)(?:的(?:定义|含义|意思))?(?:是什么|指什么|是指什么|是啥)(?:意思)?[？?]?"),
                    re.compile(r"(?:请问)?什么是(?P<term>.{1,30}?)[？?]?"),
                    re.compile(r"what (?:is|are) (?:an? |the )?(?P<term>.{1,60}?)\??"),
                    re.compile(r"what does (?:an? |the )?(?P<term>.{1,60}?) (?:mean|stand for)\??")]
_SAYS_WHAT_IT_IS = re.compile(r"\s*(\*\*)?\s*(的?(全称|全名)|[：:]|是|为|在于|指|即|系|,?\s+(is|are|refers? to|means?)\b)")
_LEADING_MARKS = re.compile(r"[\s#*>•·\-]*(注[：:])?\s*(\*\*)?")
_NUMBERING_TERM = re.compile(r"[\d一二三四五六七八九十第章节]+|[ivx]+")
_CAPITALISED = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z]+")   # "2023年IRONMAN": no \b before the I
_TITLED = re.compile(r"《([^》]+)》")
_HAS_WORD = re.compile(r"[A-Za-z0-9\u3400-\u9fff]")

SentenceEmbedder = Callable[[list[str]], np.ndarray]


@dataclass
class ScoredSentence:
    chunk: Chunk
    start: int
    end: int
    score: float
    coverage: float        # key-term weight held (terms in context at a discount), or dense similarity
    satisfies: bool        # holds the asked type (number/date) and the numbers the question names
    cross_lingual: bool
    anchored: bool = True  # across languages: shares a word with the question and writes the names it uses
    place_missing: bool = False   # the place the question names is not in the sentence or its context
    kinds_missing: tuple[str, ...] = ()   # nouns it shares with the question, whose modifier there it lacks

    def text(self, index: ReportIndex) -> str:
        return index.records[self.chunk.doc_name].document.text[self.start:self.end]


@dataclass
class _Question:
    idf: dict[str, float]
    concepts: list[tuple[tuple[str, ...], float]]   # a word's search tokens and its weight: counted once
    numbers: set[str]
    years: set[str]
    anchors: list[frozenset[str]]   # the question's rarest concepts: the thing it is about must be there
    figures: set[str]
    wants_number: bool
    figure_names: set[str]    # the figure whose value is asked (产量, 出生率): the answer names it, not another
    role: re.Pattern | None   # the part whose holder is asked (导演): the answer says who played it
    wants_date: bool
    wants_colour: bool
    kind_suffix: str        # the word an answer names its kind by ("科"), and the names ending in it the
    suffixed: set[str]      # question uses itself ("银河又叫什么河": 银河 is no answer)
    wants_names: set[str]     # part-of-speech tags an answer must hold a new word of (who / where)
    is_chinese: bool
    naming: dict[str, set[str]]   # report -> question terms its file name holds ("best", "buy")
    aliases: tuple[Alias, ...]    # figures the question names that go by other names (营收 / 营业收入)
    boilerplate: bool             # asks about a disclaimer, ratings or contacts
    in_statement: np.ndarray | None   # rows inside the financial statements the question names ...
    statement_terms: set[str]         # ... and the words it names them by, which such a row is about
    words: set[str]                   # its search terms and those of the other names of its figures
    defined: str                      # the term a "what is X" question asks about
    unknown_names: set[str]           # names no report in its language uses ("CATL"): it is about something else
    changed: str                      # what a "by how much did it change" question asks about (价格下降了多少: 价格)
    asks_rate: bool                   # asks the value of a growth rate
    measures: dict[str, set[str]]     # the values it names by unit (1500米, U14组): another one is another thing
    speaks_of_report: bool            # says "报告" / "report": may call one by its title ("AI视频报告")
    places: tuple[frozenset[str], ...]   # the places it names (美国, 重庆): a sentence about another answers nothing
    kinds: tuple[tuple[frozenset[str], str], ...]   # a noun it names and the search terms of the word naming which
                                                    # kind ("踩踏事故": 事故 and 踩踏): another kind answers nothing
    named_anchors: list[frozenset[str]]   # the names it uses that a report writes (玄芯 but not 产能, which has an
                                          # English word; "Kestrel"; "HBM3" in a Chinese question): a sentence in
                                          # the other language holds them only by writing them


def _concept_weight(group: tuple[str, ...], idf: dict[str, float], vocabulary: dict[str, int]) -> float:
    """A word's weight is its rarest indexed token's IDF (an unindexed compound cannot be held as such)."""
    known = [idf[t] for t in group if t in vocabulary]
    return max(known) if known else max(idf[t] for t in group)


def _can_anchor(group: tuple[str, ...]) -> bool:
    """Numbers and lone Chinese characters (给, 被) say too little to decide what a sentence is about."""
    word = group[-1]
    return not word.replace(".", "").isdigit() and not _lone_han(word)


def _can_share(group: tuple[str, ...]) -> bool:
    """A word two languages may share: a name, a version ("2.0"), a word by its other name; not a year or a
    lone Chinese character, which say nothing of what a sentence is about."""
    word = group[-1]
    return not _YEAR.fullmatch(word) and not _lone_han(word)


def _lone_han(word: str) -> bool:
    return len(word) == 1 and bool(HAN.match(word))


def _changed_thing(question: str) -> str:
    """The word before the change a question asks the size of ("价格下降了多少": 价格), or ""."""
    asked = _ASKS_CHANGE.search(question)
    words = tokenize(question[:asked.start()]) if asked else []
    return words[-1] if words else ""


def _states_change(asked: "_Question", sentence: str) -> bool:
    """A clause saying how something changed holds the value, or the clause after it does; when the sentence
    names the asked thing, a clause saying how that thing changed (the thing in it or the clause before).
    A sentence not naming it may name it otherwise (地区生产总值 for 经济)."""
    folded = fold(sentence)
    clauses = _CLAUSE.split(folded)
    about = asked.changed in folded
    return _value_in_clause_or_next(asked, clauses, [
        i for i, clause in enumerate(clauses)
        if _CHANGE.search(clause) and (not about or asked.changed in "，".join(clauses[max(i - 1, 0):i + 1]))])


def _value_in_clause_or_next(asked: "_Question", clauses: list[str], chosen: list[int]) -> bool:
    return any(_holds_asked_kind(asked, "，".join(clauses[i:i + 2])) for i in chosen)


def _which_kind(question: str) -> set[str]:
    """The search terms of the noun a question asks which one of ("分布于哪一大洋区": 大洋): an answer names
    one ("印度洋－西太平洋区") more often than it says the word."""
    asked = _ASKS_WHICH.search(question)
    words = tagged(question[asked.end():]) if asked else ()
    return set(tokenize(words[0][0])) if words and words[0][1] in _KIND_NOUN_TAGS else set()


def _suffixed(text: str, suffix: str) -> list[str]:
    """The word-and-suffix pairs of a text ("鳗科" in "通鳃鳗科的"): where it names something of that kind."""
    if not suffix:
        return []
    return [text[i - 1:i + 1] for i in range(1, len(text)) if text[i] == suffix and text[i - 1].isalnum()]


def _holds_asked_kind(asked: _Question, sentence: str) -> bool:
    """A number or date beyond those the question itself names (棉花产量的公告 of 2022 is not the 产量)
    and the digits of a list item's number or a model's name ("1. 玄芯半导体：…玄芯 X3" states no value);
    a date counts as a date, not as a quantity. A colour asked, a colour; a kind asked by its word (什么科),
    a name ending in it that the question does not use."""
    unasked = _NUMBER.sub(lambda m: "" if m.group() in asked.numbers else m.group(),
                          _NO_QUANTITY.sub("", sentence).translate(_FULL_WIDTH_DIGITS))
    return (not asked.wants_number or
            bool(_HAS_NUMBER.search(_ARTICLE_ONE.sub("", _CODE.sub("", _DATE_OF.sub("", unasked)))))) and \
           (not asked.wants_date or bool(_HAS_DATE.search(unasked))) and \
           (not asked.wants_colour or bool(_COLOUR.search(sentence))) and \
           (not asked.kind_suffix or any(name not in asked.suffixed for name in _suffixed(sentence, asked.kind_suffix)))


def _label_precision(asked: _Question, sentence: str) -> float:
    """The share of a table row's label words that the question uses: "Total assets" names what "how much
    were total assets" asks for exactly, "Total current assets" less so. 0 for a sentence that is no row."""
    label = sentence.split("\t", 1)[0] if "\t" in sentence else ""
    words = set(tokenize(label))
    return len(words & asked.words) / len(words) if words else 0.0


def _defined_term(question: str) -> str:
    """What a "what is X" question asks to be defined (folded), or ""."""
    folded = fold(question)
    match = next((m for p in _ASKS_DEFINITION if (m := p.fullmatch(folded))), None)
    if not match:
        return ""
    aspect = match.groupdict().get("aspect")   # "X有什么特点" is answered by "X的特点是…"
    return f"{match.group('term')}的{aspect}" if aspect else match.group("term")


def _defines(term: str, sentence: str) -> bool:
    """Whether the sentence opens with the term and goes on to say what it is."""
    if not term:
        return False
    folded = fold(sentence)
    folded = folded[_LEADING_MARKS.match(folded).end():]
    return folded.startswith(term) and bool(_SAYS_WHAT_IT_IS.match(folded, len(term)))


def _names_in(question: str) -> set[str]:
    """The search terms of the capitalised words past a question's first and of its acronyms ("CATL")."""
    words = _CAPITALISED.findall(question)
    return {t for word in words[1:] + [w for w in words[:1] if w.isupper()] for t in tokenize(word)}


def _named_concepts(question: str, groups: list[tuple[str, ...]], vocabulary: dict[str, int]) -> list[frozenset[str]]:
    """The names a question uses that some report writes: capitalised words and acronyms ("Kestrel", "HBM"),
    in a Chinese question a word jieba's dictionary does not know (玄芯) or a title in 《》 (《重生之门》),
    unless it has another name (评级: rating), and any Chinese word in an English question ("the target price of
    玄芯半导体"). 产能 or 份额 are words an English sentence says its own way."""
    latin = _names_in(question)
    chinese = is_chinese(question)
    titled = {t for title in _TITLED.findall(question) for t in tokenize(title)}
    aliased = {t for alias in aliases_in(question) for t in alias.terms}
    return [frozenset(group) for group in groups if any(t in vocabulary for t in group) and (
        set(group) & latin or chinese and not set(group) & aliased
        and any(HAN.match(t) and (t in titled or not in_dictionary(t)) for t in group)
        or not chinese and any(HAN.match(t) for t in group))]


def _places_in(question: str) -> tuple[frozenset[str], ...]:
    """The places a question names, each as the names a sentence may call it by: folded, without a generic
    suffix (安徽省: 安徽), a shorter name within it (沙特阿拉伯: 沙特), 中国 as 我国 or 全国 (and the reverse)."""
    places, before = [], ""
    for word, flag in tagged(question):
        asked, before = bool(_WHICH.search(before)), word   # "分布在哪个大洋区": the kind asked, none named
        if (flag == "ns" and len(word) > 1 or word in _HOME_COUNTRY) and not asked:
            place = "中国" if word in _HOME_COUNTRY else _PLACE_SUFFIX.sub("", fold(word))
            shorter = {t for t in tokenize(place) if len(t) > 1 and dictionary_tag(t) in {"ns", "nr", "nrt"}}
            places.append(frozenset({place} | shorter | (set(_HOME_COUNTRY) if place == "中国" else set())))
    return tuple(dict.fromkeys(places))


def _kinds_in(question: str) -> tuple[tuple[frozenset[str], str], ...]:
    """The nouns of a Chinese question with the word before them naming which kind ("GDP增长率", "踩踏事故"), not
    which place, time or amount (places have their own check). A verb names a kind inside a run of nouns
    ("寺庙踩踏事故"), elsewhere it acts on the noun ("为什么关闭武馆", "会认为补贴")."""
    words = (("", "x"),) + tagged(question)
    return tuple((frozenset(tokenize(modifier)), noun)
                 for (_, before_tag), (modifier, modifier_tag), (noun, noun_tag) in zip(words, words[1:], words[2:])
                 if noun_tag in _NOUN_TAGS and len(noun) > 1 and noun not in _KIND_WORDS and len(modifier) > 1
                 and (modifier_tag in _KIND_TAGS or modifier_tag == "v" and before_tag in _KIND_TAGS | _NAME_TAGS)
                 and tokenize(modifier))   # "哪几个国家": a word asking which names no kind


def _other_kind(question: str, nouns: tuple[str, ...], sentence: str) -> bool:
    """Whether the sentence names one of the nouns as another kind than the question does: after a word the
    question does not use ("交通事故" for a question on a 踩踏事故, "自然增长率" for the GDP增长率)."""
    known = fold(question)
    words = tagged(sentence)
    for (before, before_tag), (word, _) in zip((("", "x"),) + words, words):
        for noun in nouns:
            if word == noun:
                modifier, tag = before, before_tag
            elif word.endswith(noun) and len(word) > len(noun):
                modifier = word[: -len(noun)]
                tag = dictionary_tag(modifier)
            else:
                continue
            if len(modifier) > 1 and HAN.match(modifier) and tag not in _NOT_KIND_TAGS and fold(modifier) not in known:
                return True
    return False


@lru_cache(maxsize=1 << 12)   # the paragraphs of the best passages open again for each question
def _subject_terms(sentence: str) -> frozenset[str]:
    """The search terms of the name a Chinese sentence opens with, before its first verb of being or mark
    ("萨默塞特郡（…），英国…的郡": 萨默塞特郡), when short enough to be a name."""
    subject = _SUBJECT_END.split(sentence.lstrip(), 1)[0]
    return frozenset(tokenize(subject)) if 1 < len(subject) <= _MAX_SUBJECT_CHARS and HAN.match(subject) \
        else frozenset()


def _names_place(places: tuple[frozenset[str], ...], text: str) -> bool:
    return any(name in text for names in places for name in names)


def _placing_verbs(question: str) -> set[str]:
    """The verb a where-question places ("在哪里栖息", "分布在什么地方"): a sentence saying where it happens
    ("栖息在珊瑚礁") answers with a place no gazetteer names."""
    after = _VERB_AFTER_WHERE.search(question)
    return {after.group(2)} if after else {m.group(1) for m in _VERB_BEFORE_WHERE.finditer(question)}


@cache
def _authorship_terms() -> set[str]:
    """Search terms of asking who wrote or issued a report, or when."""
    return set(tokenize("发布 发表 撰写 编写 编制 制作 出具 作者 机构 研报 哪一年 何时 哪天 日期 写 执笔 分析师 研究员 "
                        "published wrote written authored issued prepared authors publisher when date analysts"))


@cache
def _person_asking_terms() -> set[str]:
    """Search terms of asking who someone is or how to reach them."""
    return set(tokenize("谁 是 哪位 邮箱 电话 手机 联系 联系方式 方式 证书 编号 执业 资格 职位 身份 "
                        "who is email mail phone contact licence license number role"))


@cache
def _section_asking_terms() -> set[str]:
    """Search terms of asking what a section says."""
    return set(tokenize("说 讲 写 谈 内容 主要 概括 总结 部分 章节 一节 一章 "
                        "say says said cover covers discuss discusses tell section part chapter key main"))


@lru_cache(maxsize=1 << 16)   # every question looks at the headings of its best reports
def _heading_terms(heading: str) -> frozenset[str]:
    """A heading's search terms without its numbering ("第一章", "四", "7")."""
    return frozenset(t for t in tokenize(heading) if not _NUMBERING_TERM.fullmatch(t))


def _in_heading(terms: set[str], heading: frozenset[str], aliases: tuple[Alias, ...]) -> set[str]:
    """The question's terms, a name the heading uses in place of the question's ("风险提示" for "risks")."""
    for alias in aliases:
        other = next((o for o in alias.alternatives if o <= heading), None)
        if other is not None and alias.terms <= terms:
            terms = (terms - alias.terms) | other
    return terms


def _opening(record: DocumentRecord, section: Section) -> tuple[int, int] | None:
    """The span of a section's first paragraph (or list) under its heading and any sub-headings, cut at a
    sentence end when longer than a quote should be."""
    text = record.document.text
    headings = {s.start for s in record.sections}
    lines = (m for m in _WORDS_LINE.finditer(text, section.start, section.end) if m.start() not in headings)
    body = next(lines, None)   # none: a heading with nothing under it but sub-headings or a "---" rule
    if not body:
        return None
    start = body.start()
    limit = min(section.end, start + _MAX_OPENING_CHARS)
    end = list_or_paragraph_end(text, start, limit)
    if end == start:   # a paragraph longer than the limit: its sentences that fit
        end = max((e for _, e in sentence_spans(text, start, limit)[:-1]), default=limit)
    return start, end


def _running_header_chunk(record: DocumentRecord) -> tuple[int, int] | None:
    """The span of the chunk holding the report's running header and footer lines (the chunker keeps
    those of its first page, where its stored furniture starts), if it has any."""
    first = min((start for start, _ in record.document.furniture), default=None)
    chunk = next((c for c in record.chunks if c.start == first), None)
    return (chunk.start, chunk.end) if chunk else None


def _full_answer(record: DocumentRecord, span: tuple[int, int] | None) -> list[ScoredSentence]:
    """A span that answers on its own (a cover line or entry, a figure or its source line, a section's
    opening), as the best sentence of the chunk it starts in; none when there is no span."""
    chunk = next((c for c in record.chunks if span and c.start <= span[0] < c.end), None)
    return [ScoredSentence(chunk, span[0], span[1], 2.0, 1.0, True, False)] if chunk else []


def _values_of_other_years(asked: _Question, sentence: str) -> bool:
    """Whether every value a sentence states comes after it has named years (in its clause or before), none of them
    asked ("2023年春节档期总票房达67.57亿元，超越2022年春节档…" gives 2023's box office, not 2022's; "2023年1-11月，
    ROFCI的月度平均值从2022年的42.83微降至42.33" gives 2023's)."""
    dated: set[str] = set()
    for clause in _CLAUSE.split(sentence):
        dated |= _years(clause)
        if _holds_asked_kind(asked, clause) and (not dated or asked.years & dated):
            return False
    return bool(dated)


def _years(text: str) -> set[str]:
    return {n for n in _numbers(text) if _YEAR.fullmatch(n)}


def _numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text.translate(_FULL_WIDTH_DIGITS)))


def _measures(text: str) -> dict[str, set[str]]:
    """A folded Chinese text's values by the unit or label they are written with ("1500米", "10月", "u14组"),
    years aside (their own check) and bounds aside ("超过100亿元" names no one value)."""
    measures: dict[str, set[str]] = {}
    for match in _MEASURE.finditer(text):
        value, unit = match.groups()
        bound = _BOUND_BEFORE.search(text, 0, match.start()) or _BOUND_AFTER.match(text, match.end())
        if unit not in _NO_UNIT and not _YEAR.fullmatch(value) and not bound:
            measures.setdefault(unit, set()).add(value)
    return measures


def _names_other_measure(asked: dict[str, set[str]], folded: str) -> bool:
    """Whether a (folded) sentence names another value of a unit the question names a value of, and not the
    question's ("男子500米金牌" for the 1500米, "U10组" for the U14组): it is about that other one."""
    written = _measures(folded)
    return any(unit in written and not written[unit] & values for unit, values in asked.items())


def _asked_numbers(question: str) -> set[str]:
    """The values a question names: a name's digits are none ("HBM3", "Q2"), except a fiscal year's ("FY2018")."""
    names = re.findall(_MODEL_NAME, question)
    return _numbers(re.sub(_MODEL_NAME, " ", question)) | {y for name in names for y in _years(name)}


class SentenceReranker:
    def __init__(self, index: ReportIndex, settings: RerankSettings):
        self.index = index
        self.settings = settings
        self._people: dict[str, list[tuple[str, int, int]]] = {}   # report -> its cover's author entries

    @staticmethod
    def warm_up() -> None:
        """Load jieba's part-of-speech tables, which the place and name checks use (a quarter second)."""
        tagged("预热")

    def rerank(self, question: str, candidates: list[Passage], query_vector: np.ndarray,
               embed: SentenceEmbedder | None, top_k: int,
               answers: Callable[[ScoredSentence], bool]) -> tuple[list[Passage], list[ScoredSentence]]:
        """The top_k passages by fused score plus best-sentence score, and all sentences best first.
        When no sentence answers (`answers` says of the best), the sentences say less about which passage
        is right and the retrieval order counts for more."""
        sentences = self.score_sentences(question, candidates, query_vector, embed)
        best: dict[int, float] = {}
        for item in sentences:
            best[item.chunk.chunk_id] = max(best.get(item.chunk.chunk_id, 0.0), item.score)
        top_fused = max((p.score for p in candidates), default=1.0) or 1.0
        answered = bool(sentences) and answers(sentences[0])
        weight = self.settings.sentence_weight if answered else self.settings.unanswered_sentence_weight
        rescored = sorted(((p.score / top_fused + weight * best.get(p.chunk.chunk_id, 0.0), p)
                           for p in candidates), key=lambda pair: -pair[0])
        passages = [Passage(rank, score, p.chunk) for rank, (score, p) in enumerate(rescored[:top_k], start=1)]
        return passages, sentences

    def score_sentences(self, question: str, passages: list[Passage], query_vector: np.ndarray,
                        embed: SentenceEmbedder | None) -> list[ScoredSentence]:
        asked = self._analyse(question)
        if not asked.concepts:
            return []
        scored: list[ScoredSentence] = []
        cross: list[ScoredSentence] = []
        for passage in passages:
            record = self.index.records[passage.chunk.doc_name]
            for item in self._score_passage(asked, passage, record):
                (cross if item.cross_lingual else scored).append(item)
        if cross and embed is not None:
            # embedding is the slow part: sentences sharing a word with the question (see `anchored`), of the
            # asked kind (a number, a date) and sharing most of its terms ("Lingying 2.0 API") first
            cross = sorted((s for s in cross if s.anchored),
                           key=lambda s: (not s.satisfies, -s.score))[: self.settings.max_cross_lingual_sentences]
            self._score_by_similarity(cross, query_vector, embed)
            scored.extend(cross)
        scored.sort(key=lambda s: -s.score)
        if asked.places or asked.kinds:
            self._check_places(question, scored[:_NAME_CHECKED])
            self._check_kinds(question, scored[:_NAME_CHECKED])
            scored.sort(key=lambda s: -s.score)
        if asked.wants_names and asked.is_chinese:
            self._check_names(question, asked, scored[:_NAME_CHECKED])
            for item in scored[_NAME_CHECKED:]:   # unchecked: no evidence of a name
                item.satisfies = False
        # answers of their own, added after the name check (an issuer is no person): the cover entry of the
        # person asked about, a figure or its source line, the report's cover, or the opening of the one
        # section a question asking no value names
        when, writers = asks_when_published(question), asks_who_wrote(question)
        people = self._author_entries(question, passages)
        if people:
            scored.extend(people)
        elif asked.figures and _ASKS_SOURCE.search(question):
            scored.extend(self._figure_parts(asked, passages, whole=False))
        elif asked.figures and _ASKS_FIGURE_CONTENT.search(question) and not (asked.wants_number or asked.wants_date):
            scored.extend(self._figure_parts(asked, passages, whole=True))
        elif when or writers or asks_who_published(question):
            scored.extend(self._cover_lines(question, asked, passages, when, writers))
        elif not (asked.wants_number or asked.wants_date or asked.wants_names):
            scored.extend(self._section_openings(asked, passages))
        scored.sort(key=lambda s: (not s.satisfies, -s.score))   # a sentence of the asked kind first
        return scored

    def _section_openings(self, asked: _Question, passages: list[Passage]) -> list[ScoredSentence]:
        """A question naming nothing but a section ("报告摘要说了什么", "What are the risks in the semiconductor
        report?") is answered by the section's opening paragraph or list, in the reports it names or else
        those of the best passages. A section name counts in either language ("risks" names 风险提示)."""
        named = set(asked.idf) - _section_asking_terms()
        openings = []
        for record in self._asked_reports(asked, passages):
            # the words a question calls the report by ("the AI video report", "AI视频报告": its file name or
            # title) name no section
            naming = asked.naming.get(record.document.name, set()) | \
                (set(tokenize(record.title)) if record.document.name in asked.naming or asked.speaks_of_report else set())
            own = named - naming
            if not own or len(own) > _SECTION_NAME_TERMS:
                continue
            fitting = [(len(heading - terms), s) for s in record.sections if s.kind == "body"
                       for heading in [_heading_terms(s.heading)] for terms in [_in_heading(own, heading, asked.aliases)]
                       if terms and terms <= heading and 2 * len(terms) >= len(heading)]   # it names most of the heading
            section = min(fitting, key=lambda pair: pair[0])[1] if fitting else None   # "风险提示" over "投资建议与风险提示"
            openings += _full_answer(record, _opening(record, section) if section else None)
        return openings

    def _figure_parts(self, asked: _Question, passages: list[Passage], whole: bool) -> list[ScoredSentence]:
        """A figure the question names, in the reports of the best passages, as a full answer: what it shows
        (its caption, lines and source) or where its data come from (its 资料来源 / Source line)."""
        parts = []
        for record in self._covered_reports(passages):
            for figure in record.figures:
                if figure.label in asked.figures and (whole or figure.source):
                    start = figure.start if whole else \
                        max(record.document.text.rfind("\n", figure.start, figure.end) + 1, figure.start)
                    parts += _full_answer(record, (start, figure.end))
        return parts

    def _cover_lines(self, question: str, asked: _Question, passages: list[Passage], when: bool,
                     writers: bool) -> list[ScoredSentence]:
        """When a report was published, who wrote or who issued it: the cover line its date is read from,
        its cover's analyst lines, or else its running header (which names the issuer on every page), its
        disclaimer's "本报告由…编制" or its cover line naming the firm; of the reports the question names or else
        those of the best passages, as a full answer; unless the question names more than the report
        ("哪家机构发布的报告显示全球经济放缓" asks whose report a body sentence cites)."""
        lines = []
        named = set(tokenize(question)) - _authorship_terms()
        for record in self._asked_reports(asked, passages):
            if not named - set(tokenize(f"{record.title} {record.document.name}")) - \
                    asked.naming.get(record.document.name, set()):   # "电池报告": named by its file name's word
                lines += _full_answer(record, report_date_line(record.document) if when else
                                      (writers and report_author_lines(record.document)) or
                                      _running_header_chunk(record) or report_issuer_span(record.document))
        return lines

    def _author_entries(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        """Who someone named on a cover is, or how to reach them ("谁是许嘉禾", "许嘉禾的邮箱"): their line of the
        author block with its details, in the reports of all candidate passages, as a full answer; only when
        the question asks nothing else about them."""
        folded = fold(question)
        entries = []
        for name in dict.fromkeys(p.chunk.doc_name for p in passages):
            record = self.index.records[name]
            if name not in self._people:   # read once: every question looks at its candidates' covers
                self._people[name] = author_entries(record.document)
            for person, start, end in self._people[name]:
                person = fold(person)
                if len(person) > 1 and person in folded and \
                        not set(tokenize(re.sub(re.escape(person) + r"(['’]s)?", " ", folded))) - _person_asking_terms():
                    entries += _full_answer(record, (start, end))
        return entries

    def _asked_reports(self, asked: _Question, passages: list[Passage]) -> list[DocumentRecord]:
        """The reports the question names ("the semiconductor report"), or else those of the best passages."""
        named = [self.index.records[name] for name in sorted(asked.naming)]
        return (named or self._covered_reports(passages))[:_COVERED_REPORTS]

    def _covered_reports(self, passages: list[Passage]) -> list[DocumentRecord]:
        """The reports of the best passages, whose cover, figures or sections may answer on their own."""
        return [self.index.records[name] for name in dict.fromkeys(p.chunk.doc_name for p in passages[:_COVERED_REPORTS])]

    def _check_places(self, question: str, items: list[ScoredSentence]) -> None:
        """A sentence out of reach of the places a question names that names another place is about that one
        ("预计 2024 年日本经济增速" for the US's growth, "菲律宾…GDP增长率" for China's): it answers nothing."""
        known = fold(question)
        for item in items:
            if item.place_missing:
                sentence = item.text(self.index)
                if any(flag == "ns" and len(word) > 1 and fold(word) not in known for word, flag in tagged(sentence)):
                    item.satisfies = False
                    item.score *= self.settings.missing_anchor_factor

    def _check_kinds(self, question: str, items: list[ScoredSentence]) -> None:
        """A sentence naming the question's noun as another kind, without the question's word for its kind, is
        about that other thing ("交通事故…10人死亡" for the deaths in a 踩踏事故): it answers nothing."""
        for item in (item for item in items if item.kinds_missing):
            sentence = item.text(self.index)
            if _other_kind(question, item.kinds_missing, sentence):
                item.satisfies = False
                item.score *= self.settings.missing_anchor_factor

    def _check_names(self, question: str, asked: _Question, items: list[ScoredSentence]) -> None:
        """A who/where answer must name someone or somewhere the question does not already name; asked who
        played a part (导演), in the clause that names the part ("导演也透露" names no director)."""
        known = set(question)
        placing = _placing_verbs(question) if asked.wants_names & _PLACE_TAGS else set()
        for item in items:
            sentence = item.text(self.index)
            clauses = [c for c in _CLAUSE.split(sentence) if asked.role.search(c)] if asked.role else [sentence]
            named = any(flag in asked.wants_names and not set(word) <= known
                        for clause in clauses for word, flag in tagged(clause)) \
                or any(verb + preposition in sentence for verb in placing for preposition in "在于")
            item.satisfies = item.satisfies and named
            item.score += 0.1 * named

    def _analyse(self, question: str) -> _Question:
        """What the question asks; its instructions ("Answer in USD millions", "using the balance sheet") name
        the financial statement to read, never terms a quote must hold."""
        bm25 = self.index.bm25
        asked_words = asked_part(question)
        named = self.index.names.named_by(question) if statements_named(question) else set()
        within = self.index.rows_of(sorted(named)) if named else None   # the named reports' statements only
        wants_number = bool(_ASKS_NUMBER.search(question) or _NAMES_FIGURE_EN.search(question)) or bool(
            _NAMES_FIGURE.search(question) and not _ASKS_DESCRIPTION.search(question))
        wants_date = bool(_ASKS_DATE.search(question))
        wants_place = bool(_ASKS_PLACE.search(question))
        wants_colour = bool(_ASKS_COLOUR.search(question))
        named_kind = _ASKS_NAMED_KIND.search(question.strip())
        kind_suffix = named_kind.group(1) if named_kind else ""
        kind_words = (_NUMBER_WORDS if wants_number else set()) | (_DATE_WORDS if wants_date else set()) | \
                     (_COLOUR_WORDS if wants_colour else set()) | \
                     (_PLACE_WORDS if wants_place else set()) | \
                     (_COMPANY_WORDS if _ASKS_COMPANIES.search(question) else set())
        framing = _FRAME_WORDS - set(_QUALIFYING.findall(asked_words))
        groups = dict.fromkeys(tuple(t for t in group if t not in kind_words and t not in framing)
                               for group in term_groups(asked_words))
        idf = {t: bm25.term_idf(t) for group in groups for t in group}
        asked_kind = _which_kind(asked_words)
        concepts = [(group, _concept_weight(group, idf, bm25.vocabulary) *
                     (self.settings.aspect_weight if group[-1] in _ASPECT_WORDS | asked_kind else 1.0))
                    for group in groups if group]
        rarest = max((w for group, w in concepts if any(t in bm25.vocabulary for t in group)), default=0.0)
        return _Question(
            idf=idf,
            concepts=concepts,
            anchors=[frozenset(group) for group, w in concepts if w >= self.settings.anchor_idf_share * rarest
                     and any(t in bm25.vocabulary for t in group) and _can_anchor(group)],
            numbers=_asked_numbers(question),
            years=_years(question),
            figures=set(figure_mentions(question)),
            wants_number=wants_number,
            figure_names={fold(m.group()) for m in _NAMED_FIGURE.finditer(question)} if wants_number else set(),
            role=next((says for asks, says in _ROLES if asks.search(question)), None),
            wants_date=wants_date,
            wants_colour=wants_colour,
            kind_suffix=kind_suffix,
            suffixed=set(_suffixed(question, kind_suffix)),
            wants_names=(_PERSON_TAGS if _ASKS_PERSON.search(question) else set()) |
                        (_PLACE_TAGS if wants_place else set()),
            is_chinese=is_chinese(question),
            naming=self.index.names.naming_terms(question),
            boilerplate=asks_about_boilerplate(question),
            aliases=aliases_in(question),
            in_statement=statement_rows_asked(self.index, question, within),
            statement_terms=set(tokenize(" ".join(statements_named(question).values()))),
            words=set(idf).union(*(other for alias in aliases_in(question) for other in alias.alternatives)),
            defined=_defined_term(question),
            unknown_names={w for w in _names_in(asked_words) if w not in bm25.vocabulary},
            changed=_changed_thing(question) if wants_number else "",
            asks_rate=wants_number and bool(_GROWTH_RATE.search(question)),
            # asked why or how, a sentence may answer by another one ("城巴85线的班次较本线疏落")
            measures=_measures(fold(asked_words)) if is_chinese(question) and not _ASKS_EXPLANATION.search(question)
            else {},
            speaks_of_report=bool(_SPEAKS_OF_REPORT.search(question)),
            # asked where, an answer names another place
            places=_places_in(asked_words) if is_chinese(question) and not wants_place else (),
            kinds=_kinds_in(asked_words) if is_chinese(question) else (),
            named_anchors=_named_concepts(asked_words, [group for group, _ in concepts], bm25.vocabulary),
        )

    def _score_passage(self, asked: _Question, passage: Passage, record: DocumentRecord) -> list[ScoredSentence]:
        chunk = passage.chunk
        text = record.document.text
        naming_terms = asked.naming.get(chunk.doc_name, set())   # a report the question names: its file name counts
        title_terms = set(tokenize(record.title)) | naming_terms
        section_terms: dict[tuple[str, ...], set[str]] = {}
        total = sum(w for _, w in asked.concepts)
        cross_lingual = asked.is_chinese != is_chinese(chunk.text)
        in_statement = asked.in_statement is not None and bool(asked.in_statement[self.index.row_of_id[chunk.chunk_id]])
        items = []
        previous_terms: frozenset[str] = frozenset()
        paragraph, subject_terms = -1, frozenset()   # the subject a paragraph opens with: what its sentences are about
        section_names: dict[tuple[str, ...], str] = {}   # title and headings, folded: where a place may be named
        previous = ""   # the previous sentence, folded
        title_numbers = _numbers(f"{record.title} {chunk.doc_name if naming_terms else ''}")   # 3M's 3, its year
        # the years near: the chunk and its section path, and the text before a figure it holds (a figure set
        # in the flow of a paragraph starts a chunk, the year before it still dates what follows)
        before = text[max(0, chunk.start - _BEFORE_FIGURE_CHARS):chunk.start] if chunk.figures else ""
        chunk_numbers = _numbers(f"{before} {chunk.text} {' '.join(chunk.section_path)}") | title_numbers
        for start, end, terms in self.index.sentences(chunk):
            sentence = text[start:end]
            path = tuple(section_at(record, start))
            if path not in section_terms:
                section_terms[path] = set(tokenize(" ".join(path)))
                section_names[path] = fold(" ".join((record.title, *path))) if asked.places else ""
            lead_in = max(text.rfind("\n", chunk.start, start) + 1, chunk.start)   # its paragraph, within the chunk
            if lead_in != paragraph:
                paragraph, subject_terms = lead_in, _subject_terms(sentence)
            context = title_terms | section_terms[path] | previous_terms | subject_terms | \
                (asked.statement_terms if in_statement else set())
            previous_terms = terms
            folded = fold(sentence) if asked.places or asked.measures else ""
            place_missing = bool(asked.places) and not _names_place(
                asked.places, f"{section_names[path]} {previous} {folded}")
            previous = folded
            bare = sentence.strip("#* \n")
            if len(sentence) < 4 or SOURCE_LINE.match(sentence) or bare in path or bare == record.title \
                    or not _HAS_WORD.search(sentence):
                continue   # a heading or the title names, never answers; nor does a "| --- |" rule
            credit = {t: 1.0 if t in terms else self.settings.title_weight if t in title_terms
                      else self.settings.context_weight if t in context else 0.0 for t in asked.idf}
            self._credit_aliases(asked.aliases, terms, context, credit)
            held = sum(min(weight, max(asked.idf[t] * credit[t] for t in group))
                       for group, weight in asked.concepts) / total
            lead_numbers = _numbers(text[lead_in:end]) if asked.numbers else set()
            numbers_ok = not asked.numbers or (   # values in the sentence or its lead-in; years anywhere near,
                asked.numbers - asked.years <= lead_numbers | _numbers(" ".join(path)) | title_numbers
                and asked.years <= chunk_numbers   # and no sentence dated only to other years
                and not (asked.years and _years(_SINCE_YEAR.sub(" ", sentence))
                         and not asked.years & lead_numbers)
                and not (asked.measures and _names_other_measure(asked.measures, folded))
                and not (asked.years and asked.wants_number and _values_of_other_years(asked, sentence)))
            type_ok = _holds_asked_kind(asked, sentence)
            names_figure = bool(asked.figures & set(figure_mentions(sentence)))
            label_precision = _label_precision(asked, sentence)
            score = held + 0.1 * type_ok + 0.1 * (numbers_ok and bool(asked.numbers)) + 0.3 * (names_figure or in_statement) \
                + 0.05 * label_precision + 0.1 * _defines(asked.defined, sentence)
            if chunk.kind == "boilerplate" and not asked.boilerplate:
                score *= 0.5
            # across languages a sentence shares a word with the question at least (by its name there: 算力,
            # computing power), a year aside: the model rates "| 2027E | 91 |" close to "2027年智能算力规模"
            anchored = not cross_lingual or (all(any(credit[t] for t in anchor) for anchor in asked.named_anchors) and
                                             any(credit[t] for group, _ in asked.concepts if _can_share(group)
                                                 for t in group))
            anchors_ok = not asked.unknown_names and (cross_lingual or (   # across languages: `anchored`
                names_figure or all(any(credit[t] for t in anchor) for anchor in asked.anchors)))
            if asked.naming and chunk.doc_name not in asked.naming:
                # a question naming a report ("Amazon's FY2019 net income") is about it: another's look-alike
                # row ("Net income attributable to common shareholders" of American Water Works) is not
                anchors_ok = False
                score *= self.settings.missing_anchor_factor
            # a row of the statement the question names, labelled mostly in its words ("Net income" for "net income
            # attributable to shareholders, using the income statement"), is what it points at, as a figure named is
            names_row = in_statement and label_precision >= 0.5
            coverage = (held + 0.5 * (names_figure or names_row)) * \
                (1.0 if anchors_ok else self.settings.missing_anchor_factor)
            asks_back = _ASKS_BACK.search(sentence) is not None or bool(_WONDERS.search(sentence))
            type_ok = type_ok and self._names_asked_figure(asked, sentence, credit) and \
                (not asked.changed or _states_change(asked, sentence)) and \
                (not asked.asks_rate or bool(_CHANGE.search(sentence) or _GROWTH_RATE.search(sentence))) and \
                (asked.role is None or bool(asked.role.search(sentence)))
            # an English sentence holds a Chinese name an English question uses only by writing it
            writes_names = asked.is_chinese or cross_lingual or all(
                any(credit[t] for t in anchor) for anchor in asked.named_anchors if any(HAN.match(t) for t in anchor))
            items.append(ScoredSentence(chunk, start, end, score, coverage,
                                        type_ok and numbers_ok and not asks_back and writes_names,
                                        cross_lingual, anchored, place_missing,
                                        tuple(noun for terms, noun in asked.kinds
                                              if noun in sentence and not any(credit.get(t) for t in terms))))
        return items

    @staticmethod
    def _names_asked_figure(asked: _Question, sentence: str, credit: dict[str, float]) -> bool:
        """A value belongs to the figure its sentence names: 播种面积 4500万亩 is no 棉花产量, 出生人口 no 出生率;
        and it is stated in the clause naming the figure or the next one ("对全国31个省的统计调查，2022年全国棉花
        播种面积、单位面积产量和总产量 ..." gives no 产量)."""
        if not asked.figure_names:
            return True
        folded = fold(sentence)
        if not any(name in folded or all(credit.get(t, 0.0) == 1.0 for t in tokenize(name))
                   for name in asked.figure_names):
            return False
        clauses = _CLAUSE.split(folded)
        naming = [i for i, clause in enumerate(clauses) if any(name in clause for name in asked.figure_names)]
        return not naming or _value_in_clause_or_next(asked, clauses, naming)

    def _credit_aliases(self, aliases: tuple[Alias, ...], terms: frozenset[str], context: set[str],
                        credit: dict[str, float]) -> None:
        """A sentence naming the figure another way (营业收入 for 营收) holds the question's name of it; one
        holding a word of the name alone ("capital losses" for "capital expenditure") does not."""
        for alias in aliases:
            asked = alias.terms & credit.keys()
            held = max((1.0 if other <= terms else self.settings.context_weight if other <= terms | context else 0.0
                        for other in alias.alternatives), default=0.0)
            held = max(held, min((credit[term] for term in asked), default=0.0))
            for term in asked:
                credit[term] = held

    def _score_by_similarity(self, items: list[ScoredSentence], query_vector: np.ndarray,
                             embed: SentenceEmbedder) -> None:
        """Across languages, the question's dense similarity to each sentence replaces term overlap. E5
        similarities crowd into 0.7-0.95, so for scoring they are spread onto the coverage scale (0.7 -> 0,
        0.95 -> 1): otherwise any sentence in the other language outranks a half-covering one in the question's."""
        texts = [i.text(self.index)[:_SIMILARITY_CHARS] for i in items]
        similarities = embed(texts) @ query_vector
        low, high = self.settings.similarity_range
        for item, similarity in zip(items, similarities):
            # a sentence holding the question's terms by their other names or as shared names ("rating": 评级,
            # "AI", "video" in the title) holds them, however the model rates the pair
            item.coverage = max(float(similarity), item.coverage)
            item.score = max((float(similarity) - low) / (high - low) + 0.1 * item.satisfies, item.score)
        items.sort(key=lambda item: -item.coverage)   # of equal scores, the one the model or its terms rate higher
