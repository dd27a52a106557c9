"""End to end on the sample corpus with the real converted model, real FAISS and real files."""
import json
import shutil
import subprocess
import sys
import threading
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from pdf_factory import write_content_bomb_pdf, write_pdf, write_placed_pdf
from rag.chunking import CHUNKER_VERSION
from rag.cli import format_answer
from rag.embeddings import Embedder
from rag.evaluation import judge, summarise
from rag.index import IndexUnavailable, ReportIndex, current_generation, write_lock
from rag.indexing import index_paths
from rag.instructions import asked_part
from rag.keyword import tokenize
from rag.qa import QuestionError, ReportQA
from rag.settings import Settings
from rag.structure import statement_pages, statements_named

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line) for line in (ROOT / "tests/data/sample_questions.jsonl").read_text("utf-8").splitlines()]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("index")
    settings = replace(Settings(), index_dir=folder)
    summary = index_paths([ROOT / "corpus"], settings, embedder)
    assert len(summary.added) == 3 and not summary.skipped
    return settings


@pytest.fixture(scope="module")
def qa(corpus_index, embedder):
    return ReportQA.open(corpus_index, embedder)


def _check_offsets(result: dict, qa: ReportQA) -> None:
    for citation in result["citations"]:
        text = qa.index.records[citation["doc"]].document.text
        assert text[citation["start"]:citation["end"]] == citation["quote"]
    for sentence in result["answer"]:
        assert sentence["text"] in result["citations"][sentence["citation"] - 1]["quote"]
    for passage in result["passages"]:
        assert qa.index.records[passage["doc"]].document.text[passage["start"]:passage["end"]] == passage["text"]


def test_sample_questions_are_answered_from_the_right_sentence(qa):
    results = []
    for q in QUESTIONS:
        answer = qa.ask(q["question"], top_k=10)
        _check_offsets(answer.to_json(), qa)
        gold = {"id": q["question"], "answerable": q.get("answerable", True), "doc": q["doc"],
                "evidence": [q["evidence"]] if q["evidence"] else [], "answers": [q["answer"]] if q["answer"] else []}
        results.append(judge(gold, answer, qa.document_text))
    metrics = summarise(results)
    print(metrics)
    assert metrics["hit@1"] >= 0.55 and metrics["hit@5"] >= 0.9
    assert metrics["evidence_in_answer"] >= 0.65
    assert metrics["citation_validity"] == 1.0
    chinese = [r for q, r in zip(QUESTIONS, results) if q["lang"] == "zh" and r.answerable_gold]
    assert sum(r.answered and r.evidence_in_answer for r in chinese) >= 0.75 * len(chinese)


def test_unanswerable_sample_questions_are_declined(qa):
    for q in (q for q in QUESTIONS if not q.get("answerable", True)):
        result = qa.ask(q["question"])
        assert not result.answerable and not result.answer and result.message


def test_a_question_about_the_disclaimer_is_answered_from_it(qa):
    """Boilerplate ranks below body text, unless the question is about what a disclaimer says."""
    result = qa.ask("这份报告的版权归谁所有？", docs=["2026-ai-video-industry-report.md"])
    assert result.passages[0].chunk.kind == "boilerplate"
    assert result.answerable and "本报告版权仅为本公司所有" in result.answer[0].text
    body = qa.ask("AI视频行业面临哪些版权风险？", docs=["2026-ai-video-industry-report.md"])
    assert body.passages[0].chunk.kind != "boilerplate"   # "版权" in a risk question is about the body
    author = qa.ask("Who prepared this report?", docs=["global-ev-battery-report.md"])   # the disclaimer says
    assert author.answerable and "prepared by Northbridge Capital Research" in author.answer[0].text
    issuer = qa.ask("这份报告由谁编制？", docs=["2026-semiconductor-outlook.txt"])
    assert issuer.answerable and "本报告由北溟证券股份有限公司" in issuer.answer[0].text


def test_what_a_report_recommends_is_its_watch_list(qa):
    """推荐 / recommend is what a broker report says "建议关注"; "which companies" is answered by their names,
    which seldom come with the word 公司 / companies."""
    for question, names in [("AI视频报告推荐哪些公司？", "幻维科技、墨相智能"),
                            ("Which companies does the AI video report recommend?", "幻维科技、墨相智能"),
                            ("What does the semiconductor report recommend?", "玄芯半导体、曜石存储"),
                            ("Which stocks does the semiconductor report recommend?", "玄芯半导体、曜石存储")]:
        answer = qa.ask(question)
        assert answer.answerable and "建议关注" in answer.answer[0].text and names in answer.answer[0].text, question


def test_a_company_named_in_chinese_is_not_answered_from_english_sentences_without_it(qa):
    """The semiconductor report gives 玄芯半导体 no target price; the battery report's target prices belong to
    other companies, which the model's similarity alone does not tell. A name written in Latin letters can be
    held by an English sentence, and a word with an English name (评级: rating) is no name."""
    assert not qa.ask("玄芯半导体的目标价是多少？").answerable
    rating = qa.ask("Kestrel Power的评级是什么？")
    assert rating.answerable and "Kestrel Power" in rating.answer[0].text and "Overweight" in rating.answer[0].text
    # asked in English: "target price" is a figure only its own name states (a Chinese list line about 玄芯半导体
    # had answered), and an English sentence holds a Chinese name only by writing it (not Kestrel Power's
    # target price for "Xuanxin", read as 玄芯)
    assert not qa.ask("What is the target price of 玄芯半导体?").answerable
    assert not qa.ask("What is the target price of Xuanxin?").answerable
    kestrel = qa.ask("What is the target price of Kestrel Power?")
    assert kestrel.answerable and "$31.00" in kestrel.answer[0].text


def test_an_english_question_naming_a_figure_asks_for_its_value(qa):
    """"What is the utilisation rate …" asks for a value (not "Exhibit 2 shows that utilisation has started to
    improve"), and "utilisation" within "utilisation rate" is a name of it a sentence may use; "key risks" is
    the report's "main risks" list."""
    rate = qa.ask("What is the utilisation rate of battery capacity?")
    assert rate.answerable and "average utilisation was roughly 47%" in rate.answer[0].text
    risks = qa.ask("What are the key risks for battery makers?")
    assert risks.answerable and risks.answer[0].text.startswith("The main risks to our view are:")


def test_a_chinese_question_finds_the_english_passage(qa):
    """The model ranks passages in the question's language first: with two Chinese reports in the library,
    "电池产能利用率" had no English passage among the candidates and was declined. And 产能 is a word with
    an English name, not a name an English sentence must write; a figure's label ("Exhibit 2") is no value."""
    answer = qa.ask("电池产能利用率是多少？")
    assert answer.answerable and answer.citations[0].doc == "global-ev-battery-report.md"
    assert "utilisation" in answer.answer[0].text and "%" in answer.answer[0].text   # "Exhibit 2 shows…" holds no value


def test_a_chinese_question_holds_its_words_by_their_english_names(qa):
    """Across languages the model's similarity alone is loose ("首席分析师" had been answered by market-share
    rows, "储能电池需求" by the EV demand forecast): research words are held by their English names."""
    analyst = qa.ask("谁是电池报告的首席分析师？")
    assert analyst.answerable and "Emily Hartman, CFA (Lead Analyst)" in analyst.answer[0].text
    storage = qa.ask("储能电池需求2026年是多少？")
    assert storage.answerable and "420" in storage.answer[0].text and "storage" in storage.answer[0].text
    # the English report is "the battery report" in Chinese too (its analysts, not the Chinese reports')
    analysts = qa.ask("电池报告的分析师是谁？")
    assert analysts.answerable and "Emily Hartman" in analysts.answer[0].text


def test_a_table_row_is_read_with_its_column_labels(qa):
    """"2026E P/E" is a column label: the row of the company asked about answers, not the header row."""
    answer = qa.ask("What is Aurelion Energy's 2026E P/E?")
    assert answer.answerable and answer.answer[0].text.startswith("| Aurelion Energy |")
    assert "12.8" in answer.answer[0].text


def test_latin_names_and_hyphenated_words_are_held_as_written(qa):
    """"HBM3什么时候量产" had been answered by an English sentence whose "3,050 GWh" held the 3 (a Latin name in a
    Chinese question is one an English sentence must write), and "state", a stop word for "state the answer",
    had left "solid-state" only its "solid"."""
    hbm3 = qa.ask("HBM3什么时候量产？")
    assert hbm3.answerable and "2026年第三季度实现HBM3产品的小批量供货" in hbm3.answer[0].text
    solid_state = qa.ask("When will solid-state cells be produced?")
    assert solid_state.answerable and any("semi-solid-state sample cells" in s.text for s in solid_state.answer)
    assert not any("sodium-ion" in s.text for s in solid_state.answer)
    assert tokenize("Please state the answer for solid-state cells") == ["solid", "state", "cell"]


def test_how_much_something_changed_is_answered_by_the_clause_stating_the_change(qa):
    """"价格下降了多少": the 42% of "较灵影 1.5 的 0.60元/秒下降约 42%", not a sentence saying prices fell beside
    other numbers ("60 秒时长与 1080P 画质…，价格下降显著降低了…") or another figure's change ("占比…提升至 70%")."""
    answer = qa.ask("AI视频生成的价格下降了多少？")
    assert answer.answerable and "下降约 42%" in answer.answer[0].text


def test_when_a_report_was_published_is_answered_from_its_date_line(qa):
    """Not from some sentence saying that something was published: the cover line the report's date is read from."""
    for name, line in [("2026-semiconductor-outlook.txt", "报告日期：2026年1月20日"),
                       ("2026-ai-video-industry-report.md", "| 报告日期 | 2026年3月9日 |")]:
        answer = qa.ask("这份报告是什么时候发布的？", docs=[name])
        citation = answer.citations[0]
        assert answer.answerable and answer.answer[0].text == line
        assert qa.document_text(name)[citation.start:citation.end] == line and citation.page == 1


