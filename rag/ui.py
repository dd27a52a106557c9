"""HTML and Markdown for the browser app, from the JSON an answer gives (`Answer.to_json()`).

Report text is untrusted: every string taken from a report (quotes, titles, section paths, file
names) goes through `_esc`, which also turns Markdown syntax characters into entities, so a
`<script>`, an `<img onerror>` or a `[link](javascript:...)` in a report shows as plain text.
"""
from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping

from .index import DocumentRecord
from .structure import table_cells

LABELS = {
    "en": {
        "title": "Report Q&A", "chat_tab": "Ask", "library_tab": "Report library",
        "question": "Question", "placeholder": "Ask about the reports, e.g. What was global battery capacity in 2025?",
        "ask": "Ask", "new_chat": "New conversation", "restrict": "Only search these reports (none = all)",
        "chat": "Conversation", "sources": "Sources", "pick_source": "Citation or passage to show",
        "no_sources": "Ask a question; its sources appear here.", "citation": "Citation",
        "passage": "Passage", "other_passages": "Other retrieved passages", "section": "Section",
        "figure": "Figure / table", "columns": "Table columns", "page": "Page", "score": "score", "understood_as": "Understood as",
        "markdown": "Answer as Markdown (copy button at the top right)", "upload": "Add reports (PDF, Markdown, text)",
        "indexing": "Indexing", "report": "Report", "file": "File", "pages": "Pages", "chunks": "Chunks",
        "indexed": "Indexed", "no_reports": "No reports are indexed yet.", "remove_pick": "Report to remove",
        "remove": "Remove report", "removed": "Removed {name}.", "added": "Indexed: {names}.",
        "nothing_added": "Nothing new was indexed.", "skipped": "Skipped {name}: {reason}",
        "warning": "Indexed {name} in part: {reason}",
    },
    "zh": {
        "title": "研报问答", "chat_tab": "提问", "library_tab": "报告库",
        "question": "问题", "placeholder": "就报告内容提问，例如：灵影 2.0 单次最长可以生成多少秒的视频？",
        "ask": "提问", "new_chat": "新对话", "restrict": "只在这些报告中检索（不选 = 全部）",
        "chat": "对话", "sources": "来源", "pick_source": "要查看的引用或段落",
        "no_sources": "提问后，答案的来源会显示在这里。", "citation": "引用",
        "passage": "段落", "other_passages": "其他检索到的段落", "section": "章节",
        "figure": "图表", "columns": "表头", "page": "页码", "score": "得分", "understood_as": "解析为",
        "markdown": "答案（Markdown，右上角可复制）", "upload": "添加报告（PDF、Markdown、文本）",
        "indexing": "正在索引", "report": "报告", "file": "文件", "pages": "页数", "chunks": "分块",
        "indexed": "索引时间", "no_reports": "还没有已索引的报告。", "remove_pick": "要删除的报告",
        "remove": "删除报告", "removed": "已删除 {name}。", "added": "已索引：{names}。",
        "nothing_added": "没有新的内容被索引。", "skipped": "已跳过 {name}：{reason}",
        "warning": "{name} 只索引了一部分：{reason}",
    },
}

CSS = """
.cite { color: var(--color-accent); font-weight: 600; }
.quote { white-space: pre-wrap; }   /* a quote running on over a list or a table keeps its lines and columns */
.footnotes { font-size: 0.85em; opacity: 0.85; margin-top: 0.5em; padding-left: 0; list-style: none; }
.by-report { display: flex; gap: 1em; flex-wrap: wrap; }
.by-report > section { flex: 1 1 14em; border-left: 3px solid var(--color-accent); padding-left: 0.6em; }
.report-title { font-weight: 600; }
.resolved { font-size: 0.85em; opacity: 0.8; }
.source { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.6em; margin-bottom: 0.6em; }
.source.selected { border-color: var(--color-accent); }
.source .meta { font-size: 0.85em; opacity: 0.85; }
.source .text { white-space: pre-wrap; }
.source-link { cursor: pointer; }
.source mark { background: #ffe066; color: #000; }
.library td, .library th { padding: 0.2em 0.6em; text-align: left; }
"""

_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]()#!|~{}>-]")
_ESCAPED_BOLD = re.compile(r"&#42;&#42;(?!\s)(.+?)(?<!\s)&#42;&#42;")


def _esc(text: str) -> str:
    """HTML-escape, and write Markdown syntax characters as entities so no renderer acts on them."""
    return _MARKDOWN_SYNTAX.sub(lambda m: f"&#{ord(m.group(0))};", html.escape(str(text), quote=True))


def _inert_markdown(text: str) -> str:
    """Report text for a pasted Markdown note: reads the same once rendered, but no tag, link or image
    in it can act (<, >, &, [ and ] as entities; everything else left as written)."""
    return html.escape(str(text), quote=False).replace("[", "&#91;").replace("]", "&#93;")


def highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` escaped, with each (start, end) span (offsets into `text`) wrapped in <mark>."""
    out, position = [], 0
    for start, end in sorted(spans):
        start = max(start, position)
        if start >= end:
            continue
        out += [_esc(text[position:start]), "<mark>", _esc(text[start:end]), "</mark>"]
        position = end
    out.append(_esc(text[position:]))
    return "".join(out)


def citation_place(citation: Mapping, page_word: str = "p.") -> str:
    """Where a citation points: report title, section, figure/table, page."""
    parts = [citation["title"] or citation["doc"], citation["section"], citation["figure"], f"{page_word} {citation['page']}"]
    return " · ".join(p for p in parts if p)


def render_question(question: str, resolved: str, labels: Mapping) -> str:
    note = f'<div class="resolved">{_esc(labels["understood_as"])}: {_esc(resolved)}</div>' if resolved != question else ""
    return f"<div>{_esc(question)}</div>{note}"


def render_answer(answer: Mapping, labels: Mapping, number: int) -> str:
    """The chat reply: quoted sentences with [n] markers (grouped by report when several are cited).

    `number` is the answer's place in the conversation: see source_link."""
    if not answer["answerable"]:
        return f"<p>{_esc(answer['message'])}</p>"
    citations = {c["id"]: c for c in answer["citations"]}
    by_doc: dict[str, list[Mapping]] = {}
    for sentence in answer["answer"]:
        by_doc.setdefault(citations[sentence["citation"]]["doc"], []).append(sentence)
    if len(by_doc) == 1:
        body = "".join(_sentence(s, citations, labels, number) for s in answer["answer"])
    else:
        body = '<div class="by-report">' + "".join(
            f'<section><div class="report-title">{_esc(_report_heading(citations[group[0]["citation"]]))}</div>'
            + "".join(_sentence(s, citations, labels, number) for s in group) + "</section>"
            for doc, group in by_doc.items()) + "</div>"
    notes = "".join(f"<li>[{c['id']}] {_esc(citation_place(c, labels['page']))}</li>" for c in answer["citations"])
    return f'{body}<ul class="footnotes">{notes}</ul>'


def _report_heading(citation: Mapping) -> str:
    title = citation["title"] or citation["doc"]
    return f"{title} ({citation['date']})" if citation.get("date") else title


def _sentence(sentence: Mapping, citations: Mapping, labels: Mapping, number: int) -> str:
    cited = sentence["citation"]
    place = _esc(citation_place(citations[cited], labels["page"]))
    return (f'<p class="quote">{_bold_marked(_esc(sentence["text"]))} <span class="cite {source_link(number, f"c{cited}")}" '
            f'title="{place}">[{cited}]</span></p>')


def _bold_marked(escaped: str) -> str:
    """Markdown bold in a quote ("**视频时长达到 60 秒：**", a report's lead-in) shown bold rather than as
    asterisks; `escaped` is already escaped, so only the asterisk entities become tags."""
    return _ESCAPED_BOLD.sub(r"<strong>\1</strong>", escaped)


def source_choices(answer: Mapping, labels: Mapping) -> list[tuple[str, str]]:
    """(label, value) pairs for the source picker: citations "c<id>", then passages "p<rank>"."""
    cited = [(f"[{c['id']}] {_last_section(c['section'])} · {labels['page']} {c['page']}", f"c{c['id']}")
             for c in answer["citations"]]
    passages = [(f"{labels['passage']} {p['rank']} · {p['score']:.3f} · {p['doc']} · {_last_section(p['section'])}",
                 f"p{p['rank']}") for p in answer["passages"]]
    return cited + passages


def source_link(number: int, selected: str) -> str:
    """CSS classes marking an element whose click shows source `selected` of answer `number`.

    Classes, not data attributes, because the chat sanitiser keeps only those; the app's script reads
    "src-<number>-<selected>" and asks the server for that source."""
    return f"source-link src-{number}-{selected}"


def _last_section(path: str) -> str:
    return path.rsplit(" > ", 1)[-1]


def render_sources(answer: Mapping | None, selected: str | None, labels: Mapping, number: int = 0) -> str:
    """The chosen citation or passage in full, quote marked, then the other passages with their scores.

    `selected` is a source_choices value; `number` the answer's place in the conversation (see render_answer)."""
    if not answer or not answer["passages"]:
        return f'<p class="sources-empty">{_esc(labels["no_sources"])}</p>'
    selected = selected or source_choices(answer, labels)[0][1]
    citation = next((c for c in answer["citations"] if f"c{c['id']}" == selected), None)
    if citation:
        passage = next((p for p in answer["passages"] if _holds(p, citation)), None)
        top = _cited_block(citation, passage, labels)
    else:
        passage = next(p for p in answer["passages"] if f"p{p['rank']}" == selected)
        top = _passage_block(passage, answer["citations"], labels, number, selected=True)
    others = "".join(_passage_block(p, answer["citations"], labels, number)
                     for p in answer["passages"] if p is not passage)
    return f'{top}<h4>{_esc(labels["other_passages"])}</h4>{others}' if others else top


def _holds(passage: Mapping, citation: Mapping) -> bool:
    return passage["doc"] == citation["doc"] and passage["start"] <= citation["start"] and citation["end"] <= passage["end"]


def _cited_block(citation: Mapping, passage: Mapping | None, labels: Mapping) -> str:
    if passage:
        text = highlight(passage["text"], [(citation["start"] - passage["start"], citation["end"] - passage["start"])])
    else:  # the quote's chunk ranked below the passages shown: show the quote alone
        text = highlight(citation["quote"], [(0, len(citation["quote"]))])
    meta = [(labels["report"], f'{citation["title"]} ({citation["doc"]})'), (labels["section"], citation["section"]),
            (labels["figure"], citation["figure"]), (labels["columns"], _cells(citation.get("columns", ""))),
            (labels["page"], str(citation["page"]))]
    return _block(f'{labels["citation"]} [{citation["id"]}]', meta, text, f'cite-{citation["id"]}', selected=True)


def _passage_block(passage: Mapping, citations: list[Mapping], labels: Mapping, number: int,
                   selected: bool = False) -> str:
    quotes = [(c["start"] - passage["start"], c["end"] - passage["start"]) for c in citations if _holds(passage, c)]
    meta = [(labels["report"], passage["doc"]), (labels["section"], passage["section"]),
            (labels["figure"], ", ".join(passage["figures"])),
            (labels["page"], ", ".join(str(p) for p in passage["pages"]))]
    heading = f'{labels["passage"]} {passage["rank"]} · {labels["score"]} {passage["score"]:.3f}'
    source = "" if selected else source_link(number, f'p{passage["rank"]}')
    return _block(heading, meta, highlight(passage["text"], quotes), f'passage-{passage["rank"]}', selected, source)


def _block(heading: str, meta: list[tuple[str, str]], text_html: str, anchor: str, selected: bool,
           source: str = "") -> str:
    """One source; `source` (classes from source_link) makes a click on it select it."""
    rows = "".join(f"<div>{_esc(name)}: {_esc(value)}</div>" for name, value in meta if value)
    return (f'<div class="source{" selected" if selected else ""} {source}" id="{anchor}"><div><b>{_esc(heading)}</b></div>'
            f'<div class="meta">{rows}</div><div class="text">{text_html}</div></div>')


def answer_markdown(answer: Mapping) -> str:
    """The answer to paste elsewhere: question, quotes with [n], and where each quote is from."""
    lines = [f"**Q:** {_inert_markdown(answer['question'])}", ""]
    if not answer["answerable"]:
        return "\n".join(lines + [answer["message"]])
    lines += ["\n>\n".join(_quoted(f"{_inert_markdown(s['text'])} [{s['citation']}]") for s in answer["answer"]), ""]
    for c in answer["citations"]:
        section = " > ".join(_inert_markdown(part) for part in c["section"].split(" > ")) if c["section"] else ""
        columns = _inert_markdown(_cells(c.get("columns", "")))
        where = "; ".join(p for p in (section, _inert_markdown(c["figure"]), columns and f"columns: {columns}",
                                      f"p. {c['page']}") if p)
        lines.append(f"[{c['id']}] {_inert_markdown(c['title'])} (`{c['doc'].replace('`', '')}`), {where}")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """A Markdown block quote of every line of `text` (a quote may run on over a list)."""
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n"))


def _cells(row: str) -> str:
    """A table row's cells for reading: "Item | 2023 | 2022"."""
    return " | ".join(table_cells(row))


def render_notice(lines: list[str]) -> str:
    return "".join(f"<p>{_esc(line)}</p>" for line in lines)


def render_library(records: Mapping[str, DocumentRecord], labels: Mapping) -> str:
    """The indexed reports as a table: title, file, pages, chunks, when indexed."""
    if not records:
        return f"<p>{_esc(labels['no_reports'])}</p>"
    head = "".join(f"<th>{_esc(labels[k])}</th>" for k in ("report", "file", "pages", "chunks", "indexed"))
    rows = "".join(
        f"<tr><td>{_esc(r.title)}</td><td>{_esc(name)}</td><td>{r.document.page_count}</td><td>{len(r.chunks)}</td>"
        f"<td>{time.strftime('%Y-%m-%d %H:%M', time.localtime(r.indexed_at))}</td></tr>"
        for name, r in sorted(records.items()))
    return f'<table class="library"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\- ]+")


def safe_upload_name(name: str) -> str:
    """A file name safe to write in the uploads folder: base name only, no separators, no leading dots."""
    base = re.split(r"[\\/]", name)[-1]
    base = _UNSAFE_NAME_CHARS.sub("_", base).strip(" .")
    return base or "upload"
