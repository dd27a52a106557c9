"""Document text -> report structure: title, section tree, figure/table captions, block kinds.

Headings are recognised by their numbering style (`一、` `（一）` `1.` `1）` `第X章`, Markdown `#`,
`1.1`, ALL CAPS) and nested by the order in which the styles appear, as authors nest them.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from .schema import Block, Document, Figure, ReportStructure, Section
from .sentences import sentence_spans
from .textnorm import fold, running_line_key

_CN_NUM = "一二三四五六七八九十百零〇"
_HEADING_STYLES = [  # (style, pattern); the first match names the style
    ("markdown", re.compile(r"^(#{1,6})\s+\S")),
    ("chapter", re.compile(rf"^(第[{_CN_NUM}\d]+[章节篇部分]+|专题[{_CN_NUM}\d]+)")),
    ("cn_number", re.compile(rf"^[{_CN_NUM}]+\s*[、.．]\s*\S")),
    ("cn_paren", re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[)）]\s*\S")),
    ("decimal3", re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s+\S")),
    ("decimal2", re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+\S")),
    ("arabic_dot", re.compile(r"^\d{1,2}\s*[.．、]\s*(?!\d)\S")),
    ("arabic_paren", re.compile(r"^(\d{1,2}\s*[)）]|[（(]\d{1,2}[)）])\s*\S")),
]
# Block headings that stand without numbering; the boilerplate ones mark the section's text.
_SPECIAL_BODY = re.compile(
    r"^(报告摘要|摘要|投资要点|核心观点|内容提要|要点|投资建议|风险提示|风险因素|结论|"
    r"summary|executive summary|key takeaways|highlights|investment (recommendation|thesis|view)|"
    r"risks?|key risks|conclusions?|valuation)\s*[:：]?$",
    re.IGNORECASE,
)
# a research institute's or contacts' heading governs a list of names, phones and addresses: prose ends it (the
# report's abstract after its cover's team list is body text)
_DIRECTORY_HEADING = r"联系我们|.{0,16}(研究所|研究院|研究部)(地址)?|contacts?"
_DIRECTORY = re.compile(rf"^({_DIRECTORY_HEADING})\b.{{0,24}}$", re.IGNORECASE)
_SPECIAL_BOILERPLATE = re.compile(
    r"^(投资评级说明|评级说明|行业评级说明|公司评级说明|分析师声明|分析师承诺|重要声明|免责声明|法律声明|"
    r"特别声明|一般声明|版权声明|评级体系|disclaimer|disclosures?|important disclosures?|analyst certification|"
    rf"legal notice|rating definitions|{_DIRECTORY_HEADING})\b.{{0,24}}$",
    re.IGNORECASE,
)
_PROSE_CHARS = 60   # a line this long ending a sentence is prose, no entry of a list
_SENTENCE_MARK = re.compile(r"[。！？]|[.!?](\s|$)")
_BOILERPLATE_LINE = re.compile(
    r"执业资格证书编号|执业证书编号|证书编号|SAC\s*(执业)?编号|S\d{13}|@[\w-]+\.(com|cn)|"
    r"^(地址|邮编|电话|传真|网址|邮箱|联系人)\s*[:：]|请务必阅读|本报告仅供|不构成.{0,6}(投资)?建议|"
    r"版权(所有|归)|未经.{0,10}(许可|授权)|this report is (for|intended)|not an offer|all rights reserved|"
    # an auditor's opinion names every statement ("We have audited the accompanying consolidated balance sheets")
    r"we have (also )?audited|our responsibility is to express an opinion|we conducted our audits? in accordance|"
    r"in our opinion, the (accompanying |related )?(consolidated )?(financial statements|balance sheets)|"
    r"we have served as the company['’]s auditor",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^(?P<label>(图表|附图|附表|图|表)\s*\d+(?:[-.．]\d+)?|(Figure|Fig\.|Exhibit|Table|Chart)\s*\d+[A-Za-z]?)"
    r"\s*(?P<sep>[:：.．]?)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# a filing's financial statements, each on its own pages under its title ("Consolidated Statements of Cash Flows")
_STATEMENT_TITLE = re.compile(r"(consolidated\s+)?(statements?\s+of\s+(consolidated\s+)?(cash\s+flows?|operations|income|"
                              r"earnings|comprehensive\s+(income|loss)|financial\s+(position|condition)|"
                              r"(changes\s+in\s+)?(stockholders|shareholders|share\s*owners)['’]?\s+equity)|"
                              r"balance\s+sheets?)\b", re.IGNORECASE)
# the names a question or a statement's title gives each financial statement ("cash flow statement" is the
# "Consolidated Statements of Cash Flows"); comprehensive income is tried before income
_STATEMENT_NAMES = [
    ("cash flows", re.compile(r"cash[\s-]+flows?\s+statements?|statements?\s+of\s+(consolidated\s+)?cash\s+flows?|"
                              r"现金流量表", re.IGNORECASE)),
    ("comprehensive income", re.compile(r"statements?\s+of\s+(consolidated\s+)?comprehensive\s+(income|loss)|"
                                        r"comprehensive\s+income\s+statements?|综合收益表", re.IGNORECASE)),
    ("income", re.compile(r"(?<!comprehensive )income\s+statements?|statements?\s+of\s+(consolidated\s+)?"
                          r"(operations|income|earnings)|profit\s+and\s+loss|利润表|损益表", re.IGNORECASE)),
    ("financial position", re.compile(r"balance\s+sheets?|statements?\s+of\s+(consolidated\s+)?financial\s+"
                                      r"(position|condition)|资产负债表", re.IGNORECASE)),
    ("equity", re.compile(r"statements?\s+of\s+(consolidated\s+)?(changes\s+in\s+)?(stockholders|shareholders|"
                          r"share\s*owners)['’]?\s+equity|(股东|所有者)权益变动表", re.IGNORECASE)),
]
_NAMED_IN_A_SENTENCE = re.compile(r"(\b(the|in|of|to|on|our|see|from|with|refer|per)\s+((consolidated|combined)\s+)?|"
                                  r"\bof*\s*-\s*)$", re.IGNORECASE)   # "Off-Balance Sheet Arrangements"
_GOES_ON_AS_A_SENTENCE = re.compile(r"\s+(that|which|are|is|was|were|as|and related)\b")
_SPLIT_LAST_LETTER = re.compile(r"(?<=[a-z]{3}) (?=[a-z]\b)")   # a PDF's kerning: "Statement of Incom e"
_MAX_STATEMENT_TITLE = 120
_ENDS_IN_PAGE_NUMBER = re.compile(r"(\s{2,}|[.…]{2,}\s*)\d{1,3}$")   # a contents entry
_CONTENTS_HEADING = re.compile(r"^(目\s*录|图表目录|图目录|表目录|插图目录|表格目录|(table of )?contents|"
                               r"list of (figures|tables|exhibits|charts))$", re.IGNORECASE)
_LEADER_ENTRY = re.compile(r"\S\s*(\.{4,}|…{2,}|·{4,}|-{4,})\s*\d{1,3}$")   # "一、行业概况 ........ 3"
_PAGE_ENTRY = re.compile(r"[A-Za-z\u3400-\u9fff].*(\t|\s{2,}|[.·…]{3,}\s*)\d{1,3}$")   # "Overview<tab>3"
_NUMBER_CELLS = re.compile(r"\t[\d$(),.%\s-]+\t")   # a table row holds more than one number
_CONTENTS_GAP = 3
SOURCE_LINE = re.compile(r"^(资料来源|数据来源|来源|Source|Sources)\s*[:：]", re.IGNORECASE)
FIGURE_MENTION = re.compile(r"(图表|附图|附表|图|表|Figure|Fig\.|Exhibit|Table|Chart)\s*(\d+(?:[-.．]\d+)?)", re.IGNORECASE)
_BOLD_LEAD = re.compile(r"^\*\*(?P<lead>[^*\n]{2,60}?)\*\*")
_MARKUP = re.compile(r"^[#>*\s]+|[*\s]+$")
_MAJOR_STYLES = {"cn_number", "caps"}
_MAX_HEADING_CHARS = 60
_MARKDOWN_HEADING = re.compile(r"#{1,6}[^#]")
_MAX_LAYOUT_HEADING_CHARS = 120   # a heading printed large may run longer than a numbered one
_SENTENCE_ENDS = ("。", "；", ";", "，", ",", ".", "！", "？", "!", "?")
_SOURCE_LINE_REACH = 40   # lines after a caption (a table's rows) within which its source line may come


@dataclass
class _Line:
    start: int
    end: int
    text: str     # the line with Markdown emphasis and heading marks stripped


def parse_report(doc: Document) -> ReportStructure:
    lines = _lines(doc)
    furniture = set(doc.furniture)
    repeated = _repeated_lines(lines)
    sections: list[Section] = []
    figures: list[Figure] = []
    blocks: list[Block] = []
    stack: list[tuple[str, int]] = []   # (style, section index) from the top level down
    pending_figure: Figure | None = None   # a caption still waiting for its source line
    pending_since = 0
    large_type = _large_type_ranks(doc)
    contents = _contents_lines(lines, furniture, repeated)
    for number, line in enumerate(lines):
        if (line.start, line.end) in furniture:
            blocks.append(Block(line.start, line.end, "furniture", -1))
            continue
        if number in contents:   # navigation: its entries are neither headings nor captions, never an answer
            blocks.append(Block(line.start, line.end, "boilerplate", stack[-1][1] if stack else -1))
            continue
        heading = _heading(doc.text, line) or _layout_heading(doc.text, line, large_type, repeated)
        if heading:
            style, heading_text = heading
            if (_explicit_rank(style) == 1 and not sections or heading_text == doc.title_hint) and line.start < 300 \
                    or style.startswith("layout") and doc.page_at(line.start) == 1:   # the cover's large type
                blocks.append(Block(line.start, line.end, "heading", -1))   # the document's title line
                continue
            _close_sections(sections, stack, style, line.start)
            level = len(stack) + 1
            parent = sections[stack[-1][1]] if stack else None
            kind = "boilerplate" if _SPECIAL_BOILERPLATE.match(heading_text) or (parent and parent.kind == "boilerplate" and style != "special") else "body"
            path = (parent.path if parent else []) + [heading_text]
            sections.append(Section(heading_text, level, line.start, len(doc.text), path, kind))
            stack.append((style, len(sections) - 1))
            blocks.append(Block(line.start, line.end, "heading" if kind == "body" else kind, len(sections) - 1))
            pending_figure = None
            continue
        section = stack[-1][1] if stack else -1
        caption = _caption(line.text)
        if caption:
            pending_figure = Figure(caption[0], line.text, line.start, line.end, "", doc.page_at(line.start))
            pending_since = number
            figures.append(pending_figure)
            blocks.append(Block(line.start, line.end, "caption", section))
            continue
        if SOURCE_LINE.match(line.text):
            if pending_figure is not None and not pending_figure.source:
                pending_figure.source = line.text
                pending_figure.end = line.end
            pending_figure = None
            blocks.append(Block(line.start, line.end, "source", section))
            continue
        if pending_figure is not None and number - pending_since > _SOURCE_LINE_REACH:
            pending_figure = None
        if running_line_key(line.text) in repeated and not line.text.startswith("|"):
            blocks.append(Block(line.start, line.end, "furniture", section))   # page header/footer left in text
            continue
        if section >= 0 and _DIRECTORY.match(sections[section].heading) and len(line.text) >= _PROSE_CHARS \
                and _SENTENCE_MARK.search(line.text) and not _BOILERPLATE_LINE.search(line.text):
            sections[stack.pop()[1]].end = line.start
            section = stack[-1][1] if stack else -1
        in_boilerplate = section >= 0 and sections[section].kind == "boilerplate"
        kind = "boilerplate" if in_boilerplate or _BOILERPLATE_LINE.search(line.text) else "body"
        if kind == "body" and line.text.startswith("|"):
            kind = "table"
        blocks.append(Block(line.start, line.end, kind, section))
    title_lines = [line for line in lines[:15] if (line.start, line.end) not in furniture
                   and running_line_key(line.text) not in repeated and not is_navigation(line.text)]
    return ReportStructure(_title(doc, title_lines, sections), sections, figures, blocks, report_date(lines))


_DATE_PATTERNS = [  # (pattern, group order year-month-day)
    (re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), (1, 2, 3)),
    (re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{1,2})\s+(January|February|March|April|May|June|July|August|September|October|November|"
                r"December)\s+((?:19|20)\d{2})"), (3, 2, 1)),
    (re.compile(r"(January|February|March|April|May|June|July|August|September|October|November|December)"
                r"\s+(\d{1,2}),?\s+((?:19|20)\d{2})"), (3, 1, 2)),
]
_DATE_HEAD_LINES = 40   # a report states its date on its cover
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]


def report_date(lines: list[_Line]) -> str:
    """The report's date (YYYY-MM-DD) from its first lines, preferring a line that says it is the date."""
    found = _date_line(lines)
    if not found:
        return ""
    year, month, day = found[1]
    month = str(_MONTHS.index(month.lower()) + 1) if month.isalpha() else month
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def report_date_line(doc: Document) -> tuple[int, int] | None:
    """Where the line the report's date is read from lies (the cover's "报告日期：2026年1月20日")."""
    found = _date_line(_lines(doc, limit=_DATE_HEAD_LINES))
    return (found[0].start, found[0].end) if found else None