def test_who_wrote_a_report_is_answered_from_its_analyst_lines(qa):
    """The cover's block of analysts with their licences and contacts, not a body sentence of the report."""
    for name, question, writers in [
            ("2026-ai-video-industry-report.md", "谁写的AI视频生成报告？", ["林若溪", "周明远", "陈一凡"]),
            ("global-ev-battery-report.md", "Who wrote Global EV Batteries 2026?",
             ["Emily Hartman", "Rajiv Menon", "Sofia Lindqvist"])]:
        answer = qa.ask(question)
        citation = answer.citations[0]
        assert answer.answerable and citation.doc == name, question
        assert all(writer in answer.answer[0].text for writer in writers) and "相关研究" not in answer.answer[0].text
        assert qa.document_text(name)[citation.start:citation.end] == citation.quote


def test_who_issued_a_text_report_is_answered_from_its_disclaimer_or_cover(qa):
    """A text report has no running header: its disclaimer's "本报告由…编制" says who issued it (not "不得…发布本报告",
    which is about others), else the cover line with the firm's name; a report named in English counts."""
    made = qa.ask("半导体报告是哪家机构发布的？")
    assert made.answer[0].text.startswith("本报告由北溟证券股份有限公司") and made.citations[0].section == "免责声明"
    cover = qa.ask("AI视频报告是哪家机构发布的？")
    assert cover.answer[0].text == "衡川证券研究所 2026年3月9日"
    writers = qa.ask("Who are the analysts of the semiconductor outlook?")   # a Chinese report named in English
    assert writers.answerable and all(name in writers.answer[0].text for name in ("许嘉禾", "宋知远"))
    for answer in (made, cover, writers):
        citation = answer.citations[0]
        assert qa.document_text(citation.doc)[citation.start:citation.end] == answer.answer[0].text


def test_a_sentence_introducing_a_list_is_quoted_with_the_list(qa):
    """"The main risks to our view are:" or "风险提示：下游AI应用商业化不及预期；" alone answer little: the quote
    runs on over the list it opens."""
    answer = qa.ask("What are the main risks to the view on battery makers?")
    text, citation = answer.answer[0].text, answer.citations[0]
    assert text.startswith("The main risks to our view are:")
    assert "**Raw material prices.**" in text and text.endswith("lead to costly redesigns.")
    assert qa.document_text(citation.doc)[citation.start:citation.end] == citation.quote == text
    items = qa.ask("摘要中的风险提示有哪些？", docs=["2026-semiconductor-outlook.txt"]).answer[0].text   # split at ；
    assert items == "风险提示：下游AI应用商业化不及预期；先进制程与HBM供给受限；行业竞争加剧；测算假设偏差。"


def test_a_question_naming_only_a_section_is_answered_by_its_opening(qa):
    """"What does the summary say?", "风险提示有哪些": the section's first paragraph or list, not a sentence that
    happens to use the word (a "Valuation summary" caption)."""
    summary = qa.ask("What does the summary say?")
    assert summary.answer[0].text.startswith("The global average lithium-ion battery pack price fell to $104/kWh")
    assert summary.citations[0].section == "Summary"
    risks = qa.ask("风险提示有哪些？", docs=["2026-semiconductor-outlook.txt"])
    assert risks.answer[0].text.startswith("1. 下游AI应用商业化不及预期") and risks.answer[0].text.endswith("存在偏差。")
    assert risks.citations[0].section == "第五章 风险提示"
    for answer in (summary, risks):
        citation = answer.citations[0]
        assert qa.document_text(citation.doc)[citation.start:citation.end] == citation.quote


def test_a_section_named_in_another_language_is_answered_by_its_opening(qa):
    """"The risks of the semiconductor report": its 风险提示 list (the report named by its file name), not the
    English report's risks."""
    answer = qa.ask("What are the risks of the semiconductor report?")
    assert answer.answerable and answer.citations[0].doc == "2026-semiconductor-outlook.txt"
    assert answer.answer[0].text.startswith("1. 下游AI应用商业化不及预期") and answer.citations[0].section == "第五章 风险提示"
    # a report called by its title ("AI视频报告"), a section by its other name (核心观点: 报告摘要)
    views = qa.ask("AI视频报告的核心观点是什么？")
    assert views.answer[0].text.startswith("**视频时长达到 60 秒") and views.citations[0].section == "报告摘要"
    # a question about a topic a heading also names ("推理需求") asks about the topic, not for the section
    assert qa.ask("推理需求有什么特点？").answer[0].text.startswith('推理需求的特点是"长尾、分散、对延迟敏感"')
    assert qa.ask("国产芯片份额提升的原因有哪些？").answer[0].text.startswith("推动份额提升的因素包括")


def test_who_someone_on_the_cover_is_is_answered_from_their_entry(qa):
    """"谁是许嘉禾", "陈一凡是谁", "Emily Hartman's email": the person's cover line with its licence and contact
    lines, and no other person's."""
    for question, first, last, other in [
            ("谁是许嘉禾？", "分析师：许嘉禾", "邮箱：xujiahe@bmsec.example.com", "宋知远"),
            ("陈一凡是谁", "研究助理：陈一凡", "邮箱：chenyifan@hcsec.example.com", "周明远"),
            ("Emily Hartman's email", "**Analysts:** Emily Hartman", "+44 20 0000 1100", "Rajiv")]:
        answer = qa.ask(question)
        text, citation = answer.answer[0].text, answer.citations[0]
        assert answer.answerable and text.startswith(first) and text.endswith(last) and other not in text, question
        assert qa.document_text(citation.doc)[citation.start:citation.end] == text


def test_a_definition_answers_what_a_term_is(qa):
    """"基准指数是什么？": the line saying what it is ("注：基准指数为沪深300指数。"), found in the rating
    definitions although boilerplate ranks low; and no quote is a table's "| --- |" rule."""
    answer = qa.ask("基准指数是什么？")
    assert answer.answerable and "基准指数" in answer.answer[0].text and "沪深300指数" in answer.answer[0].text
    ratings = qa.ask("买入评级的定义是什么？")
    assert ratings.answerable and all(any(c.isalnum() for c in a.text) for a in ratings.answer)
    assert "买入" in ratings.answer[0].text


def test_who_issued_a_report_is_answered_from_its_running_header(tmp_path, embedder):
    """Not from a sentence saying that someone else published something: the header atop every page, indexed once."""
    folder = tmp_path / "reports"
    folder.mkdir()
    pages = [["一、宏观经济展望", "国际货币基金组织10月发布的报告显示，全球经济增速放缓。"],
             ["二、货币政策展望", "主要央行加息周期接近尾声。"], ["三、风险提示", "地缘政治冲突超预期。"]]
    write_pdf(folder / "outlook.pdf", pages, header="全球经济展望报告  星河研究院")
    settings = replace(Settings(), index_dir=tmp_path / "index")
    index_paths([folder], settings, embedder)
    qa = ReportQA.open(settings, embedder)
    answer = qa.ask("这份报告是由谁发布的？")
    assert answer.answerable and answer.citations[0].page == 1
    assert "全球经济展望报告" in answer.answer[0].text and "星河研究院" in answer.answer[0].text
    chunks = qa.index.records["outlook.pdf"].chunks
    assert sum("星河研究院" in c.text for c in chunks) == 1
    for body_question in ["全球经济增速怎么样？", "哪家机构发布的报告显示全球经济放缓？"]:   # asked of the body
        assert "国际货币基金组织" in qa.ask(body_question).answer[0].text, body_question


def test_answer_citation_names_report_section_figure_and_page(qa):
    result = qa.ask("图表3显示了什么？").to_json()
    assert result["answerable"]
    citation = result["citations"][0]
    assert citation["doc"] == "2026-ai-video-industry-report.md"
    assert citation["figure"].startswith("图表3")
    assert citation["section"].startswith("二、市场空间")
    assert citation["page"] == 1


def test_a_caption_is_quoted_with_its_figure(qa):
    """A caption alone shows nothing: the quote runs on over the figure's lines to its source line."""
    answer = qa.ask("表2中显存最大的加速卡是哪款？")
    text, citation = answer.answer[0].text, answer.citations[0]
    assert text.startswith("表2：主要国产AI加速卡参数对比") and "澜芯 L20    2025年7月" in text
    assert text.endswith("资料来源：各公司官网，北溟证券研究所整理") and citation.figure.startswith("表2")
    assert qa.document_text(citation.doc)[citation.start:citation.end] == text
    shown = qa.ask("What does Table 1 show?").answer[0].text   # the figure itself, before a sentence naming it
    assert shown.startswith("Table 1: Global average lithium-ion battery pack prices") and "| 2025 | 104 | -9.6% |" in shown
    assert shown.endswith("2026-2028 are Northbridge estimates.")


def test_where_a_figures_data_come_from_is_answered_from_its_source_line(qa):
    for question, line in [("图表3的数据来源是什么？", "资料来源：艾观数据，衡川证券研究所预测"),
                           ("What is the source of Exhibit 2?",
                            "Source: Company announcements, Northbridge Capital Research estimates.")]:
        answer = qa.ask(question)
        citation = answer.citations[0]
        assert answer.answerable and answer.answer[0].text == line, question
        assert citation.figure.startswith(("图表3", "Exhibit 2"))
        assert qa.document_text(citation.doc)[citation.start:citation.end] == line


def test_a_question_several_reports_answer_quotes_each(qa):
    result = qa.ask("各家报告对算力需求怎么看？")
    assert result.answerable
    assert {c.doc for c in result.citations} == {"2026-ai-video-industry-report.md", "2026-semiconductor-outlook.txt"}
    assert {c.date for c in result.citations} == {"2026-03-09", "2026-01-20"}


