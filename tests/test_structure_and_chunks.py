from pathlib import Path

import pytest

from rag.chunking import ChunkingSettings, chunk_report
from rag.keyword import BM25, tokenize
from rag.loaders import load_document
from rag.retrieval import reciprocal_rank_fusion
from rag.schema import Document
from rag.sentences import list_or_paragraph_end, sentence_spans
from rag.structure import figure_mentions, parse_report
from rag.textnorm import fold

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ZH_REPORT = CORPUS / "2026-ai-video-industry-report.md"
EN_REPORT = CORPUS / "global-ev-battery-report.md"


@pytest.fixture(scope="module")
def zh():
    doc = load_document(ZH_REPORT)
    return doc, parse_report(doc)


def test_width_and_spacing_do_not_matter():
    assert fold("2 月 16 日：发布") == fold("2月16日:发布") == fold("２月１６日：发布")
    assert tokenize("2 月 16 日") == tokenize("2月16日")


def test_sentences_split_chinese_and_english_but_not_decimals():
    text = "价格为 2.5 元/秒！是否上调？ The U.S. market grew 3.5% in 2023. Mr. Li agreed."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "价格为 2.5 元/秒！", "是否上调？", "The U.S. market grew 3.5% in 2023.", "Mr. Li agreed."]
    numbered = "**2. 产品定价与用户数据**\n1.1. Scope of the survey\nIV. Risks are high. We see 2. Then"
    assert [numbered[s:e] for s, e in sentence_spans(numbered)] == [   # a heading's number ends no sentence
        "**2. 产品定价与用户数据**", "1.1. Scope of the survey", "IV. Risks are high.", "We see 2.", "Then"]
    quoted = "协会以「提升环境意识，善尽地球公民之责任。」为宗旨。他说：“好。”\n次年转型。"
    assert [quoted[s:e] for s, e in sentence_spans(quoted)] == [   # a quotation inside a sentence ends none
        "协会以「提升环境意识，善尽地球公民之责任。」为宗旨。", "他说：“好。”", "次年转型。"]


def test_a_list_ends_at_its_last_item_that_fits_whole():
    text = "- one\n\n- two\n- three is long\nAfter the list.\n"
    assert text[:list_or_paragraph_end(text, 0, len(text))] == "- one\n\n- two\n- three is long"
    assert text[:list_or_paragraph_end(text, 0, text.index("long"))] == "- one\n\n- two"   # never half an item
    assert list_or_paragraph_end("Paragraph.\n- item", 0, 100) == len("Paragraph.")


def test_chinese_report_structure(zh):
    doc, structure = zh
    assert structure.title == "AI视频生成：时长突破 60 秒，商业化拐点已至"
    headings = {s.heading: s for s in structure.sections}
    assert headings["（二）灵影 2.0：国产视频模型的里程碑"].path[0].startswith("一、技术迭代")
    assert headings["1. 发布概况"].level == 3
    for name in ("免责声明", "投资评级说明", "重要声明"):
        assert headings[name].kind == "boilerplate"
    assert headings["（二）风险提示"].kind == "body"
    labels = {f.label: f for f in structure.figures}
    assert {"图表1", "图表2", "图表3", "图4", "图表5", "表1", "图表6"} <= set(labels)
    assert all(f.source.startswith("资料来源") for f in structure.figures)
    assert labels["图表2"].caption.startswith("图表 2: 主流视频生成模型参数对比")


def test_english_report_structure():
    doc = load_document(EN_REPORT)
    structure = parse_report(doc)
    assert structure.title.startswith("Global EV Batteries 2026")
    paths = [s.path for s in structure.sections]
    assert ["2. Battery pack prices: the $100/kWh threshold", "2.1 Where prices stand"] in paths
    assert any(s.heading == "RISKS" and s.level == 1 for s in structure.sections)
    assert {"Table 1", "Figure 1", "Exhibit 2", "Figure 3", "Table 2"} <= {f.label for f in structure.figures}
    assert all(f.source.startswith("Source:") for f in structure.figures)


def test_a_table_of_contents_is_navigation_not_headings_or_figures():
    text = ("目录\n一、行业概况 .......... 3\n（一）市场规模\t4\n二、竞争格局 .......... 6\n图表目录\n"
            "图表1：市场规模 .......... 4\n图表2：竞争格局\t6\n一、行业概况\n行业规模持续扩大，2025 年达到 120 亿元。\n"
            "（一）市场规模\n图表1：市场规模\n资料来源：公司公告\n二、竞争格局\n格局稳定。\n")
    structure = parse_report(Document("toc", "toc.md", text))
    assert [s.path for s in structure.sections] == [["一、行业概况"], ["一、行业概况", "（一）市场规模"], ["二、竞争格局"]]
    assert [(f.label, f.start) for f in structure.figures] == [("图表1", text.rindex("图表1"))]
    contents = [b for b in structure.blocks if b.end <= text.index("一、行业概况\n")]
    assert contents and all(b.kind == "boilerplate" for b in contents)