def _date_line(lines: list[_Line]) -> tuple[_Line, tuple[str, str, str]] | None:
    head = lines[:_DATE_HEAD_LINES]
    dated = [line for line in head if re.search(r"日期|date|published", line.text, re.IGNORECASE)]
    for line in dated + head:
        for pattern, order in _DATE_PATTERNS:
            match = pattern.search(line.text)
            if match:
                return line, tuple(match.group(i) for i in order)
    return None


# a cover line naming the issuing firm: "北溟证券研究所", "Northbridge Capital Research | Equity Research"
_ISSUER_LINE = re.compile(r"[\u4e00-\u9fff]{2,}(证券|研究所|研究院|研究中心|资产管理|基金|银行)|"
                          r"\b[A-Z][A-Za-z&]+ (Capital|Securities|Research|Partners|Bank|Markets|Investments)\b")


# the disclaimer saying who made the report: "本报告由北溟证券股份有限公司…编制", "This report has been prepared by …"
_MADE_BY = re.compile(r"(本研究报告|本报告|this report)[^。.\n]{0,12}?(由|\b(prepared|published|issued|produced|written) by\b)",
                      re.IGNORECASE)


def report_issuer_span(doc: Document) -> tuple[int, int] | None:
    """Where the report says who issued it: the disclaimer's sentence saying who made it, else the first
    cover line with a firm's name."""
    made = _MADE_BY.search(doc.text)
    if made:   # its sentence, within its line
        line_end = doc.text.find("\n", made.end())
        spans = sentence_spans(doc.text, doc.text.rfind("\n", 0, made.start()) + 1,
                               len(doc.text) if line_end < 0 else line_end)
        return next((span for span in spans if span[1] > made.start()), None)
    line = next((line for line in _lines(doc, limit=_DATE_HEAD_LINES) if _ISSUER_LINE.search(line.text)), None)
    return (line.start, line.end) if line else None