def test_spacing_of_dates_does_not_matter(qa):
    for question in ("2月16日发布的视频生成模型叫什么？", "2 月 16 日发布的视频生成模型叫什么？"):
        result = qa.ask(question)
        assert result.answerable and "灵影 2.0" in result.answer[0].text


def test_english_question_finds_the_chinese_passage(qa):
    result = qa.ask("How long a video can LingYing 2.0 (灵影 2.0) generate in one go?")
    assert any("60 秒" in p.chunk.text for p in result.passages[:3])
    # answered from the sentence sharing its name and number ("Lingying 2.0"), not just any sentence with a number
    users = qa.ask("How many new users did Lingying 2.0 gain in its first week?")
    assert users.answerable and users.answer[0].text == "灵影 2.0 发布后首周新增注册用户约 410 万。"
    price = qa.ask("What is the price of Lingying 2.0 API?")
    assert price.answerable and "0.35元/秒" in price.answer[0].text
    rating = qa.ask("What is the rating on the semiconductor sector?")   # 评级 is what a Chinese report calls it
    assert rating.answerable and '"推荐"评级' in rating.answer[0].text
    video = qa.ask("What is the rating of the AI video report?")   # "rating" held as 评级, "AI video" by the title
    assert video.answerable and '"增持"评级' in video.answer[0].text
    # "global" in "global-ev-battery-report.md" says what kind of report it is and names none: the English
    # report's passages are not preferred for a question about the global HBM market
    hbm = qa.ask("How large will the global HBM market be in 2026?")
    assert hbm.answerable and "520 亿美元" in hbm.answer[0].text


def test_an_english_question_may_name_a_chinese_company_by_its_pinyin(qa):
    """"Yaoshi Storage" is the 曜石存储 of the semiconductor report, "Lingying" its 灵影; the words after a name
    say its trade; names a report writes, and a question's first word, stay as they are."""
    names = qa.pinyin_names
    assert names.searched_question("When does Yaoshi Storage plan to supply HBM3?") == \
        "When does 曜石 storage plan to supply HBM3?"
    assert names.searched_question("Is Kestrel Power Overweight?") == "Is Kestrel Power Overweight?"
    assert names.searched_question("Jingheng plans?") == "Jingheng plans?"
    supply = qa.ask("When does Yaoshi Storage plan to supply HBM3?")
    assert supply.question == "When does Yaoshi Storage plan to supply HBM3?"   # as asked, and as searched:
    assert supply.to_json()["searched"] == "When does 曜石 storage plan to supply HBM3?"
    assert format_answer(supply).startswith("(searched as: When does 曜石 storage plan to supply HBM3?)")
    assert supply.answerable and supply.answer[0].text == "国内厂商曜石存储计划于2026年第三季度实现HBM3产品的小批量供货。"
    fall = qa.ask("How much did the API price of Lingying fall?")
    assert fall.answerable and "下降约 42%" in fall.answer[0].text
    # "2.5D" names a packaging technology, no quantity: the list line "3. 晶衡封测：2.5D先进封装产能扩张最积极" is no value
    capacity = qa.ask("What is the monthly capacity of advanced packaging at Jingheng?")
    assert capacity.answerable and "月产能约为 1.2 万片" in capacity.answer[0].text


def test_a_name_in_pinyin_is_read_whole_and_only_as_whole_words(tmp_path, embedder):
    """"Gao Qiqiang" is 高启强 as one name, 《狂飙》 a title; "Yaoshi" is not the 要时 inside "需要时" (jieba cuts
    需要|时), nor the conjunction 要是, "Jiage" not the common word 价格, and a word the model knows ("Shenzhen")
    is left to it: toneless pinyin reads as many words."""
    qa = _qa_over(tmp_path, embedder, {"剧评.md": "一、剧集\n《狂飙》热播，张颂文饰演反派高启强。\n"
                                                "需要时，剧组会补拍镜头。要是天气不好，拍摄顺延。\n"
                                                "二、市场\n深圳的票房最高，价格也在上涨。\n"})
    names = qa.pinyin_names
    assert names.searched_question("Who played Gao Qiqiang in Kuangbiao?") == "Who played 高启强 in 狂飙?"
    for question in ["When does Yaoshi supply?", "What is the Jiage?", "How did Shenzhen do?"]:
        assert names.searched_question(question) == question
    played = qa.ask("Who played Gao Qiqiang?")
    assert played.answerable and "张颂文饰演反派高启强" in played.answer[0].text


def test_doc_filter_and_bad_questions(qa):
    result = qa.ask("battery pack price", docs=["global-ev-battery-report.md"])
    assert {p.chunk.doc_name for p in result.passages} == {"global-ev-battery-report.md"}
    with pytest.raises(QuestionError, match="empty"):
        qa.ask("   ")
    with pytest.raises(QuestionError, match="10,000 characters"):
        qa.ask("增" * 10_000)
    with pytest.raises(QuestionError, match="not in the index"):
        qa.ask("市场规模", docs=["missing.pdf"])