def test_a_report_that_opens_with_a_numbered_section_is_named_by_its_file():
    body = "一、盈利预测\n公司 2026 年营业收入预计为 820 亿元。\n二、风险提示\n原材料价格波动。\n"
    assert parse_report(Document("r", "星河动力-深度报告.txt", body)).title == "星河动力-深度报告"


def test_a_short_first_line_standing_apart_names_a_text_report():
    text = "黑鹦嘴鱼\n\n黑鹦嘴鱼，又名颈斑鹦哥鱼，为鹦哥鱼科的其中一种。\n"
    assert parse_report(Document("r", "DEV_522.txt", text)).title == "黑鹦嘴鱼"
    run_on = "研究院\n全球经济金融展望报告\n要点\n"   # a PDF's short first line is not set apart: often a logo's text
    assert parse_report(Document("r", "boc.pdf", run_on)).title == "全球经济金融展望报告"


def test_a_post_opening_with_a_hashtag_is_no_heading():
    text = "星河新闻\n## 赛前\n星河队备战决赛。\n#星河队夺冠#[恭喜！星河队3比0获胜] 星河队时隔10年再度夺冠。\n星河队将出战亚冠。\n"
    structure = parse_report(Document("n", "news.txt", text))
    assert [s.heading for s in structure.sections] == ["赛前"]


def test_a_filings_table_rows_abbreviations_and_navigation_are_not_headings_or_its_title():
    text = ("Table of Contents\nACME CORP ANNUAL REPORT\nPART I\nITEM 1A.\tRISK FACTORS\nDemand may fall.\nGAAP\n"
            "NY, TN\nRevenue\t2023\t2022\n(6)\t(0.24)\t(0.04)\n(1)\t(2)\nPART IV\t87\n9.\tIncome Taxes\nTaxes rose.\n"
            "Consolidated Statements of Cash Flows\t42\nStatements of Operations:\n"
            "Consolidated Statements of Cash Flows $ in millions\nPurchases of property and equipment\t(930)\t(840)\n")
    structure = parse_report(Document("f", "filing.md", text))
    assert structure.title == "ACME CORP ANNUAL REPORT"
    headings = [s.heading for s in structure.sections]
    assert {"PART I", "ITEM 1A.\tRISK FACTORS", "9.\tIncome Taxes"} <= set(headings)
    assert not {"GAAP", "NY, TN", "(6)\t(0.24)\t(0.04)", "(1)\t(2)", "PART IV\t87", "Statements of Operations:",
                "Consolidated Statements of Cash Flows\t42"} & set(headings)
    capex = text.index("Purchases of property")   # a statement's rows sit under its title, a question's "cash flow statement"
    assert [s.heading for s in structure.sections if s.start <= capex < s.end][-1] == \
        "Consolidated Statements of Cash Flows $ in millions"


def test_an_auditors_opinion_is_boilerplate_but_the_statements_it_names_are_not():
    """The opinion names every statement ("consolidated balance sheets"), so it would answer every statement
    question; it is kept apart from the statements, like a disclaimer."""
    text = ("REPORT OF INDEPENDENT REGISTERED PUBLIC ACCOUNTING FIRM\n"
            "We have audited the accompanying consolidated balance sheets of Acme Corp as of August 29, 2021.\n"
            "In our opinion, the consolidated financial statements present fairly, in all material respects, the "
            "financial position of the Company.\n"
            "CONSOLIDATED BALANCE SHEETS\nTotal assets\t59,268\t55,556\nTotal liabilities\t41,190\t36,851\n")
    doc = Document("f", "filing.md", text)
    chunks = chunk_report(doc, parse_report(doc), first_id=0)
    kind_at = {phrase: next(c.kind for c in chunks if phrase in c.text) for phrase in ("We have", "In our", "Total")}
    assert kind_at == {"We have": "boilerplate", "In our": "boilerplate", "Total": "body"}


def test_an_institutes_team_list_is_boilerplate_but_the_abstract_after_it_is_not():
    """A cover names the institute and its team (names, phones) before the report's abstract: prose ends the
    list, so the abstract is body text, never ranked below the body as boilerplate."""
    abstract = ("2025 年，全球经济增长动力持续回落，发达经济体增速明显放缓，新兴经济体增速与 2024 年大致持平；"
                "展望 2026 年，全球经济复苏依旧疲软。")
    text = ("全球经济金融展望报告\n星河银行研究院\n组 长：陈星河\n成 员：王一\n李二\n联系人：王一\n"
            f"电 话：010-66594127\n{abstract}\n一、全球经济回顾\n全球贸易放缓。\n")
    doc = Document("r", "outlook.txt", text)
    chunks = chunk_report(doc, parse_report(doc), first_id=0)
    kind_at = {phrase: next(c.kind for c in chunks if phrase in c.text) for phrase in ("陈星河", "持续回落", "全球贸易")}
    assert kind_at == {"陈星河": "boilerplate", "持续回落": "body", "全球贸易": "body"}