# a cover line naming an author: "分析师：林若溪", "**Analysts:** Emily Hartman, CFA"
_AUTHOR_LINE = re.compile(r"(分析师|研究员|研究助理|作者|撰写人|执笔人?|联系人|(lead |research )?(analysts?|authors?|associates?)|"
                          r"written by|prepared by)\s*[:：]", re.IGNORECASE)
# a line of an author's details: licence number, e-mail, phone, role ("Rajiv Menon (Analyst) · rajiv@...")
_AUTHOR_DETAIL = re.compile(r"@|编号|证书|电话|邮箱|\bS\d{10,}|\+\d|analyst|associate", re.IGNORECASE)
_AUTHOR_HEAD_LINES = 80   # a report names its authors on its cover
_AUTHOR_LINE_GAP = 3      # lines between two author lines of one block (licence number, e-mail)


def report_author_lines(doc: Document) -> tuple[int, int] | None:
    """Where the cover names the report's authors: its first block of analyst / author lines, with the
    details (licence numbers, contacts, further names with their roles) between and after them."""
    block = _author_block(_lines(doc, limit=_AUTHOR_HEAD_LINES))
    return (block[0].start, block[-1].end) if block else None


def _author_block(lines: list[_Line]) -> list[_Line]:
    """The cover lines of the first block of author lines and their details (see report_author_lines)."""
    named = [number for number, line in enumerate(lines) if _AUTHOR_LINE.match(line.text)]
    if not named:
        return []
    last = named[0]
    for number in named[1:]:
        if number - last > _AUTHOR_LINE_GAP:
            break
        last = number
    while last + 1 < len(lines) and _AUTHOR_DETAIL.search(lines[last + 1].text):
        last += 1
    return lines[named[0]:last + 1]


