from pathlib import Path

import pytest

from pdf_factory import write_content_bomb_pdf, write_image_only_pdf, write_pdf, write_placed_pdf, wrap
from rag.loaders import LoadError, load_document
from rag.structure import parse_report, table_header

REPORT_LINE = "2024 年全球经济增速预计为 2.7%，较上年回落。"


def test_text_encodings_decode_to_the_same_text(tmp_path: Path):
    text = "一、行业概览\n灵影 2.0 于 2 月 16 日发布：单次最长 60 秒。\n"
    (tmp_path / "utf8.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "bom.md").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    (tmp_path / "crlf.txt").write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    for name in ("utf8.txt", "bom.md", "gbk.txt", "crlf.txt"):
        assert load_document(tmp_path / name).text == text, name


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.md", b" \n\n\t", "empty file"),
    ("binary.txt", bytes(range(256)) * 4, "binary content"),
    ("zero.pdf", b"", "empty file"),
    ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "unreadable PDF"),
    ("slides.pptx", b"PK\x03\x04", "unsupported file type .pptx"),
])
def test_bad_files_get_a_one_line_reason(tmp_path: Path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=reason) as raised:
        load_document(path)
    assert "\n" not in str(raised.value)


def test_encrypted_and_image_only_pdfs_are_refused_clearly(tmp_path: Path):
    encrypted = write_pdf(tmp_path / "locked.pdf", [[REPORT_LINE]], encrypt="secret")
    with pytest.raises(LoadError, match="encrypted"):
        load_document(encrypted)
    with pytest.raises(LoadError, match="image-only"):
        load_document(write_image_only_pdf(tmp_path / "scan.pdf"))


def test_pdf_pages_wraps_and_running_headers(tmp_path: Path):
    pages = [
        ["一、宏观经济展望", REPORT_LINE + "通", "胀压力逐步缓解。", "图 1：全球 GDP 增速（%）", "资料来源：IMF，测试研究院",
         "这一段在本页末尾没有结"],
        ["束，而是延续到下一页。", "二、货币政策展望", "主要央行加息周期接近尾声。"],
        ["三、风险提示", "地缘政治冲突超预期。", "英国民众以可支配收入衡量的生活标准在下一财年仍将较疫情前水平低",
         "3.5%，随着通胀降温，加息之路基本宣告结束。"],
    ]
    doc = load_document(write_pdf(tmp_path / "report.pdf", pages, header="全球经济展望报告"))
    body, furniture_part = doc.text.split("\n\n\n", 1)
    assert "通胀压力逐步缓解" in body                      # a Chinese line wrap joined, no space
    assert "没有结束，而是延续到下一页。" in body             # a paragraph joined across the page break
    assert "较疫情前水平低3.5%，随着" in body                 # a wrapped line opening with a decimal is no list item
    assert "全球经济展望报告" not in body and "全球经济展望报告" in furniture_part
    assert doc.title_hint == "全球经济展望报告"
    for start, end in doc.furniture:
        assert doc.text[start:end] in ("全球经济展望报告", "1", "2", "3")
    assert doc.page_at(body.index("二、货币政策展望")) == 2
    assert doc.page_at(body.index("三、风险提示")) == 3
    assert doc.page_at(body.index("图 1")) == 1


