"""Rendering for the browser app (no browser): escaping, highlighting, follow-ups, Markdown export."""
import html
import re

import pytest

from rag.followup import needs_context, resolve_followup, topic_of
from rag.ui import (LABELS, answer_markdown, highlight, render_answer, render_question, render_sources,
                    safe_upload_name, source_choices)

EN = LABELS["en"]
HOSTILE = "Intro. <script>alert(1)</script> <img src=x onerror=alert(1)> [link](javascript:alert(1)) End."
TEXT = "Heading\n\nFirst sentence here. The quoted sentence says 42 GWh. Last one."
QUOTE = "The quoted sentence says 42 GWh."


def make_answer(text=TEXT, quote=QUOTE, docs=("a.md",), title="Report A"):
    start = text.index(quote)
    citations = [{"id": i + 1, "doc": doc, "title": f"{title} {i + 1}", "section": "2. Supply > 2.1 Capacity",
                  "figure": "Figure 3: Capacity", "page": 4, "start": start, "end": start + len(quote), "quote": quote}
                 for i, doc in enumerate(docs)]
    passages = [{"rank": i + 1, "score": 0.9 - i / 10, "doc": doc, "section": "2. Supply > 2.1 Capacity",
                 "figures": ["Figure 3"], "pages": [4], "start": 0, "end": len(text), "text": text}
                for i, doc in enumerate(docs)]
    return {"question": "What capacity?", "answerable": True, "message": "",
            "answer": [{"text": quote, "citation": c["id"]} for c in citations], "citations": citations,
            "passages": passages, "timing_ms": {}}


def assert_inert(rendered: str):
    assert "<script" not in rendered and "<img" not in rendered
    assert "](javascript" not in rendered and "[link]" not in rendered
    assert "&lt;script&gt;" in rendered


def test_report_text_is_escaped_everywhere():
    answer = make_answer(HOSTILE, "<script>alert(1)</script> <img src=x onerror=alert(1)>", title="<b>T</b>")
    for rendered in (render_answer(answer, EN, 0), render_sources(answer, "c1", EN, 0),
                     render_sources(answer, "p1", EN, 0), render_question(HOSTILE, HOSTILE + "?", EN)):
        assert_inert(rendered)
    assert "<b>T" not in render_answer(answer, EN, 0)


def test_abstention_is_the_plain_message():
    answer = {**make_answer(), "answerable": False, "answer": [], "citations": [],
              "message": "报告中没有找到能回答这个问题的内容。"}
    assert render_answer(answer, EN, 0) == "<p>报告中没有找到能回答这个问题的内容。</p>"


def test_highlight_marks_exactly_the_quote():
    start = TEXT.index(QUOTE)
    rendered = highlight(TEXT, [(start, start + len(QUOTE))])
    assert re.findall(r"<mark>(.*?)</mark>", rendered) == [QUOTE]
    assert html.unescape(rendered.replace("<mark>", "").replace("</mark>", "")) == TEXT


def test_selected_citation_shows_its_passage_with_the_quote_marked():
    answer = make_answer(docs=("a.md", "b.md"))
    panel = render_sources(answer, "c2", EN, 3)
    selected = html.unescape(panel.split(EN["other_passages"])[0])
    assert "Citation [2]" in selected and "Figure 3: Capacity" in selected and "Page: 4" in selected
    assert re.findall(r"<mark>(.*?)</mark>", selected) == [QUOTE]
    assert "src-3-p1" in panel and "score 0.900" in panel   # the other passage, clickable, with its score


def test_answer_from_several_reports_is_grouped_by_report():
    rendered = render_answer(make_answer(docs=("a.md", "b.md")), EN, 0)
    assert rendered.count("<section>") == 2
    assert "Report A 1" in rendered and "Report A 2" in rendered
    assert "src-0-c1" in rendered and "src-0-c2" in rendered
    assert [v for _, v in source_choices(make_answer(docs=("a.md", "b.md")), EN)] == ["c1", "c2", "p1", "p2"]


def test_markdown_export_names_report_section_figure_and_page():
    text = answer_markdown(make_answer())
    assert f"> {QUOTE} [1]" in text
    assert "[1] Report A 1 (`a.md`), 2. Supply > 2.1 Capacity; Figure 3: Capacity; p. 4" in text