def test_figure_mentions_are_normalised():
    assert figure_mentions("如图表3所示，而图 5 与 Figure 2、Exhibit 4 显示") == ["图表3", "图5", "Figure 2", "Exhibit 4"]


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.*")))
def test_chunks_are_exact_bounded_and_never_cross_top_sections(path: Path):
    doc = load_document(path)
    structure = parse_report(doc)
    settings = ChunkingSettings()
    chunks = chunk_report(doc, structure, first_id=100, settings=settings)
    assert [c.chunk_id for c in chunks] == list(range(100, 100 + len(chunks)))
    tops = [(s.start, s.end) for s in structure.sections if s.level == 1]
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
        assert len(chunk.text) <= 2 * settings.max_chars
        crossing = [t for t in tops if t[0] < chunk.end and chunk.start < t[1]]
        assert len(crossing) <= 1, chunk.text[:80]


def test_figures_stay_with_their_caption_and_boilerplate_is_apart(zh):
    doc, structure = zh
    chunks = chunk_report(doc, structure, first_id=0)
    for figure in structure.figures:
        holding = [c for c in chunks if c.start <= figure.start and figure.end <= c.end]
        assert holding and figure.label in holding[0].figures
    disclaimer = next(c for c in chunks if c.section_path[:1] == ["免责声明"])
    assert disclaimer.kind == "boilerplate"
    assert all(c.kind == "body" for c in chunks if c.section_path and c.section_path[0].startswith("一、"))


def test_offsets_survive_arbitrary_text():
    text = "一、\n\n（一）\n1）\n**粗体：**\n图表1\n资料来源:\n" + "长" * 3000 + "\n# \n| a | b |\n"
    doc = Document("x", "x.md", text)
    for chunk in chunk_report(doc, parse_report(doc), first_id=0):
        assert text[chunk.start:chunk.end] == chunk.text and chunk.text.strip()


def test_plural_and_possessive_forms_meet():
    assert tokenize("Amazon's Consolidated Statements of Cash Flows") == tokenize("amazon consolidated statement of cash flow")
    assert tokenize("companies expenses") == tokenize("company expense")
    assert tokenize("its status, the U.S. bus") == ["status", "u", "s", "bus"]   # "-us", "-ss" and short words stay


def test_question_words_are_not_search_terms():
    """哪里 / 何时 / 多久 say what is asked, not what it is about: as terms they would favour pages that ask too."""
    assert tokenize("灵影 2.0 在哪里发布？何时上线？多久更新一次？") == ["灵影", "2.0", "发布", "上线", "更新", "一次"]
    assert "哪吒" in tokenize("哪吒的导演是谁")   # a name that starts like a question word stays
    # nor is a word asking how many or which, however jieba joins it ("几名", "第几次", "哪一年", "多少个")
    assert tokenize("轻艇水球每队有几名队员？第几次夺冠？哪一年？多少个国家？") == \
        ["轻艇", "水球", "每队", "队员", "夺冠", "国家"]
    assert tokenize("几乎所有几内亚的车站") == ["几乎", "所有", "几内亚", "车站"]
    # a quantifier or preposition a single report seldom writes is no rare term ("一些国家", "按平均汇率计算")
    assert tokenize("一些国家按平均汇率计算，某些因素") == ["国家", "平均", "汇率", "计算", "因素"]
    assert tokenize("Using only the details shown in the cash flow statement, answer in USD millions.") == \
        ["cash", "flow", "statement", "million"]   # how to answer is not what it is about


def test_a_dates_unit_is_not_read_into_the_next_word():
    """jieba reads "2023年净出口" as 年净 + 出口 and "6日电" as 日电 (NEC): a word no report means, which a question
    naming 净出口 then had to hold."""
    assert tokenize("2023年净出口") == ["2023", "年", "净", "出口"]
    assert tokenize("2023 年 10 月 6 日电") == ["2023", "年", "10", "月", "6", "日", "电"]
    assert "年期" not in tokenize("10年期国债") and "号线" in tokenize("10号线")


def test_a_guessed_name_does_not_swallow_the_word_beside_it():
    """jieba's model joins a name its dictionary lacks to the function word after or before it ("钟惺在万历…":
    钟惺在, "王沈是哪里人": 王沈是): a word no report writes, so the name asked about was held nowhere."""
    assert tokenize("钟惺在万历四十四年和谁一起登泰山")[0] == "钟惺"
    assert tokenize("王沈是哪里人") == ["王沈", "人"]
    assert "桂湖" in tokenize("对桂湖进行了整修")
    assert "隶属于" in tokenize("隶属于哪个部门")   # a dictionary word keeps its ending


def test_bm25_prefers_the_chunk_with_rare_terms_and_fusion_sums_ranks():
    bm25 = BM25.build([tokenize("灵影 2.0 于 2 月 16 日发布"), tokenize("市场规模达到 120 亿元"), tokenize("灵影 市场")])
    scores = bm25.scores(tokenize("灵影2.0什么时候发布"))
    assert scores.argmax() == 0 and scores[1] == 0
    fused = reciprocal_rank_fusion([[1, 2], [2, 3]], [1.0, 0.5], k=10)
    assert fused[2] == pytest.approx(1 / 12 + 0.5 / 11)
    assert max(fused, key=fused.get) == 2
