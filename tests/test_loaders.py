from pathlib import Path

import pytest

from pdf_factory import write_content_bomb_pdf, write_image_only_pdf, write_pdf
from rag.loaders import LoadError, load_document

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
        ["三、风险提示", "地缘政治冲突超预期。"],
    ]
    doc = load_document(write_pdf(tmp_path / "report.pdf", pages, header="全球经济展望报告"))
    body, furniture_part = doc.text.split("\n\n\n", 1)
    assert "通胀压力逐步缓解" in body                      # a Chinese line wrap joined, no space
    assert "没有结束，而是延续到下一页。" in body             # a paragraph joined across the page break
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
