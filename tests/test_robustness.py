"""Crash safety of indexing and property tests of the parser and chunker."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from rag.chunking import chunk_report
from rag.index import ReportIndex, current_generation
from rag.schema import Document
from rag.sentences import sentence_spans
from rag.structure import parse_report

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "灵影 2.0 单次最长可以生成多少秒的视频？"

# Report-like pieces, so generated text hits headings, captions, tables and boilerplate paths.
PIECES = st.sampled_from(["一、", "（二）", "1.", "2）", "# ", "## ", "**粗体：**", "图表3：", "图 2 ", "表1:", "资料来源：",
                          "Source:", "Figure 1:", "| a | b |", "免责声明", "RISKS", "第一章", "。", "！", "；", ". ", "\n",
                          "\n\n", " ", "　", "2 月 16 日", "60 秒", "S0000523070001", "e.g.", "Mr. ", "\r", "\t"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_gives_valid_structure_and_chunks(text):
    doc = Document("x", "x.md", text)
    structure = parse_report(doc)
    for section in structure.sections:
        assert 0 <= section.start <= section.end <= len(text)
    for figure in structure.figures:
        assert 0 <= figure.start < figure.end <= len(text)
    ids = set()
    for chunk in chunk_report(doc, structure, first_id=7):
        assert text[chunk.start:chunk.end] == chunk.text and chunk.text.strip()
        assert chunk.chunk_id not in ids
        ids.add(chunk.chunk_id)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_sentences_cover_the_text_in_order(text):
    previous_end = 0
    for start, end in sentence_spans(text):
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end


def _index_command(corpus: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "rag", "index", str(corpus), "--index", str(index)]


def _ask(index: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "rag", "ask", QUESTION, "--index", str(index), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_killed_indexing_runs_leave_the_previous_index_usable(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    assert subprocess.run(_index_command(corpus, index), cwd=ROOT, capture_output=True, timeout=600).returncode == 0
    before = _ask(index)
    # New work for the next runs: a changed report and a new one.
    (corpus / "extra.txt").write_text("一、结论\n星河动力于 2026 年 5 月 8 日完成 12.5 亿元融资。\n" * 40, "utf-8")
    with open(corpus / "2026-semiconductor-outlook.txt", "a", encoding="utf-8") as handle:
        handle.write("\n补充：玄芯 X4 预计于 2026 年四季度发布。\n")
    faults = 0
    for delay in (0.5, 2.0, 4.0, 6.0, 8.0, 10.0):
        process = subprocess.Popen(_index_command(corpus, index), cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            faults += 1
        process.wait()
        assert current_generation(index) is not None
        ReportIndex.load(index)                                  # never a half-written generation
        assert _ask(index)["answer"] == before["answer"]         # answers as before (or as after a full run)
    assert faults >= 3
    finished = subprocess.run(_index_command(corpus, index), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0
    loaded = ReportIndex.load(index)
    assert "extra.txt" in loaded.records and loaded.vectors.ntotal == loaded.chunk_count()
    assert "玄芯 X4" in loaded.records["2026-semiconductor-outlook.txt"].document.text


def test_a_stray_partial_generation_is_never_read(tmp_path):
    (tmp_path / "gen-000009").mkdir()
    (tmp_path / "gen-000009" / "manifest.json").write_text("{truncated", "utf-8")
    assert current_generation(tmp_path) is None
    (tmp_path / "CURRENT").write_text("gen-000010", "utf-8")    # points at a generation that never finished
    assert current_generation(tmp_path) is None