_NAME_END = re.compile(r"[,，(（·|;；]")   # what follows a name on its line: a title, a role, contacts
# a line of one author's details under their name: "执业资格证书编号：S…", "邮箱：…", "Email: …"
_DETAIL_LINE = re.compile(r"(执业|资格|证书|编号|邮箱|电话|手机|e-?mail|tel|phone|licen[cs]e)[^:：]{0,10}[:：]", re.IGNORECASE)


def author_entries(doc: Document) -> list[tuple[str, int, int]]:
    """Each person the cover's author block names, with the span of their line widened to the detail
    lines under it (licence number, e-mail): (name, start, end)."""
    entries: list[tuple[str, int, int]] = []
    for line in _author_block(_lines(doc, limit=_AUTHOR_HEAD_LINES)):
        if _DETAIL_LINE.match(line.text) and entries:
            entries[-1] = (entries[-1][0], entries[-1][1], line.end)
            continue
        label = _AUTHOR_LINE.match(line.text)
        name = _NAME_END.split(line.text[label.end() if label else 0:], maxsplit=1)[0].strip()
        if name:
            entries.append((name, line.start, line.end))
    return entries


_ASKS_BOILERPLATE = re.compile(   # ratings, analysts, contacts, and what a disclaimer says (copyright, liability)
    r"评级|声明|免责|分析师|证书|资格|联系|地址|电话|邮箱|相关(研究|报告)|版权|转载|翻版|复制|引用|侵权|追究|义务|承担.{0,6}责任|审计|"
    r"保证|担保|不构成|代表.{0,8}观点|观点.{0,10}代表|"
    r"disclaim|disclos|rating|analyst|certif|contact|address|related (research|reports)|copyright|reproduc|redistribut|liabilit|warrant|audit|"
    r"guarantee|represent.{0,20}views|views.{0,20}represent",
    re.IGNORECASE)