def test_a_quote_running_over_a_list_stays_one_block_quote():
    quote = "The main risks are:\n\n- Raw material prices.\n- Trade policy."
    text = answer_markdown(make_answer(f"Risks\n\n{quote}\n", quote))
    assert "> The main risks are:\n>\n> - Raw material prices.\n> - Trade policy. [1]" in text
    assert 'class="quote"' in render_answer(make_answer(f"Risks\n\n{quote}\n", quote), EN, 0)


def test_markdown_bold_in_a_quote_is_shown_bold_and_nothing_else_is_markup():
    answer = make_answer()
    answer["answer"][0]["text"] = "**视频时长：** 60 秒 **<script>alert(1)</script>** 2 ** 3"
    rendered = render_answer(answer, EN, 0)
    assert "<strong>视频时长：</strong> 60 秒" in rendered and "<strong>&lt;script&gt;" in rendered
    assert "<script" not in rendered and "2 &#42;&#42; 3" in rendered


def test_a_quoted_table_row_shows_its_column_labels():
    row = "Net income\t213\t375"
    answer = make_answer(f"Year ended\t2020\t2019\n{row}\n", row)
    answer["citations"][0]["columns"] = "Year ended\t2020\t2019"
    assert "Table columns: Year ended | 2020 | 2019" in html.unescape(render_sources(answer, "c1", EN, 0))
    assert "columns: Year ended | 2020 | 2019; p. 4" in answer_markdown(answer)


def test_markdown_export_keeps_hostile_report_text_inert():
    hostile = 'Sales rose <script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) 5%.'
    answer = make_answer()
    answer["answer"][0]["text"] = hostile
    text = answer_markdown(answer)
    assert "<script" not in text and "<img" not in text and "](javascript" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&#91;click&#93;(javascript:alert(1))" in text


@pytest.mark.parametrize("question, previous, resolved", [
    ("它的上下文窗口有多大？", "天衡-1.5 Pro 是哪家公司发布的？", "天衡-1.5 Pro的上下文窗口有多大？"),
    ("它的价格是多少？", "灵影 2.0 单次最长可以生成多少秒的视频？", "灵影 2.0的价格是多少？"),
    ("价格呢？", "请问玄芯 X3 的功耗是多少？", "玄芯 X3 价格呢？"),
    ("其他厂商的市场份额分别是多少？", "灵影 2.0 的价格是多少？", "其他厂商的市场份额分别是多少？"),
    ("What about its utilisation?", "What was global nameplate cell manufacturing capacity at the end of 2025?",
     "What about global nameplate cell manufacturing capacity's utilisation?"),
    ("How much does it cost?", "What is the context window of Tianheng-1.5 Pro?", "How much does Tianheng-1.5 Pro cost?"),
    ("And the price?", "What is the energy density of LFP cells?", "LFP: And the price?"),
    ("What was the LFP share of installations in 2025?", "What is the price of sodium-ion cells?",
     "What was the LFP share of installations in 2025?"),
    ("它的价格是多少？", None, "它的价格是多少？"),
    ("他的邮箱呢？", "谁是许嘉禾？", "许嘉禾的邮箱呢？"),   # a person asked about: 他 / his
    ("What is his email?", "Who is Rajiv Menon?", "What is Rajiv Menon's email?"),
])
def test_follow_up_questions_take_the_previous_topic(question, previous, resolved):
    assert resolve_followup(question, previous) == resolved


def test_follow_up_detection_ignores_words_that_only_contain_pronouns():
    assert not needs_context("因此半导体行业的毛利率在2025年变化了多少？")
    assert needs_context("其毛利率是多少？")
    assert topic_of("2026年全球半导体销售额是多少？") == "2026年全球半导体销售额"


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), ("/abs/报告 2025.pdf", "报告 2025.pdf"),
    ("..", "upload"), (".hidden.md", "hidden.md"), ("a<b>|c.md", "a_b_c.md"),
])
def test_upload_names_are_sanitised(name, safe):
    assert safe_upload_name(name) == safe