def test_a_pdf_over_the_page_limit_is_refused_before_reading(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("rag.loaders.MAX_PDF_PAGES", 5)
    bomb = write_pdf(tmp_path / "bomb.pdf", [[REPORT_LINE]] * 6)
    with pytest.raises(LoadError, match="6 pages, more than the limit of 5"):
        load_document(bomb)


def test_a_decompression_bomb_is_stopped_by_the_memory_limit_and_the_next_pdf_reads(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("rag.loaders.MAX_PDF_MEMORY", 256 * 2**20)
    with pytest.raises(LoadError, match="crashed or ran out of memory"):
        load_document(write_content_bomb_pdf(tmp_path / "bomb.pdf", megabytes=400))
    assert REPORT_LINE in load_document(write_pdf(tmp_path / "fine.pdf", [[REPORT_LINE]])).text


def test_scanned_pages_are_reported_by_number(tmp_path: Path):
    doc = load_document(write_pdf(tmp_path / "mixed.pdf", [["一、概览", REPORT_LINE], [], [], ["二、展望", "结论。"]]))
    assert doc.textless_pages == [2, 3]
    assert doc.page_at(doc.text.index("二、展望")) == 4


def test_paths_with_spaces_and_chinese_load_and_keep_their_names(tmp_path: Path):
    folder = tmp_path / "研究 报告" / "2026 年"
    folder.mkdir(parents=True)
    path = folder / "半导体 展望 (终稿).txt"
    path.write_text("一、结论\n" + REPORT_LINE, encoding="utf-8")
    doc = load_document(path, name="2026 年/半导体 展望 (终稿).txt")
    assert doc.name == "2026 年/半导体 展望 (终稿).txt" and REPORT_LINE in doc.text


LEFT = ("左栏正文讨论宏观经济：全球增速放缓，通胀回落，主要央行货币政策转向宽松，新兴市场资本流入改善，大宗商品价格区间震荡，"
        "企业盈利温和修复。国内方面，消费复苏节奏偏慢，地产投资仍在筑底，基建投资托底作用明显，出口结构向高附加值产品转移，"
        "政策端维持积极取向。")
RIGHT = ("右栏正文讨论行业景气：半导体周期触底回升，存储价格连续三个季度上涨，先进封装产能紧张，设备国产化率提高到百分之三十以上，"
         "龙头公司订单饱满。下游需求方面，服务器与智能手机拉动明显，汽车电子增速放缓，工业控制库存去化接近尾声，"
         "全年行业景气向上。")


def test_interleaved_two_columns_are_read_column_by_column(tmp_path: Path):
    left, right = wrap(LEFT, 22), wrap(RIGHT, 22)
    items = [(50, 780, "二〇二六年度策略报告：宏观与行业", 16)]
    for row, (a, b) in enumerate(zip(left, right)):   # the stream alternates between the columns
        items += [(50, 740 - 16 * row, a, 10), (310, 740 - 16 * row, b, 10)]
    items.append((50, 560, "全宽结论段落：宏观环境改善与行业景气上行共振，维持行业推荐评级，建议关注设备与材料龙头。", 10))
    doc = load_document(write_placed_pdf(tmp_path / "columns.pdf", [items]))
    assert LEFT in doc.text and RIGHT in doc.text
    assert doc.text.index("二〇二六") < doc.text.index(LEFT) < doc.text.index(RIGHT) < doc.text.index("全宽结论")
    assert doc.text.startswith("二〇二六年度策略报告：宏观与行业\n")   # a larger type size ends the title


def test_a_side_bar_does_not_cut_into_the_summary(tmp_path: Path):
    summary = wrap(LEFT + RIGHT, 24)
    side = ["分析师：张三", "执业证书编号：S0000000000001", "评级：买入", "目标价：128 元", "联系人：李四"]
    items = []
    for row, line in enumerate(summary):   # summary line, then a side bar line on its own leading
        items.append((200, 700 - 15 * row, line, 10))
        if row < len(side):
            items.append((40, 690 - 29 * row, side[row], 8))
    doc = load_document(write_placed_pdf(tmp_path / "first-page.pdf", [items]))
    assert LEFT + RIGHT in doc.text
    assert all(line in doc.text for line in side)


def test_running_lines_go_by_position_and_the_same_words_in_the_body_stay(tmp_path: Path):
    pages = []
    for number in range(1, 5):
        items = [(60, 810, "测试研究院 行业深度报告", 8), (290, 25, str(number), 8)]
        items += [(60, 700 - 16 * i, f"第{number}页正文第{i}行，介绍产业链的变化与公司竞争格局。", 10) for i in range(5)]
        if number == 2:
            items.append((60, 500, "测试研究院 行业深度报告", 8))   # a chart credit mid-page, not a header
        pages.append(items)
    doc = load_document(write_placed_pdf(tmp_path / "credits.pdf", pages))
    body = doc.text[:min(start for start, _ in doc.furniture)]
    assert body.count("测试研究院 行业深度报告") == 1
    assert {doc.text[s:e] for s, e in doc.furniture} == {"测试研究院 行业深度报告", "1", "2", "3", "4"}


def test_table_rows_stay_rows_with_their_cells_apart(tmp_path: Path):
    rows = [("公司", "2025E 营收", "2026E 营收"), ("星河动力", "12.5 亿元", "18.0 亿元"), ("天河电池", "35.2 亿元", "41.7 亿元")]
    items = [(60, 700, "表1：重点公司营收预测", 10)]
    for r, cells in enumerate(rows):
        items += [(60 + 150 * c, 670 - 18 * r, cell, 10) for c, cell in enumerate(cells)]
    items.append((60, 600, "资料来源：公司公告，测试研究院", 9))
    doc = load_document(write_placed_pdf(tmp_path / "table.pdf", [items]))
    assert doc.text.splitlines()[:5] == ["表1：重点公司营收预测", "公司\t2025E 营收\t2026E 营收", "星河动力\t12.5 亿元\t18.0 亿元",
                                         "天河电池\t35.2 亿元\t41.7 亿元", "资料来源：公司公告，测试研究院"]
    header = "公司\t2025E 营收\t2026E 营收"
    assert table_header(doc.text, doc.text.index("天河电池") + 3) == header   # the row's column labels
    assert table_header(doc.text, doc.text.index(header)) == ""                # a header has none above it
    assert table_header(doc.text, doc.text.index("资料来源")) == ""             # nor does text after the table


def test_headings_and_title_are_read_from_type_size(tmp_path: Path):
    """Unnumbered headings a reader knows by their size: a cover title set over two lines in 30 pt,
    a 16 pt heading, 10 pt body text; a 16 pt line repeated on every page (a credit) is no heading."""
    body = wrap("全球储能装机在二零二五年继续增长，其中中国市场贡献过半，海外市场的增速更快一些。", 30)
    cover = [(60, 760, "全球储能产业", 30), (60, 720, "年度展望报告", 30)]
    cover += [(60, 650 - 16 * i, line, 10) for i, line in enumerate(body)]
    pages = [cover]
    for heading in ("海外市场加速扩张", "国内市场保持领先"):
        page = [(60, 760, heading, 16)] + [(60, 730 - 16 * i, line, 10) for i, line in enumerate(body * 3)]
        pages.append(page + [(60, 60, "测试研究院数据中心", 16)])
    pages.append([(60, 760, "附录", 10)] + [(60, 730, "测试研究院数据中心", 16)])
    doc = load_document(write_placed_pdf(tmp_path / "layout.pdf", pages))
    assert doc.title_hint == "全球储能产业年度展望报告"   # the two title lines make one paragraph
    structure = parse_report(doc)
    assert [s.heading for s in structure.sections] == ["海外市场加速扩张", "国内市场保持领先"]
    second = structure.sections[1]
    assert doc.page_at(second.start) == 3 and doc.text[second.start:].startswith("国内市场保持领先")