# who wrote or published the report, and when: its disclaimer ("本报告由…撰写") and cover say
_ASKS_AUTHORSHIP = re.compile(
    r"(报告|研报).{0,12}(撰写|编写|编制|制作|出具|发布|发表|作者|机构)|(撰写|编写|编制|制作|出具|发布|发表).{0,12}(报告|研报)|"
    r"\b(wrote|written|authored|published|issued|prepared)\b.{0,40}\b(report|study|note)|"
    r"\b(report|study|note)\b.{0,40}\b(wrote|written|authored|published|issued|prepared|authors?|publisher)\b",
    re.IGNORECASE)
_ASKS_WHEN = re.compile(r"哪一?年|何时|什么时候|哪天|日期|\b(when|what date)\b", re.IGNORECASE)
_ASKS_WRITER = re.compile(r"谁.{0,2}(撰?写|执笔)|作者|分析师|研究员|\b(wrote|written|authored|authors?|analysts?)\b",
                          re.IGNORECASE)
_ASKS_WHO = re.compile(r"谁|哪个|哪家|什么机构|\b(who|which)\b", re.IGNORECASE)


def asks_about_boilerplate(question: str) -> bool:
    """Whether a question is about a report's boilerplate, which otherwise ranks below its body text."""
    return bool(_ASKS_BOILERPLATE.search(question)) or _asks_about_authorship(question)


def asks_when_published(question: str) -> bool:
    """Whether a question asks when the report was written or published ("这份报告是什么时候发布的")."""
    return bool(_ASKS_AUTHORSHIP.search(question) and _ASKS_WHEN.search(question))


def asks_who_published(question: str) -> bool:
    """Whether a question asks who wrote or issued the report ("报告的发布机构是谁"), not who holds its
    copyright or who its analysts are, which its disclaimer and analyst lines say."""
    return bool(_ASKS_AUTHORSHIP.search(question) and _ASKS_WHO.search(question)
                and not _ASKS_BOILERPLATE.search(question))


def asks_who_wrote(question: str) -> bool:
    """Whether a question asks who wrote the report or its analysts are ("谁写的这份报告", "Who wrote X?")."""
    return bool(_ASKS_WRITER.search(question) and _ASKS_WHO.search(question))