def test_incremental_indexing_adds_changes_and_removes(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = replace(Settings(), index_dir=tmp_path / "index")
    first = index_paths([corpus], settings, embedder)
    assert len(first.added) == 3

    (corpus / "notes.txt").write_text("一、结论\n测试公司星河动力于 2026 年 5 月 8 日完成 12.5 亿元融资。\n", "utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    second = index_paths([corpus], settings, embedder)
    assert second.added == ["notes.txt"] and len(second.unchanged) == 3
    assert second.skipped == [("broken.pdf", second.skipped[0][1])] and "PDF" in second.skipped[0][1]
    answer = ReportQA.open(settings, embedder).ask("星河动力融资多少亿元？")
    assert answer.answerable and "12.5 亿元" in answer.answer[0].text

    (corpus / "notes.txt").write_text("一、结论\n测试公司星河动力于 2026 年 6 月 1 日完成 20 亿元融资。\n", "utf-8")
    third = index_paths([corpus], settings, embedder)
    assert third.updated == ["notes.txt"]
    assert "20 亿元" in ReportQA.open(settings, embedder).ask("星河动力融资多少亿元？").answer[0].text

    (corpus / "notes.txt").unlink()
    fourth = index_paths([corpus], settings, embedder)
    assert fourth.removed == ["notes.txt"]
    qa = ReportQA.open(settings, embedder)
    assert "notes.txt" not in qa.index.records and qa.index.vectors.ntotal == qa.index.chunk_count()
    assert not qa.ask("星河动力融资多少亿元？").answerable


FILING = """# {company} Annual Report {year}

## Item 7. Results of Operations

{company} net revenue was ${revenue} million in fiscal {year}, and capital expenditures were ${capex} million.
Revenue grew as stores reopened; capital expenditures went to new distribution centres.
"""


def _qa_over(tmp_path: Path, embedder: Embedder, reports: dict[str, str]) -> ReportQA:
    """A real index of the given report files (name -> text) in tmp_path, opened for questions."""
    corpus = tmp_path / "reports"
    corpus.mkdir()
    for name, text in reports.items():
        (corpus / name).write_text(text, "utf-8")
    settings = replace(Settings(), index_dir=tmp_path / "index")
    index_paths([corpus], settings, embedder)
    return ReportQA.open(settings, embedder)


def test_a_title_in_book_marks_is_a_name_another_language_must_write(tmp_path, embedder):
    """《星河之门》 is cut into dictionary words (星河, 门), yet it names a work: an English sentence sharing the
    question's "AI" holds it only by writing it. (On zh_rgb_news the model rated "[3] Event-Aided Direct Sparse Odometry." close enough
    to "《重生之门》的导演" to quote it.) 产能 in the same place is a word an English sentence says its own way."""
    qa = _qa_over(tmp_path, embedder, {
        "剧集.md": "# 剧集动态\n\n《星河之门》是一部悬疑剧，由张三主演。该剧的产能规划与导演阵容尚未公布。\n",
        "credits.md": "# Credits\n\nThe AI director is Maria Lopez. Production capacity was doubled.\n"})
    for question, sentence, anchored in [("《星河之门》的AI导演是谁？", "The AI director is", False),
                                         ("导演的产能是多少？", "Production capacity", True)]:
        vector = qa.embedder.embed_query(question)
        passages = qa.retriever.search(question, vector)
        english = [s for s in qa.reranker.score_sentences(question, passages, vector, qa.embedder.embed_passages)
                   if qa.document_text(s.chunk.doc_name)[s.start:s.end].startswith(sentence)]
        assert all(s.anchored for s in english) and bool(english) == anchored, question   # the rest set aside
    assert not qa.ask("《星河之门》的AI导演是谁？").answerable


def test_a_filing_named_by_its_companys_new_name_is_still_named_by_it(tmp_path, embedder):
    """BLOCK_2020_10K is Square's filing and never says "Block"; another filing says "a block of shares" in
    passing. The file name names it all the same ("generate" and "your" are no key terms either)."""
    table = "| (In thousands) | 2020 | 2019 |\n| --- | --- | --- |\n| Net cash provided by operating activities | {} |\n"
    qa = _qa_over(tmp_path, embedder, {
        "BLOCK_2020_10K.md": "# Square, Inc. Annual Report 2020\n\n## Cash Flows\n\n" + table.format("381,603 | 465,699"),
        "ACME_2020_10K.md": "# Acme Corp. Annual Report 2020\n\n## Cash Flows\n\n" + table.format("120,400 | 98,300") +
                            "\nIn 2020 we sold a block of shares in a subsidiary to fund operating activities.\n",
        "ZETA_2020_10K.md": "# Zeta Holdings Annual Report 2020\n\n## Cash Flows\n\n" + table.format("75,200 | 64,900")})
    answer = qa.ask("To the best of your abilities: how much cash did Block's operating activities provide in FY2020?")
    assert answer.answerable and "381,603" in answer.answer[0].text
    assert answer.citations[answer.answer[0].citation - 1].doc == "BLOCK_2020_10K.md"


def test_a_question_that_names_a_company_and_year_prefers_that_report(tmp_path, embedder):
    """Look-alike filings: the one whose file name the question names (company, year) answers."""
    filings = [("Best Buy", 2023, "46,298", "930"), ("Best Buy", 2019, "42,879", "819"),
               ("Boeing", 2022, "66,608", "1,222"), ("Costco", 2021, "192,052", "3,588")]
    qa = _qa_over(tmp_path, embedder, {
        f"{company.replace(' ', '').upper()}_{year}_10K.md":
            FILING.format(company="The company", year=year, revenue=revenue, capex=capex)
        for company, year, revenue, capex in filings})
    answer = qa.ask("What were Best Buy's capital expenditures in FY2023?")
    assert answer.passages[0].chunk.doc_name == "BESTBUY_2023_10K.md"
    assert answer.answerable and "$930 million" in answer.answer[0].text
    assert qa.ask("Costco capital expenditures").passages[0].chunk.doc_name == "COSTCO_2021_10K.md"
    unnamed = qa.ask("What were capital expenditures in fiscal 2022?")
    assert unnamed.passages[0].chunk.doc_name == "BOEING_2022_10K.md"   # years in the text still count


def test_a_number_quoted_from_a_table_row_is_cited_with_its_column_labels(tmp_path, embedder):
    rows = [("Year ended December 31,", "2020", "2019"), ("Net revenue", "$9,498", "$4,714"),
            ("Net income (loss)", "$213", "$375")]
    items = [(60, 740, "Table 4: Consolidated statements of operations", 10)]
    for r, cells in enumerate(rows):
        items += [(60 + 180 * c, 710 - 18 * r, cell, 10) for c, cell in enumerate(cells)]
    items.append((60, 640, "Source: company filings.", 9))
    corpus = tmp_path / "filings"
    corpus.mkdir()
    write_placed_pdf(corpus / "statements.pdf", [items])
    settings = replace(Settings(), index_dir=tmp_path / "index")
    index_paths([corpus], settings, embedder)
    answer = ReportQA.open(settings, embedder).ask("How much was net income in 2020?")
    citation = answer.citations[0]
    assert answer.answerable and citation.quote == "Net income (loss)\t$213\t$375"
    assert citation.columns == "Year ended December 31,\t2020\t2019" and citation.figure.startswith("Table 4")


def _filing_pages(company: str, capex: str, operating: str) -> list[list[tuple[float, float, str, float]]]:
    """A 10-K's discussion page naming its statements in passing, then its cash flow statement."""
    discussion = [(60, 760, "Item 7. Liquidity and Capital Resources", 12),
                  (60, 730, f"In fiscal 2025, {company} recorded capital losses of $57 million on securities sold.", 10),
                  (60, 712, "Our capital priorities are unchanged; see the Consolidated Statements of Cash Flows.", 10),
                  (60, 680, "Off-Balance Sheet Arrangements", 12),
                  (60, 650, "Total assets grew by the end of fiscal 2025 as we opened new warehouses.", 10)]
    rows = [("Year ended December 31,", "2025", "2024"), ("Net cash provided by operating activities", operating, "2,236"),
            ("Purchases of property, plant and equipment", capex, "(1,373)"), ("Proceeds from sale of assets", "262", "49")]
    statement = [(60, 760, f"{company.upper()} CORPORATION CONSOLIDATED STATEMENTS OF CASH FLOWS (in millions)", 12)]
    for r, cells in enumerate(rows):
        statement += [(60 + 230 * min(c, 1) + 80 * max(c - 1, 0), 730 - 18 * r, cell, 10) for c, cell in enumerate(cells)]
    balance = [(60, 760, "Consolidated Balance Shee t (in millions)", 12)]   # kerning split a word, as PDFs do
    for r, cells in enumerate([("", "2025", "2024"), ("Total current assets", "29,505", "28,120"),
                               ("Total assets", "59,268", "55,556")]):
        balance += [(60 + 230 * min(c, 1) + 80 * max(c - 1, 0), 730 - 18 * r, cell, 10) for c, cell in enumerate(cells)]
    return [discussion, statement, balance]


def _two_filings(tmp_path: Path, embedder: Embedder) -> ReportQA:
    """A real index of two look-alike 10-K PDFs (4X's and Acme's), opened for questions."""
    corpus = tmp_path / "filings"
    corpus.mkdir()
    write_placed_pdf(corpus / "4X_2025_10K.pdf", _filing_pages("4X", "(1,577)", "2,410"))
    write_placed_pdf(corpus / "ACME_2025_10K.pdf", _filing_pages("Acme", "(2,950)", "3,120"))
    settings = replace(Settings(), index_dir=tmp_path / "index")
    index_paths([corpus], settings, embedder)
    return ReportQA.open(settings, embedder)


def test_a_question_naming_a_financial_statement_is_answered_from_its_rows(tmp_path, embedder):
    """"From the cash flow statement": the statement's row answers ("capital expenditure" is its
    "purchases of property, plant and equipment"), not prose with the word "capital", nor another filing's row."""
    qa = _two_filings(tmp_path, embedder)
    answer = qa.ask("What was 4X's FY2025 capital expenditure? Answer from the cash flow statement.")
    citation = answer.citations[answer.answer[0].citation - 1]
    assert answer.answerable and "(1,577)" in answer.answer[0].text
    assert (citation.doc, citation.page) == ("4X_2025_10K.pdf", 2)
    assets = qa.ask("Using only the balance sheet, how much were 4X's total assets at the end of FY2025?")
    assert assets.answerable and "59,268" in assets.answer[0].text
    assert statement_pages(qa.index.records["4X_2025_10K.pdf"].document) == {"cash flows": {2}, "financial position": {3}}
    assert statements_named("relying on the cash flow statement") == {"cash flows": "cash flow statement"}
    assert statements_named("Consolidated Statements of Comprehensive Income").keys() == {"comprehensive income"}
    assert statements_named("合并资产负债表").keys() == {"financial position"}


def test_a_questions_instructions_are_not_terms_its_answer_must_hold(tmp_path, embedder):
    """How to answer ("Answer in USD millions", "Base your judgments on the balance sheet", "Assume you are an
    analyst") is no part of what is asked: the row of the statement and filing it names answers."""
    qa = _two_filings(tmp_path, embedder)
    answer = qa.ask("Assume that you are a public equities analyst. Answer the following question by primarily "
                    "using information that is shown in the balance sheet: what is the year end FY2025 amount of "
                    "current assets for 4X? Answer in USD millions. Base your judgments on the information "
                    "provided primarily in the balance sheet.")
    assert answer.answerable and answer.answer[0].text == "Total current assets\t29,505\t28,120"
    assert answer.citations[answer.answer[0].citation - 1].doc == "4X_2025_10K.pdf"
    assert asked_part("Using the cash flow statement, answer the following question to the best of your "
                      "abilities: how much did Block generate in FY2020? Answer in USD millions.") == \
        "how much did Block generate in FY2020?"
    assert asked_part("According to Apple's 10-K, what was revenue?") == "According to Apple's 10-K, what was revenue?"
    premise = "Assume that exports rose 10% in 2026. What would the trade surplus be?"   # a premise, not a role
    assert asked_part(premise) == premise
    assert asked_part("请根据资产负债表回答：2025年末存货是多少？") == "2025年末存货是多少？"


def test_a_chinese_question_naming_a_company_or_its_stock_code_prefers_its_report(tmp_path, embedder):
    body = "一、盈利预测\n公司 2026 年营业收入预计为 {revenue} 亿元，毛利率预计为 {margin}%。\n二、风险提示\n原材料价格波动。\n"
    reports = [("20260105-衡川证券-星河动力(600001)-深度报告", "820", "21.5"),
               ("20260106-衡川证券-天河电池(300002)-点评报告", "3,650", "24.8"),
               ("20260107-衡川证券-云岭矿业(000003)-首次覆盖", "96", "35.2")]
    qa = _qa_over(tmp_path, embedder, {f"{name}.md": body.format(revenue=revenue, margin=margin)
                                       for name, revenue, margin in reports})
    answer = qa.ask("天河电池2026年的毛利率是多少？")
    assert answer.passages[0].chunk.doc_name.startswith("20260106") and "24.8%" in answer.answer[0].text
    assert qa.ask("300002 的营业收入预计多少？").passages[0].chunk.doc_name.startswith("20260106")
    assert qa.index.names.named_by("衡川证券的报告怎么看毛利率？") == set()   # the broker names every report


def test_a_compound_word_counts_once_when_a_sentence_is_weighed(tmp_path, embedder):
    """第三季度 is cut into six search tokens; the answer says 三季度. Counted token by token, the
    missing 第三 / 第三季 / 第三季度 outweighed the whole rest of the question and the answer was declined."""
    regions = "美国 欧元区 英国 加拿大 澳大利亚 韩国 印度".split()
    sections = [f"{n}、{r}经济\n2023 年三季度{r}经济表现平稳，消费和投资小幅回升。\n" for n, r in zip("二三四五六七八", regions)]
    qa = _qa_over(tmp_path, embedder, {"全球经济展望.md": (
        "一、日本经济\n上半年日本经济温和复苏，个人消费小幅回升。但 2023 年三季度日本经济增长形势急转直下，"
        "GDP 环比折年率降至-2.1%。\n" + "".join(sections))})
    answer = qa.ask("2023年第三季度日本经济的表现如何？")
    assert answer.answerable and answer.answer[0].text.startswith("但 2023 年三季度日本经济增长形势急转直下")


def test_a_sentence_two_reports_repeat_is_quoted_once(tmp_path, embedder):
    news = "灵犀 3.0 于 2026 年 3 月 5 日正式发布，单次可生成 90 秒视频。"
    qa = _qa_over(tmp_path, embedder, {
        "晨报.md": f"一、行业要闻\n{news}\n二、市场\n指数小幅上涨。\n",
        "周报.md": f"一、本周要闻\n{news}\n二、公司动态\n灵犀 3.0 定价 0.3 元/秒，3 月 5 日起开放 API。\n"})
    answer = qa.ask("灵犀 3.0 是哪天发布的？")
    quotes = [s.text for s in answer.answer]
    assert answer.answerable and quotes[0] == news and len(set(quotes)) == len(quotes)


def test_a_figure_asked_by_another_name_is_found_and_quoted(tmp_path, embedder):
    """营收 for 营业收入, 增速 for 增长率, capex for "purchases of property, plant and equipment", PE for 市盈率, 预计 for 预测
    (a sentence about another economy says 预测 and is no answer for the US); a Chinese
    report's sentence of partial coverage is not outranked by an English one merely for being cross-lingual."""
    qa = _qa_over(tmp_path, embedder, {   # Chinese and English reports in one index
        "星河动力-深度报告.md": "一、盈利预测\n预计星河动力 2026 年净利润为 95 亿元，星河动力股价较年初上涨 3 倍。\n"
                           "预计公司 2026 年营业收入为 820 亿元，对应当前股价市盈率为 18 倍。\n"
                           "二、经营回顾\n公司 2025 年新增产能 30 万吨，员工人数增加 1,200 人。\n"
                           "公司 2025 年营业收入为 680 亿元。公司 2025 年营业收入增长率为 35%。\n",
        "宏观展望.md": "一、全球贸易\n随着美国加息周期进入尾声，2024 年全球贸易可能回暖，WTO 预测全球商品贸易量增速为 3.3%。\n"
                     "二、美国经济\n美国消费保持韧性，美国就业市场降温。\n预计 2024 年美国经济增速为 1.7%。\n"
                     "三、美国通胀\n美国经济放缓，美国通胀回落。\n四、美国就业\n美国经济降温，美国失业率上升。\n",
        "filing.md": "# Cash flows\nResearch expenditures were $62 million in fiscal 2023.\n"
                     "Purchases of property, plant and equipment were $930 million in fiscal 2023.\n"})
    revenue = qa.ask("星河动力 2026 年营收预计多少？")
    assert revenue.answerable and "820 亿元" in revenue.answer[0].text
    growth = qa.ask("星河动力 2025 年营收增速是多少？")   # 增速 is the 增长率
    assert growth.answerable and "35%" in growth.answer[0].text
    pe = qa.ask("星河动力的 PE 是多少倍？")
    assert pe.answerable and "18 倍" in pe.answer[0].text
    capex = qa.ask("How much were capital expenditures in fiscal 2023?")
    assert capex.answerable and "$930 million" in capex.answer[0].text
    forecast = qa.ask("2024年美国经济增长预测是多少？")   # a report's 预计 is its forecast
    assert forecast.answerable and "1.7%" in forecast.answer[0].text


def test_diversification_is_asked_by_either_of_its_chinese_names(tmp_path, embedder):
    """多元化 is 多样化: "哪些因素促进了投资多样化" is answered by the sentence on 多元化, not one naming 因素."""
    qa = _qa_over(tmp_path, embedder, {"中东观察.md": (
        "一、能源转型\n受油价波动等因素影响，中东国家财政收入波动加大。\n"
        "近年来，中东国家纷纷制定能源转型战略，投资领域逐步拓展至人工智能、新能源等新兴产业，推动经济多元化发展。\n"
        "二、金融市场\n多重因素推动中东国家资本市场投资活跃。\n")})
    answer = qa.ask("哪些因素促进了中东国家的投资多样化？")
    assert answer.answerable and "多元化" in answer.answer[0].text


def test_a_sentence_about_another_place_does_not_answer_for_the_asked_one(tmp_path, embedder):
    """Asked about the US, a sentence on Japan's GDP (its section names Japan, not the US) is about another
    economy, however many of the question's words it holds; the US sentence answers, naming growth its own way.
    A place may go by a shorter name (沙特 for 沙特阿拉伯)."""
    qa = _qa_over(tmp_path, embedder, {"全球展望.md": (
        "一、美国经济\n美国消费保持韧性，美国就业市场降温。\n预计 2024 年美国经济增速为 1.7%。\n"
        "二、日本经济\n日本央行维持宽松，日元走弱。\n预计 2024 年日本 GDP 增长率为 1.3%。\n"
        "三、美国通胀\n美国通胀回落，美国核心通胀仍有黏性。\n"
        "四、中东经济\n卡塔尔经济增速预计为 2.4%。\n沙特经济增速预计仅为 0.8%。\n"
        "五、人口\n安徽省 2021 年人口出生率为 7.2‰，全年出生人口 45 万。\n全国 2021 年人口出生率为 7.5‰。\n"
        "六、物种\n银纹笛鲷分布于印度西太平洋区，栖息于珊瑚礁。\n")})
    answer = qa.ask("2024年美国GDP增长率的预测是多少？")
    assert answer.answerable and "1.7%" in answer.answer[0].text
    assert all("日本" not in s.text for s in answer.answer)
    saudi = qa.ask("沙特阿拉伯经济增速预计是多少？")   # 沙特 is the shorter name of 沙特阿拉伯
    assert saudi.answerable and "0.8%" in saudi.answer[0].text
    births = qa.ask("我国2021年人口出生率是多少？")   # 我国 is the country, 全国 its figure, 安徽 a province
    assert births.answerable and "7.5‰" in births.answer[0].text
    ocean = qa.ask("银纹笛鲷分布在哪一大洋区？")   # 大洋 is the kind of place asked, not one named
    assert ocean.answerable and "印度西太平洋区" in ocean.answer[0].text


def test_a_sentence_dated_to_another_year_does_not_answer_for_the_asked_one(tmp_path, embedder):
    qa = _qa_over(tmp_path, embedder, {"公司点评.md": "一、经营回顾\n2022 年回顾：公司营收为 100 亿元。\n"
                                                    "展望：星河动力 2023 年营收预计为 120 亿元。\n"})
    answer = qa.ask("星河动力2022年营收是多少？")
    assert answer.answerable and "100 亿元" in answer.answer[0].text


def test_an_answer_holds_what_the_question_asks_for_beyond_its_own_words(tmp_path, embedder):
    """A figure named bare (棉花产量, 出口量) asks for its value, and the question's own year is not one; 哪国人 and
    什么地方 ask for a place; a headline that asks a question answers nothing; "在哪一场比赛" asks which match, not where."""
    qa = _qa_over(tmp_path, embedder, {"农业与体育快报.md": (
        "一、棉花\n国家统计局发布关于 2022 年棉花产量的公告。\n题：2022 年棉花产量 10 年来首次回落，原因何在？\n"
        "二、粮食\n2022 年全国粮食播种面积 17.7 亿亩，比上年增加 1052 万亩。\n"
        "三、足球\n2007 年赛季，河南建业对阵大连实德，于乐下半场打进制胜一球而一战成名。\n"
        "四、汽车\n从前八个月整体情况来看，我国汽车出口量已经超越德国。\n"
        "五、球员\n列卡度·华斯迪\n列卡度·华斯迪司职前锋，是一名葡萄牙足球运动员。\n"),
        "青斑鹦嘴鱼.txt": "青斑鹦嘴鱼\n\n青斑鹦嘴鱼，又名蓝鹦哥，俗名青衫，为辐鳍鱼纲鲈形目鹦哥鱼科的其中一种。"
                       "本鱼分布于印度太平洋区，包括红海、东非、台湾、菲律宾等海域。水深2至20公尺。\n",
        "黄斑笛鲷.txt": "黄斑笛鲷\n\n黄斑笛鲷，又称焦黄笛鲷，为辐鳍鱼纲鲈形目笛鲷科的其中一个种。本鱼分布于印度太平洋区。"
                      "幼鱼有时可发现于红树林区、河口或河川之下游区。栖息在珊瑚礁或岩石海岸，独自行动。水深2至100公尺。\n",
        "鲤鱼.txt": "鲤鱼\n\n鲤鱼，为辐鳍鱼纲鲤形目鲤科的其中一种，主要以水草为食。\n"})
    assert not qa.ask("2022年棉花产量").answerable
    assert not qa.ask("我国汽车出口量").answerable   # 出口量 asks how much, not whether it grew
    grain = qa.ask("2022年全国粮食播种面积")
    assert grain.answerable and "17.7 亿亩" in grain.answer[0].text
    country = qa.ask("列卡度·华斯迪是哪国人？")   # which country: a place must be named
    assert country.answerable and "葡萄牙" in country.answer[0].text
    waters = qa.ask("青斑鹦嘴鱼主要分布在什么地方？")   # what place: the sentence naming one
    assert waters.answerable and "印度太平洋区" in waters.answer[0].text
    habitat = qa.ask("黄斑笛鲷在哪里栖息？")   # where it lives: a place no gazetteer names
    assert habitat.answerable and "珊瑚礁" in habitat.answer[0].text
    match = qa.ask("于乐在哪一场比赛中一战成名？")
    assert match.answerable and "河南建业对阵大连实德" in match.answer[0].text


def test_a_title_names_what_every_sentence_is_about_and_answers_nothing(tmp_path, embedder):
    """A sentence that does not repeat the report's subject still speaks of it; the title line itself is no answer."""
    qa = _qa_over(tmp_path, embedder, {
        "蟾蜍.md": "科罗拉多河蟾蜍\n科罗拉多河蟾蜍是一种有毒的蟾蜍，原产于美国西南部及墨西哥北部。\n"
                  "其皮肤腺体会分泌毒素，足以毒死成年的狗。\n牠们主要以小老鼠、昆虫及小型爬行动物为食。\n",
        "鲤鱼.md": "鲤鱼\n鲤鱼以水草为食。\n", "麻雀.md": "麻雀\n麻雀栖息于城市。\n"})
    food = qa.ask("科罗拉多河蟾蜍以什么为食？")
    assert food.answerable and "小老鼠" in food.answer[0].text
    assert "科罗拉多河蟾蜍" not in [s.text for s in food.answer]


# (reports, [(question, text the first answer sentence holds, or None when the question must be declined)])
ASKED_KIND_CASES = {
    # web copy restates the question ("想知道用了什么处理器") before and after the sentence that answers it
    "a sentence wondering what is asked": (
        {"星河X2评测.md": "星河X2评测\n很多用户想要知道星河X2使用了什么处理器，下面就给大家介绍一下。\n"
                       "星河X2的处理器采用的是天枢9000芯片，性能强劲。\n以上就是星河X2是什么处理器的全部内容。\n"},
        [("星河X2的处理器是什么", "天枢9000")]),
    # the news sentence dated 12月10日 announcing the figure is not the figure; nor is 18:00 a head count
    "a date or a clock time is no quantity": (
        {"粮食.md": "星河省粮食生产\n12月10日，记者获悉，星河省正式公布2025年全年粮食总产量。\n"
                  "经核准，2025年星河省粮食总产量为1308.84亿斤，比上年减少56.32亿斤。\n",
         "考试.md": "星河省公务员考试\n星河省2025年度公务员考试计划招录的报名时间为10月25日8:00至11月3日18:00。\n"
                  "星河省2025年度公务员考试共计划招录3.71万人。\n"},
        [("星河省2025年的粮食总产量是多少？", "1308.84亿斤"), ("星河省2025年度公务员考试计划招录多少人？", "3.71万人")]),
    # a notice titled for the cotton output that gives only the sown area does not answer the output
    "another figure's value": (
        {"棉花.md": "国家统计局关于2022年棉花产量的公告\n\n2022年，全国棉花播种面积4500.4万亩，比上年减少41.8万亩。\n"},
        [("2022年全国棉花产量", None), ("2022年全国棉花播种面积是多少", "4500.4万亩")]),
    # the figure named in one clause and a count of provinces in another: no value of the figure
    "a number apart from the figure it would be": (
        {"棉花.md": "国家统计局公告\n\n根据对全国31个省（区、市）的统计调查，2022年全国棉花播种面积、单位面积产量和总产量 ...\n"},
        [("2022年全国棉花产量", None)]),
    # a list item's number and a model's name ("1.", "X3") are no target price; a sentence naming one is
    "digits that are no value": (
        {"电子.md": "电子行业周报\n\n建议关注：\n1. 玄芯半导体：国产AI加速卡龙头，玄芯 X3 放量在即；\n",
         "存储.md": "曜石存储点评\n\n我们给予曜石存储目标价85元，维持买入评级。\n"},
        [("玄芯半导体的目标价是多少", None), ("曜石存储的目标价是多少", "85元")]),
    # "属于什么科" is answered by a name of that kind ("通鳃鳗科"), not by what it belongs to otherwise
    "a kind named by its word": (
        {"星河鳗.md": "星河鳗\n\n星河鳗属于底栖鱼类，以小型鱼类为食。\n星河鳗为鳗鲡目通鳃鳗科的一个种。\n"},
        [("星河鳗属于什么科？", "通鳃鳗科")]),
    # "采取什么政策" is answered by the policy ("暂停加息"), seldom by the word 政策
    "the kind a which-question asks": (
        {"星河央行.md": "星河央行展望\n\n2026年星河央行预计将暂停加息，利率将维持高位。\n"
                     "星河央行预计其政策工具仍以利率与准备金率为主。\n"},
        [("2026年星河央行预计会采取什么政策？", "暂停加息")]),
    # a paragraph opening with its subject is about it throughout ("此郡…位于南部的青崖是第一大镇")
    "the subject a paragraph opens with": (
        {"郡志.md": "东部郡县概况\n\n星河郡（旧称白石郡），星河国东部的郡，北临星河湾。此郡有两个城市，白石是最大城市；"
                   "位于南部的青崖是第一大镇，河口是第二大镇。\n\n全郡下设三区。北星河郡是第一大区。\n"},
        [("星河郡的第一大镇是什么？", "青崖")]),
    # "退出2026的星河冬运会": a year, no head count
    "a year written bare is no count": (
        {"冬运会.md": "星河冬运会\n\n星河国数名议员开始讨论是否该退出2026的星河冬运会。\n"},
        [("星河冬运会星河国运动员数量", None)]),
    # "是什么颜色" is answered by a colour, not by a sentence saying the colours are bright
    "a colour asked": (
        {"星河鲤.md": "星河鲤\n星河鲤是一种淡水鱼，雄鱼颜色较鲜艳，常见于星河上游。\n星河鲤体呈金黄色，背鳍上具数条黑色纵带。\n"},
        [("星河鲤是什么颜色的？", "金黄色")]),
    # "一个原因" is one as an article: no head count
    "one as an article is no count": (
        {"冬运会.md": "星河冬运会\n\n星河国数名议员呼吁本国运动员退出星河冬运会，一个原因是赛程安排过于紧张。\n"},
        [("星河冬运会星河国运动员数量", None)]),
    # "the total amount" asks a value: a header row of dates ("February 2, 2019") holds none
    "a row of dates is no amount": (
        {"BESTBUY_2019_10K.md": "Best Buy annual report\n\nConsolidated Statements of Earnings\n\n"
                                "Fiscal Years Ended\tFebruary 2, 2019\tFebruary 3, 2018\tJanuary 28, 2017\n"
                                "Revenue\t42,879\t42,151\t39,403\n\nConsolidated Balance Sheets\n\n"
                                "\tFebruary 2, 2019\tFebruary 3, 2018\nMerchandise inventories\t5,409\t5,209\n"},
        [("What is the year end FY2019 total amount of inventories for Best Buy? Answer in USD millions. Base your "
          "judgments on the information provided primarily in the balance sheet.", "5,409")]),
    # "票房冠军" asks which film leads the box office, not a box-office figure
    "the leader of a figure is no value of it": (
        {"春节档.md": "2025年春节档首日\n\n其中，《星河之门》以8.31亿元（含预售）成绩领跑春节档，成为首映日票房冠军。\n"},
        [("2025年春节档首日票房冠军", "《星河之门》")]),
    "a value in the clause naming its figure": (
        {"粮食.md": "粮食生产公告\n\n据统计，2022年全国粮食总产量13731亿斤，比上年增加74亿斤。\n"},
        [("2022年全国粮食产量是多少", "13731亿斤")]),
    # who directed: a sentence naming the cast, or naming the director's part in another clause, is no
    # answer; who starred: the one saying they starred is; an actor asked for is no part in a film
    "people named without the asked part": (
        {"星河之门.md": "《星河之门》定档国庆\n《星河之门》：张立新与王海涛上演盗窃版“猫鼠游戏”。\n"
                     "该片由张立新、王海涛主演，讲述一场离奇的盗窃案。\n"
                     "剧中王海涛饰演的庄文杰出生于盗贼世家，导演也透露了续集的计划。\n"
                     "王海涛为武打演员出身，其主演的电影《星河之门》系列票房累计超过百亿元。\n"},
        [("《星河之门》的导演是谁？", None), ("《星河之门》的主演是谁？", "主演"),
         ("票房超过百亿元的演员是谁？", "王海涛为武打演员出身")]),
    # a noun named as another kind (交通事故 for a 踩踏事故, 自然增长率 for the GDP增长率) is another thing;
    # a verb before a noun acts on it ("结束武馆" answers why a 武馆 was closed)
    "another kind of the thing asked": (
        {"星河快讯.md": "星河快讯\n\n2022年星河市人口自然增长率为3.5‰。\n因租金上升，星河武馆于1980年结束武馆经营。\n"
                      "据当地媒体报道，星河地区山区发生一起交通事故，一辆巴士坠入深谷，已造成10人死亡。\n"},
        [("星河地区寺庙踩踏事故死亡人数", None), ("2022年星河市的GDP增长率", None),
         ("星河武馆为什么关闭武馆？", "租金上升")]),
    # a verbal noun after a noun says who acts: "哪个公司发售" is answered by "由星河电脑娱乐发售"
    "who acts is no kind": (
        {"星河之夏.md": "星河之夏\n\n《星河之夏》是2000年6月22日由星河电脑娱乐发售的平台专用游戏。\n"},
        [("《星河之夏》是由哪个公司发售的游戏？", "星河电脑娱乐")]),
    # a growth rate is a change: a sentence giving the size it grows toward states none
    "a growth rate asked is a change": (
        {"星河经济.md": "星河市GDP简报\n\n2022年星河市经济总量从3万亿元向4万亿元迈进。\n",
         "银河经济.md": "银河经济\n\n2022年银河市经济总量从2万亿元向3万亿元迈进。\n2022年银河市GDP同比增长5.1%。\n"},
        [("2022年星河市的GDP增长率", None), ("2022年银河市的GDP增速", "5.1%")]),
    # another value of a unit the question names a value of (500米 for the 1500米) is another event; asked why,
    # a sentence may answer by another one (the 85 route's sparser buses)
    "another value of the unit asked": (
        {"星河冬运会.md": "星河冬运会\n\n星河冬运会速度滑冰男子1500米比赛将于2月13日举行。2月12日，李明夺得星河冬运会速度滑冰男子500米金牌。\n",
         "星河82线.md": "星河82线\n\n由于星河85线的班次较本线疏落且不经柴湾西，本线成为往来柴湾西的主要路线。\n"},
        [("星河冬运会男子1500米速度滑冰比赛中谁获得了金牌？", None), ("星河冬运会男子500米速度滑冰金牌得主是谁？", "李明"),
         ("为什么星河82线成为了往来柴湾西的主要路线？", "班次较本线疏落")]),
    # opening hours are told by the time of day; the winter months' hours are another season's
    "a time of day says when": (
        {"星河纪念馆.md": "星河纪念馆\n\n星河纪念馆是星河市的一个主要景点，每年4-10月的每天上午9:30到下午6:30开放；"
                       "从11月到3月，每天上午9:30到下午5:30开放。\n"},
        [("星河纪念馆4-10月每天的开放时间是什么？", "下午6:30")]),
    # a web page's timestamps ("2023-08-06 21:19:03") date the page, not the opening asked
    "a timestamp is no time asked": (
        {"星河论坛.md": "星河论坛\n\n星河论坛开幕 2023-08-06 21:19:03 星河新闻 2023-08-08 14:40:34 星河日报\n"},
        [("2023星河论坛开幕时间", None)]),
    # a value given after only other years are named is theirs: 2023's box office that passed 2022's is not 2022's
    "a value of another year": (
        {"春节档.md": "星河春节档\n\n据统计，2023年星河春节档总票房达67.57亿元，超越2022年星河春节档。\n"
                    "另据灯塔数据，2024年星河春节档总票房破62.81亿元，已超越2022年星河春节档总票房60.39亿元。\n"},
        [("2022年星河春节档的总票房是多少", "60.39亿元")]),
    # an investment is a figure only its own name states: a sentence on the plant's 5纳米 process gives none
    "an investment asked": (
        {"星河电子.md": "星河电子美国新厂\n\n星河电子的美国新厂预计于2025年动工、2027年量产，将采用5纳米的先进制程。\n"
                      "公司宣布，在美国投资计划将由120亿美元扩大到400亿美元。\n",
         "投资周报.md": "投资周报\n\n本周美国投资情绪回暖，投资者计划加仓。\n美国投资者关注投资计划。\n",
         "投资月报.md": "投资月报\n\n美国投资计划增多，投资规模扩大。\n"},
        [("星河电子美国新厂计划投资多少", "400亿美元")]),
    # digits with a leading zero are a code ("施工03合同段"), no count of stations
    "a code is no count": (
        {"星河地铁.md": "星河地铁\n\n新街口街道中星河地铁9号线一期工程施工03合同段项目经理部附近的公交车站；\n"
                      "作为星河首条快线，地铁9号线一期的10座车站中，仅有两站无法换乘。\n"},
        [("星河地铁9号线一期总共有多少个车站", "10座车站")]),
    # a word framing a question (通常: usually) is no term its answer must hold ("一般实施五年")
    "a word framing the question": (
        {"星河贸易.md": "星河贸易展望\n\n星河反补贴措施一般实施五年。\n",
         **{f"星河周报{i}.md": "星河周报\n\n星河美元指数波动，反补贴措施持续时间长。\n" for i in range(5)}},
        [("星河反补贴措施的持续时间通常是多久?", "五年")]),
    # a real name asked "本来的名字叫什么" is written 本名; a fall asked 下跌 may be written 走跌; a birthplace 生于,
    # a diet 吃, a reason for a name 得名, where it lives 栖息, what drives growth 支撑 it, what affects it 导致,
    # a duty 责任, economic growth asked for as a number its rate 经济增速
    "other words for what is asked": (
        {"星河歌手.md": "星河歌手\n\n雨星（，）前艺名羽星，本名廖羽星，香港女歌手。\n",
         "星河能源.md": "星河能源\n\n由于受市场供给持续改善、消费需求低迷等因素影响，星河天然气价格曾大幅走跌。\n",
         "星河人物.md": "星河人物\n\n柳子云，香港诗人，著有《青崖集》。\n柳子云于1952年生于马来西亚，后移居香港。\n",
         "星河蟾蜍.md": "星河蟾蜍\n\n星河蟾蜍是星河流域最大的蟾蜍。\n牠们吃昆虫、蜘蛛及小型蜥蜴。\n",
         "星河站.md": "星河站\n\n星河站位于星河区，是地铁1号线的一座车站。\n因地处星河古城遗址而得名。\n",
         "星河雉.md": "星河雉\n\n星河雉是一种大型鸟类。\n星河雉栖息在热带森林。\n",
         "星河消费.md": "星河消费\n\n私人消费是支撑星河经济增长的重要驱动力。\n",
         "星河评论.md": "星河评论\n\n多种因素令星河物价上涨，经济增长承压。\n",
         "星河金融.md": "星河金融\n\n主要央行同步加息，导致星河经济增长减速。\n",
         "星河展望.md": "星河展望\n\n星河经济增长放缓，星河经济增长前景黯淡。\n",
         "星河声明.md": "星河声明\n\n星河研究院可以不经通知改变观点，且没有更新此报告的责任。\n",
         "星河月报.md": "星河月报\n\n星河研究院更新报告，星河研究院的报告每月更新。\n",
         "星河宏观.md": "星河宏观\n\n预计2024年星河经济增速为1.7%。\n",
         "星河周刊.md": "星河周刊\n\n预计2024年星河经济增长的财政拉动率将降至0.2%。\n",
         **{f"星河周报{i}.md": "星河周报\n\n星河天然气价格受多种因素影响，导致市场波动。\n" for i in range(4)}},
        [("雨星本来的名字叫什么？", "廖羽星"), ("哪些因素导致了星河天然气价格的下跌?", "走跌"),
         ("柳子云的出生地在哪里？", "马来西亚"), ("星河蟾蜍以什么为食？", "昆虫"), ("为什么该站称作星河站？", "得名"),
         ("星河雉生活在什么地带？", "热带森林"), ("哪些因素推动了星河经济增长？", "私人消费"),
         ("星河经济增长受什么影响？", "加息"), ("星河研究院是否有义务更新报告？", "责任"),
         ("2024年星河经济增长预测是多少？", "1.7%")]),
    # 一般 framing a question ("通常是多久") is no term, but "一般的葵扇" asks about an ordinary fan
    "an ordinary one": (
        {"葵扇.md": "葵扇\n\n特制的葵扇要经过熏烟、烙画和包边等过程。\n一般的葵扇要经过选叶、晒叶和剪扇等过程。\n"},
        [("一般的葵扇要经过哪些过程？", "选叶")]),
    # "哪几个国家" asks which, not how many, and 哪几个 names no kind of 国家; "指的是" frames the question
    "which ones a name stands for": (
        {"星河联盟.md": "星河联盟\n\n星河六国的经济增长较快，对外开放程度较高。\n"
                      "长期以来，星河湾国家合作委员会成员国（下文简称星河六国）凭借丰富的资源积累了财富。\n"},
        [("星河六国指的是哪几个国家?", "下文简称星河六国")]),
    # a measure named bare (震级, 面积) asks for its value: "星河位于地震多发带" gives none
    "a measure named asks its value": (
        {"星河地震.md": "星河地震\n\n星河位于地震多发带。\n当地时间2月7日，星河东南部发生7.8级地震。\n"},
        [("星河地震的震级", "7.8级")]),
    # a champion asked is named by the sentence saying who won: a semi-final's venue names none
    "a champion asked": (
        {"星河公开赛.md": "星河公开赛\n\n3月18日，星河公开赛男单比赛在英国伯明翰结束了半决赛的争夺。\n",
         "月湾杯.md": "月湾杯\n\n月湾杯男单决赛在上海举行，张小河夺得冠军。\n"},
        [("星河公开赛男单冠军？", None), ("月湾杯男单冠军是谁？", "张小河")]),
    # the year a record is counted from ("创2020年11月以来新低") is not the year the value is of
    "a record's first year": (
        {"星河PMI.md": "星河PMI\n\n2023年星河经济活动趋于停滞。\n10月星河综合PMI进一步下跌至46.5%，创2020年11月以来新低。\n"},
        [("2023年10月星河综合PMI是多少？", "46.5%")]),
    # a figure set in the flow of a paragraph starts a chunk: the year the text before it names still dates what follows
    "a year before a figure": (
        {"星河展望.md": "星河展望\n\n一、星河经济\n" + "星河央行收紧货币政策，通胀高企抑制需求，外需放缓导致出口疲软，"
                      "多重因素叠加之下市场情绪低迷。" * 8 + "2023年星河经济活动趋于停滞。\n图 9：星河环比增速走势\n"
                      "资料来源：星河研究院\n私人消费持续不振。三季度星河居民消费环比下降0.43%。\n"},
        [("2023年三季度星河居民消费环比下降了多少？", "0.43%")]),
    # a duration ("有着167年历史") is no date
    "a duration is no date": (
        {"星河银行.md": "星河银行\n\n星河银行破产案已经引发连锁效应，有着167年历史的星河信贷也陷入危机。\n"
                      "3月10日，星河银行因资不抵债而宣布破产。\n"},
        [("星河银行破产时间", "3月10日")]),
    # "what is X's share of Y" asks for a number, not a sentence about X taking share
    "a share asked for is a number": (
        {"cells.md": "Battery cells\nMakers of NMC EV cells lost share as their customers shifted to LFP.\n"
                     "LFP accounted for 48% of global EV cell installations in 2025.\n"},
        [("What is LFP's share of EV cells?", "48%")]),
}


@pytest.mark.parametrize("case", ASKED_KIND_CASES)
def test_the_answer_holds_the_kind_of_thing_asked(tmp_path, embedder, case):
    reports, questions = ASKED_KIND_CASES[case]
    qa = _qa_over(tmp_path, embedder, {**reports, "鲤鱼.md": "鲤鱼\n鲤鱼以水草为食。\n"})
    for question, expected in questions:
        answer = qa.ask(question)
        if expected is None:
            assert not answer.answerable, question
        else:
            assert answer.answerable and expected in answer.answer[0].text, question


def test_an_index_made_with_an_older_tokenizer_is_retokenized_not_rebuilt(tmp_path, embedder):
    settings = replace(Settings(), index_dir=tmp_path / "index")
    index_paths([ROOT / "corpus"], settings, embedder)
    index = ReportIndex.load(settings.index_dir)
    for record in index.records.values():
        record.tokens = [["stale"] for _ in record.chunks]
    index.manifest["tokenizer"] = "an-older-one"
    index._changed.update(index.records)
    index.save(settings.index_dir)

    reloaded = ReportIndex.load(settings.index_dir)
    record = next(iter(reloaded.records.values()))
    assert record.tokens[0] == tokenize(record.chunks[0].text) and reloaded.has_unsaved_changes()
    again = index_paths([ROOT / "corpus"], settings, embedder)
    assert len(again.unchanged) == 3 and not again.added and not again.updated
    assert not ReportIndex.load(settings.index_dir).has_unsaved_changes()   # saved once with the new terms


def test_hostile_files_cost_only_themselves(tmp_path, embedder, monkeypatch):
    """Each bad file gets its one-line reason, memory stays flat, and the good reports are indexed."""
    monkeypatch.setattr("rag.loaders.MAX_PDF_SECONDS", 3.0)
    folder = tmp_path / "incoming"
    folder.mkdir()
    line = "测试公司星河动力于 2026 年 5 月 8 日完成 12.5 亿元融资。"
    (folder / "huge.txt").write_bytes(("一、附录\n" + line * 400 + "\n").encode() * 2000)   # 54 MB
    write_content_bomb_pdf(folder / "bomb.pdf", megabytes=300)
    write_pdf(folder / "locked.pdf", [[line]], encrypt="secret")
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "image.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "gbk.txt").write_bytes(f"一、结论\n{line}\n".encode("gbk"))
    write_pdf(folder / "scanned middle.pdf", [["一、概览", "天河电池 2026 年出货量为 35 GWh。"], [], ["二、展望"]])
    settings = replace(Settings(), index_dir=tmp_path / "index")
    embedder.dimension, tokenize("预热")   # the model and jieba's dictionary are loaded before measuring

    tracemalloc.start()
    summary = index_paths([folder], settings, embedder)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    reasons = dict(summary.skipped)
    assert sorted(summary.added) == ["gbk.txt", "scanned middle.pdf"]
    assert "more than the limit of 32 MB" in reasons["huge.txt"]
    assert "longer than 3 s" in reasons["bomb.pdf"]
    assert "encrypted" in reasons["locked.pdf"] and reasons["zero.pdf"] == "empty file"
    assert "binary content" in reasons["image.txt"]
    assert summary.warnings == [("scanned middle.pdf", "no text layer (scanned image?) on page 2; not searchable there")]
    assert peak < 20 * 2**20, f"indexing peaked at {peak / 2**20:.0f} MB of Python memory"
    qa = ReportQA.open(settings, embedder)
    assert "12.5 亿元" in qa.ask("星河动力融资多少亿元？").answer[0].text
    assert "35 GWh" in qa.ask("天河电池 2026 年出货量是多少？").answer[0].text


def test_writers_of_one_index_take_turns_and_the_app_follows_them(tmp_path, embedder):
    from app import Library

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = replace(Settings(), index_dir=tmp_path / "index", corpus_dir=corpus)
    index_paths([corpus], settings, embedder)
    library = Library(settings)
    (corpus / "notes.txt").write_text("一、结论\n测试公司星河动力于 2026 年 5 月 8 日完成 12.5 亿元融资。\n", "utf-8")
    with write_lock(settings.index_dir):   # as if another process were indexing
        other_run = threading.Thread(target=index_paths, args=([corpus], settings, embedder))
        other_run.start()
        other_run.join(2)
        assert other_run.is_alive(), "a second writer must wait for the first"
    other_run.join()
    answer = library.ask("星河动力融资多少亿元？", None)
    assert "12.5 亿元" in answer["answer"][0]["text"]


def test_the_app_rebuilds_an_index_an_older_version_chunked_when_it_holds_only_its_corpus(tmp_path, embedder, capsys):
    """After an upgrade `python app.py` must not serve old chunks, nor fail on the next upload: an index of its
    own corpus (uploads included) is rebuilt; one holding reports from elsewhere is left, with the command."""
    from app import prepare_index

    corpus, elsewhere = tmp_path / "corpus", tmp_path / "elsewhere"
    shutil.copytree(ROOT / "corpus", corpus)
    elsewhere.mkdir()
    (elsewhere / "note.md").write_text("# Note\n\nThe Velmora terminal handled 6,420 containers a day.\n", "utf-8")

    def chunked_by_an_older_version(settings: Settings) -> None:
        manifest = current_generation(settings.index_dir) / "manifest.json"
        manifest.write_text(json.dumps({**json.loads(manifest.read_text("utf-8")), "chunker": "sections-v1"}), "utf-8")

    own = replace(Settings(), index_dir=tmp_path / "own", corpus_dir=corpus)
    index_paths([corpus], own, embedder)
    chunked_by_an_older_version(own)
    prepare_index(own)
    assert ReportIndex.load(own.index_dir).manifest["chunker"] == CHUNKER_VERSION
    assert "rebuilding it" in capsys.readouterr().out

    mixed = replace(Settings(), index_dir=tmp_path / "mixed", corpus_dir=corpus)
    index_paths([corpus, elsewhere], mixed, embedder)
    chunked_by_an_older_version(mixed)
    prepare_index(mixed)
    assert ReportIndex.load(mixed.index_dir).manifest["chunker"] == "sections-v1"
    assert "python -m rag index --rebuild" in capsys.readouterr().out
    with pytest.raises(IndexUnavailable, match="rebuild with"):
        index_paths([corpus], mixed, embedder)


def test_an_upload_keeps_its_name_when_the_corpus_is_indexed_again(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = replace(Settings(), index_dir=tmp_path / "index")
    index_paths([corpus], settings, embedder)
    upload = corpus / "uploads" / "note.md"
    upload.parent.mkdir()
    upload.write_text("# Note\n\nThe Velmora terminal handled 6,420 containers a day.\n", "utf-8")
    assert index_paths([upload], settings, embedder, remove_missing=False, names_from=corpus).added == ["uploads/note.md"]
    again = index_paths([corpus], settings, embedder)
    assert not again.added and "uploads/note.md" in again.unchanged


def test_a_different_model_or_backend_is_refused_not_mixed(corpus_index, embedder):
    for other in (Embedder(model_name=str(ROOT / "no-such-model")), Embedder(backend="torch")):
        with pytest.raises(IndexUnavailable, match="--rebuild"):
            index_paths([ROOT / "corpus"], corpus_index, other)
    assert ReportIndex.load(corpus_index.index_dir).embedding == (embedder.model_name, "onnx-int8:2")


def test_an_index_goes_on_with_the_backend_it_was_built_with(tmp_path, monkeypatch):
    """A new default backend must not make an existing index unusable; an index made by an earlier int8
    recipe is refused, not searched with vectors of another."""
    monkeypatch.delenv("RAG_BACKEND", raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / "global-ev-battery-report.md", corpus)
    settings = replace(Settings(), index_dir=tmp_path / "index")
    index_paths([corpus], settings, Embedder(backend="onnx"))
    (corpus / "note.md").write_text("# Note\n\nThe Velmora terminal handled 6,420 containers a day.\n", "utf-8")
    assert index_paths([corpus], settings).added == ["note.md"]
    assert ReportIndex.load(settings.index_dir).embedding[1] == "onnx"
    qa = ReportQA.open(settings)
    assert qa.embedder.backend == "onnx" and "6,420" in qa.ask("How many containers did Velmora handle a day?").answer[0].text

    manifest_file = current_generation(settings.index_dir) / "manifest.json"
    data = json.loads(manifest_file.read_text("utf-8"))
    manifest_file.write_text(json.dumps({**data, "backend": "onnx-int8"}), "utf-8")   # the first int8 recipe's tag
    (corpus / "note.md").write_text("# Note\n\nThe terminal handled 7,000 containers a day.\n", "utf-8")
    with pytest.raises(IndexUnavailable, match="--rebuild"):
        index_paths([corpus], settings)
    with pytest.raises(IndexUnavailable, match="--rebuild"):
        ReportQA.open(settings)


def test_the_onnx_backends_agree_with_pytorch(embedder):
    texts = [q["question"] for q in QUESTIONS] + [(ROOT / "corpus" / name).read_text("utf-8")[:600]
                                                 for name in sorted(p.name for p in (ROOT / "corpus").glob("*.md"))]
    torch = Embedder(backend="torch").embed_passages(texts)
    assert embedder.backend == "onnx-int8"
    assert float((Embedder(backend="onnx").embed_passages(texts) * torch).sum(axis=1).min()) > 0.999
    assert float((embedder.embed_passages(texts) * torch).sum(axis=1).min()) > 0.995


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_cli_contract(corpus_index, tmp_path):
    index = str(corpus_index.index_dir)
    asked = _cli("ask", "灵影 2.0 单次最长可以生成多少秒的视频？", "--index", index, "--json")
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert set(result) >= {"question", "answerable", "answer", "citations", "passages", "timing_ms"}
    assert result["answerable"] and "60 秒" in result["answer"][0]["text"]
    text = _cli("text", result["citations"][0]["doc"], "--index", index).stdout
    citation = result["citations"][0]
    assert text[citation["start"]:citation["end"]] == citation["quote"]

    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps({"question": q["question"]}, ensure_ascii=False) for q in QUESTIONS[:3]))
    batch = _cli("ask", "--questions", str(questions), "--index", index, "--json")
    assert batch.returncode == 0 and len(batch.stdout.strip().splitlines()) == 3

    empty = _cli("ask", "", "--index", index)
    assert empty.returncode == 2 and "error:" in empty.stderr and "Traceback" not in empty.stderr
    missing = _cli("ask", "市场规模", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2 and "python -m rag index" in missing.stderr