def _asks_about_authorship(question: str) -> bool:
    """Whether a question asks who wrote or published the report, or when ("这份报告是由谁发布的")."""
    return bool(_ASKS_AUTHORSHIP.search(question) and (_ASKS_WHO.search(question) or _ASKS_WHEN.search(question)))


def figure_mentions(text: str) -> list[str]:
    """Normalised labels of the figures a passage names, e.g. "如图表3所示" -> ["图表3"]."""
    return list(dict.fromkeys(normalise_label(m.group(0)) for m in FIGURE_MENTION.finditer(text)))


_TABLE_ROWS_UP = 60   # how far above a quoted row its header row is looked for
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"   # any case
_LABEL_NUMBERS = re.compile(  # numbers that label a column: years, dates, notes, footnote marks
    rf"(?:FY|Q[1-4]\s*|H[12]\s*)?(?:19|20)\d\d(?:[A-Za-z年度]*)|{MONTH}\s*\d{{1,2}}|\d{{1,2}}\s*{MONTH}|"
    r"\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?|\(\d\)|Note\s*\d+", re.IGNORECASE)
_TABLE_RULE = re.compile(r"^[\s|:\-]+$")


def statements_named(text: str) -> dict[str, str]:
    """The financial statements a question or heading names, each with the words naming it:
    "relying on the cash flow statement" -> {"cash flows": "cash flow statement"}, as does
    "Consolidated Statements of Cash Flows"."""
    named = {}
    for statement, pattern in _STATEMENT_NAMES:
        found = pattern.search(text)
        if found:
            named[statement] = found.group(0)
            text = pattern.sub(" ", text)   # "statement of comprehensive income" is not also "of ... income"
    return named


def statement_pages(doc: Document) -> dict[str, set[int]]:
    """The pages each financial statement is printed on, known by a line opening with its title
    ("Consolidated Statement of Cash Flows", "CONSOLIDATED BALANCE SHEETS (amounts in millions)"); a
    contents entry ending in its page number and a sentence naming a statement do not count."""
    pages: dict[str, set[int]] = {}
    position = 0
    for line in doc.text.split("\n"):
        statement = _statement_title(line.strip())
        if statement:
            pages.setdefault(statement, set()).add(doc.page_at(position))
        position += len(line) + 1
    return pages


def _statement_title(line: str) -> str:
    """The statement a line is the title of, after at most the company's name ("COSTCO WHOLESALE
    CORPORATION CONSOLIDATED STATEMENTS OF INCOME (amounts in millions)"), else ""."""
    if len(line) > _MAX_STATEMENT_TITLE or line.endswith((".", ":", ";", "。", "：")) or "\t" in line \
            or _ENDS_IN_PAGE_NUMBER.search(line):
        return ""
    line = _SPLIT_LAST_LETTER.sub("", line)
    for statement, pattern in _STATEMENT_NAMES:
        found = pattern.search(line)
        if found:
            named_in_passing = _NAMED_IN_A_SENTENCE.search(line[:found.start()]) or \
                _GOES_ON_AS_A_SENTENCE.match(line[found.end():])
            return "" if named_in_passing else statement
    return ""


def table_header(text: str, start: int) -> str:
    """The header row over the table row holding `start` ("Item\t2023\t2022"), so a quoted number
    keeps its column labels: the nearest row above, in the same run of rows (cells apart by tabs or
    Markdown pipes), whose cells hold no amounts, only labels and years. "" when the quote is not in
    a table row or the row is itself a header."""
    line_start = text.rfind("\n", 0, start) + 1
    line = text[line_start:_line_end(text, start)]
    if not _is_table_row(line) or not _holds_amounts(line):
        return ""
    position = line_start
    for _ in range(_TABLE_ROWS_UP):
        if position == 0:
            break
        above_start = text.rfind("\n", 0, position - 1) + 1
        above = text[above_start:position - 1]
        if not _is_table_row(above):
            break
        if not _TABLE_RULE.match(above) and not _holds_amounts(above):
            return above
        position = above_start
    return ""


def table_cells(row: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"\t|\|", row) if cell.strip()]


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _is_table_row(line: str) -> bool:
    return "\t" in line or line.lstrip().startswith("|")


def _holds_amounts(row: str) -> bool:
    return bool(re.search(r"\d", _LABEL_NUMBERS.sub("", row)))


def normalise_label(label: str) -> str:
    folded = fold(label).replace(" ", "").replace("．", ".")
    return re.sub(r"^(figure|fig\.|exhibit|table|chart)", lambda m: m.group(1).rstrip(".").capitalize() + " ", folded)


def _lines(doc: Document, limit: int | None = None) -> list[_Line]:
    lines = []
    for match in re.finditer(r"[^\n]+", doc.text):
        if limit is not None and len(lines) >= limit:
            break
        raw = match.group(0)
        stripped = raw.strip()
        if not stripped:
            continue
        start = match.start() + raw.index(stripped)
        lines.append(_Line(start, start + len(stripped), _MARKUP.sub("", stripped)))
    return lines


def _contents_lines(lines: list[_Line], furniture: set[tuple[int, int]], repeated: set[str]) -> set[int]:
    """Indices of table-of-contents lines: entries set off by dot leaders and ending in a page number
    anywhere, and the run after a 目录 / 图表目录 / Contents heading whose lines end in page numbers
    (at most _CONTENTS_GAP other lines between two of them: entries wrap, parts have no page)."""
    contents = {n for n, line in enumerate(lines) if _LEADER_ENTRY.search(line.text)}
    for n, line in enumerate(lines):
        if not _CONTENTS_HEADING.match(line.text) or (line.start, line.end) in furniture \
                or running_line_key(line.text) in repeated:   # a "Table of Contents" link atop every page
            continue
        last, gap = n, 0
        for m in range(n + 1, len(lines)):
            if _is_contents_entry(lines[m].text):
                last, gap = m, 0
            elif (gap := gap + 1) > _CONTENTS_GAP:
                break
        contents.update(range(n, last + 1))
    return contents


def _is_contents_entry(text: str) -> bool:
    return bool(_PAGE_ENTRY.search(text)) and not _NUMBER_CELLS.search(text)


def _repeated_lines(lines: list[_Line]) -> set[str]:
    """Short lines that recur 3+ times (page headers/footers a converter left in the text)."""
    keys = Counter(running_line_key(line.text) for line in lines if len(line.text) <= 80)
    return {key for key, count in keys.items() if count >= 3 and len(key) >= 4}


def _heading(text: str, line: _Line) -> tuple[str, str] | None:
    """(style, heading text) when the line is a heading, else None."""
    raw = text[line.start:line.end]
    content = line.text
    if not content or _CAPTION.match(content) or SOURCE_LINE.match(content):
        return None
    if _MARKDOWN_HEADING.match(raw) and "#" not in content:   # not a "#话题#" hashtag opening a post
        hashes = len(raw) - len(raw.lstrip("#"))
        return f"markdown{hashes}", content
    if _SPECIAL_BODY.match(content) or _SPECIAL_BOILERPLATE.match(content):
        return "special", content.rstrip(":：")
    if len(content) > _MAX_HEADING_CHARS or content.endswith(("。", "；", ";", "，", ",")) \
            or any(re.search(r"\d", cell) for cell in table_cells(raw)[1:]):   # "(6)\t(0.24)", "PART IV\t87": a row
        return None
    for style, pattern in _HEADING_STYLES[1:]:
        if pattern.match(content):
            if style in ("arabic_dot", "arabic_paren", "decimal2") and content.endswith((".", "：", ":")):
                return None
            return style, content
    if _STATEMENT_TITLE.match(content) and not content.endswith((":", "：", ".")) and "\t" not in raw:
        return "statement", content
    if _is_caps_heading(content):
        return "caps", content
    return None


def _large_type_ranks(doc: Document) -> dict[int, int]:
    """Start offset of each large-type paragraph -> its size's rank among them (1 = largest, at most 3)."""
    sizes = sorted({round(size * 2) / 2 for _, _, size in doc.large_type}, reverse=True)
    return {start: min(sizes.index(round(size * 2) / 2) + 1, 3) for start, _, size in doc.large_type}


def _layout_heading(text: str, line: _Line, large_type: dict[int, int], repeated: set[str]) -> tuple[str, str] | None:
    """A short line set in large type that no text rule took for a heading: a heading by its looks
    (not a credit line printed under every chart, not a drop cap, not a footnote or list item)."""
    content = line.text
    rank = large_type.get(line.start)
    if rank is None or len(content) > _MAX_LAYOUT_HEADING_CHARS or content.endswith(_SENTENCE_ENDS) \
            or text.startswith(("* ", "•", "†"), line.start) or content[:1].islower() \
            or _CAPTION.match(content) or SOURCE_LINE.match(content) or running_line_key(content) in repeated \
            or len(re.findall(r"[A-Za-z\u3400-\u9fff]", content)) < 2:
        return None
    return f"layout{rank}", content


def _is_caps_heading(content: str) -> bool:
    """OVERVIEW, PART II; not an abbreviation alone on its line (GAAP, LTC, "NY, TN": table cells)."""
    letters = sum(len(w) for w in re.findall(r"[A-Za-z]+", content))
    return (2 <= len(content) <= 60 and letters >= 5 and content.upper() == content
            and letters >= 0.6 * len(content.replace(" ", "")) and not content.endswith("."))


def _close_sections(sections: list[Section], stack: list[tuple[str, int]], style: str, at: int) -> None:
    """Pop the sections a new heading of `style` ends, setting their end offsets."""
    def pop() -> None:
        sections[stack.pop()[1]].end = at

    while stack and stack[-1][0] == "bold":
        pop()
    if style in ("special", "chapter") or _explicit_rank(style) == 1:
        while stack:
            pop()
        return
    styles = [s for s, _ in stack]
    if style in styles:
        while stack and stack[-1][0] != style:
            pop()
        pop()
    elif _explicit_rank(style):
        # Markdown levels and type sizes rank headings explicitly: close every deeper or unranked one.
        while stack and not 0 < _explicit_rank(stack[-1][0]) < _explicit_rank(style):
            pop()
    elif stack and stack[0][0] == "special" and (style in _MAJOR_STYLES or _explicit_rank(style)):
        while stack:
            pop()


def _explicit_rank(style: str) -> int:
    """1 for "markdown1" / "layout1" (a Markdown level or a type-size rank), 0 for other styles."""
    match = re.fullmatch(r"(?:markdown|layout)(\d)", style)
    return int(match.group(1)) if match else 0


def _caption(content: str) -> tuple[str, str] | None:
    match = _CAPTION.match(content)
    if not match or len(content) > 120 or content.endswith(("。", "；")):
        return None
    label = match.group("label")
    if match.group("sep") == "" and not match.group("rest").strip():
        return normalise_label(label), ""
    return normalise_label(label), match.group("rest").strip()


_NOT_A_TITLE = re.compile(r"(研究所|研究院|研究部|研究中心|证券|research|securities)$|^.{0,10}行业.{0,10}报告$|"
                          r"^证券研究报告|日期|评级|date|rating|\|", re.IGNORECASE)
_WEB_ADDRESS = re.compile(r"^(www\.|https?://)\S+$", re.IGNORECASE)


def is_navigation(line: str) -> bool:
    """A running header that names no report: "Table of Contents", a web address."""
    return bool(_CONTENTS_HEADING.match(line.strip()) or _WEB_ADDRESS.match(line.strip()))


def _title(doc: Document, lines: list[_Line], sections: list[Section]) -> str:
    """The report's title: the PDF's own title if it has one, else its first title-like line among
    its opening lines (running headers and a contents heading left out)."""
    if doc.title_hint:
        return doc.title_hint
    for section in sections:
        if doc.text.startswith("# ", section.start) and not _NOT_A_TITLE.search(section.heading):
            return section.heading
    for number, line in enumerate(lines):
        content = line.text
        if any(p.match(content) for _, p in _HEADING_STYLES[1:]):
            break   # a numbered heading ("一、盈利预测") opens the body: the report was named before it or not at all
        stands_apart = number == 0 and doc.text.startswith("\n\n", line.end)   # a text file's first line, a blank under it
        if (2 if stands_apart else 6) <= len(content) <= 80 and not _NOT_A_TITLE.search(content) \
                and not _BOILERPLATE_LINE.search(content) \
                and not content.endswith(("。", ".")) and not _caption(content) and not _SPECIAL_BODY.match(content) \
                and not content.startswith(("|", "——", "--")):
            return content
    return PurePath(doc.name).stem
