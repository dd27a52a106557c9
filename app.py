"""Browser chat over the indexed reports.

    python app.py [--host 127.0.0.1] [--port 7860] [--index index/] [--corpus corpus/] [--lang en|zh]

On first start (no index in --index) the --corpus folder is indexed, with progress in the terminal; an
index an older version chunked is rebuilt from it (see `prepare_index`).
The app binds 127.0.0.1 unless --host says otherwise. UI labels are English or Chinese (--lang, else
the RAG_LANG environment variable, else English).

Password: set RAG_APP_PASSWORD to require a log-in; the user name is free (e.g. "analyst"), the
password must match.

API: the endpoint /ask takes (question, docs) — docs a list of report names, empty for all — and
returns the JSON of `python -m rag ask --json`:

    from gradio_client import Client
    Client("http://127.0.0.1:7860/").predict("What was global cell capacity in 2025?", [], api_name="/ask")
"""
from __future__ import annotations

import argparse
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import gradio as gr

from rag import ui
from rag.followup import resolve_followup
from rag.index import IndexUnavailable, current_generation
from rag.indexing import IndexSummary, index_paths, outdated_chunking, print_progress, remove_report
from rag.qa import QuestionError, ReportQA
from rag.settings import Settings

ASK_CONCURRENCY = 4   # ReportQA.ask is read-only, so several questions can run at once
UPLOAD_TYPES = [".pdf", ".md", ".markdown", ".txt"]
NEW_SESSION = {"previous": None, "answers": [], "shown": None}   # shown: index of the answer in the sources panel

# A click on a [n] marker or a listed passage (classes from ui.source_link) asks the server to show
# that source, through a hidden textbox; the time makes a repeated click a new request.
SOURCE_CLICKS_JS = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest(".source-link");
    const box = document.querySelector("#source-request textarea");
    if (!link || !box) return;
    const source = [...link.classList].find((name) => name.startsWith("src-")).slice(4);
    box.value = `${source}|${Date.now()}`;
    box.dispatchEvent(new Event("input", {bubbles: true}));
    document.getElementById("sources")?.scrollIntoView({block: "start"});
  });
}
"""


class Library:
    """The open ReportQA, replaced whole after each index change; answers in flight keep the old one."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._qa = ReportQA.open(settings).warm_up()
        self._swap = threading.Lock()
        self._writing = threading.Lock()   # one index change at a time: each rewrites the index folder

    @property
    def qa(self) -> ReportQA:
        with self._swap:
            return self._qa

    def ask(self, question: str, docs: list[str] | None) -> dict:
        self._follow_other_writers()
        return self.qa.ask(question, docs=docs or None).to_json()

    def _follow_other_writers(self) -> None:
        """Another process (`python -m rag index`) may have saved a newer index: answer from it."""
        current = current_generation(self.settings.index_dir)
        if current and current.name != self.qa.index.generation and self._writing.acquire(blocking=False):
            try:
                self._reopen()
            finally:
                self._writing.release()

    def add(self, files: list[Path], progress) -> IndexSummary:
        with self._writing:
            summary = index_paths(files, self.settings, self.qa.embedder, remove_missing=False, progress=progress,
                                  names_from=self.settings.corpus_dir)
            self._reopen()
        return summary

    def remove(self, name: str) -> None:
        with self._writing:
            remove_upload(self.settings, name)
            self._reopen()

    def _reopen(self) -> None:
        qa = ReportQA.open(self.settings, self.qa.embedder).warm_up()   # the old one answers meanwhile
        with self._swap:
            self._qa = qa


def uploads_dir(settings: Settings) -> Path:
    return settings.corpus_dir / "uploads"


def remove_upload(settings: Settings, name: str) -> None:
    """Drop a report from the index; an uploaded file is deleted too, so re-indexing does not bring it back."""
    source = remove_report(settings, name)
    if source and Path(source).parent == uploads_dir(settings).resolve():
        Path(source).unlink(missing_ok=True)


def build_app(library: Library, labels: dict) -> gr.Blocks:
    with gr.Blocks(title=labels["title"]) as demo:
        session = gr.State(NEW_SESSION)
        with gr.Tab(labels["chat_tab"]):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label=labels["chat"], height=520, render_markdown=False,
                                         elem_id="chat", buttons=["copy"])
                    question = gr.Textbox(label=labels["question"], placeholder=labels["placeholder"],
                                          elem_id="question")
                    with gr.Row():
                        ask = gr.Button(labels["ask"], variant="primary", elem_id="ask")
                        new_chat = gr.Button(labels["new_chat"], elem_id="new-chat")
                    docs = gr.CheckboxGroup(label=labels["restrict"], elem_id="docs")
                with gr.Column(scale=2):
                    picker = gr.Radio(label=labels["pick_source"], elem_id="source-picker")
                    sources = gr.HTML(ui.render_sources(None, None, labels), label=labels["sources"],
                                      elem_id="sources", max_height=900)
                    source_request = gr.Textbox(visible="hidden", elem_id="source-request")
                    markdown = gr.Code(language="markdown", label=labels["markdown"], buttons=["copy"],
                                       interactive=False, wrap_lines=True, elem_id="markdown")
        with gr.Tab(labels["library_tab"]):
            library_table = gr.HTML(elem_id="library")
            upload = gr.File(label=labels["upload"], file_count="multiple", file_types=UPLOAD_TYPES,
                             elem_id="upload")
            status = gr.HTML(elem_id="library-status")
            with gr.Row():
                to_remove = gr.Dropdown(label=labels["remove_pick"], elem_id="remove-pick")
                remove = gr.Button(labels["remove"], variant="stop", elem_id="remove")

        def library_views():
            records = library.qa.index.records
            names = [(f"{r.title} ({name})", name) for name, r in sorted(records.items())]
            return ui.render_library(records, labels), gr.update(choices=names), gr.update(choices=names, value=None)

        def on_ask(text, chosen_docs, history, state):
            resolved = resolve_followup(text or "", state["previous"])
            try:
                answer = library.ask(resolved, chosen_docs)
            except QuestionError as err:
                asked = {"role": "user", "content": ui.render_question(text or "", resolved, labels)}
                reply = {"role": "assistant", "content": ui.render_notice([str(err)])}
                return history + [asked, reply], state, gr.update(), gr.update(), gr.update(), text
            # shown as searched: the previous topic taken in, pinyin names read as the Chinese names reports write
            history = history + [{"role": "user", "content": ui.render_question(text or "", answer["searched"], labels)}]
            number = len(state["answers"])
            reply = {"role": "assistant", "content": ui.render_answer(answer, labels, number)}
            state = {"previous": resolved, "answers": state["answers"] + [answer], "shown": number}
            picker_update, panel = show_source(state, None)
            return history + [reply], state, picker_update, panel, ui.answer_markdown(answer), ""

        def show_source(state, selected):
            answer = state["answers"][state["shown"]]
            choices = ui.source_choices(answer, labels)
            values = [value for _, value in choices]
            selected = selected if selected in values else next(iter(values), None)
            return (gr.update(choices=choices, value=selected),
                    ui.render_sources(answer, selected, labels, state["shown"]))

        def on_source_request(request, state):
            number, _, selected = request.split("|")[0].partition("-")
            if not number.isdigit() or int(number) >= len(state["answers"]):
                return state, gr.update(), gr.update()
            state = {**state, "shown": int(number)}
            return state, *show_source(state, selected)

        def on_pick(choice, state):
            if state["shown"] is None:
                return gr.update()
            return ui.render_sources(state["answers"][state["shown"]], choice, labels, state["shown"])

        def on_new_chat():
            return [], NEW_SESSION, gr.update(choices=[], value=None), ui.render_sources(None, None, labels), "", ""

        def on_upload(files, progress=gr.Progress()):
            saved = [save_upload(Path(f), uploads_dir(library.settings)) for f in files or []]
            report = lambda name, done, total: progress((done, total), desc=f"{labels['indexing']} {name}")
            try:
                summary = library.add(saved, report)
            except IndexUnavailable as err:   # an index of another model or pipeline version: say how to rebuild
                return (ui.render_notice([str(err)]), *library_views(), None)
            return (ui.render_notice(upload_notes(summary, labels)), *library_views(), None)

        def on_remove(name):
            if name not in library.qa.index.records:   # nothing picked, or removed meanwhile in another tab
                return gr.update(), *library_views()
            library.remove(name)
            return ui.render_notice([labels["removed"].format(name=name)]), *library_views()

        ask_outputs = [chatbot, session, picker, sources, markdown, question]
        for trigger in (ask.click, question.submit):
            trigger(on_ask, [question, docs, chatbot, session], ask_outputs, api_visibility="private",
                    concurrency_limit=ASK_CONCURRENCY, concurrency_id="ask")
        picker.input(on_pick, [picker, session], sources, api_visibility="private")
        source_request.change(on_source_request, [source_request, session], [session, picker, sources],
                             api_visibility="private")
        for trigger in (new_chat.click, chatbot.clear):
            trigger(on_new_chat, None, ask_outputs, api_visibility="private")
        upload.upload(on_upload, upload, [status, library_table, docs, to_remove, upload], api_visibility="private")
        remove.click(on_remove, to_remove, [status, library_table, docs, to_remove], api_visibility="private")
        demo.load(library_views, None, [library_table, docs, to_remove], api_visibility="private")

        def ask_api(question: str, docs: list[str] | None = None) -> dict:
            """Answer a question from the reports (docs: report names to search, empty for all)."""
            try:
                return library.ask(question, docs)
            except QuestionError as err:
                raise gr.Error(str(err)) from err

        gr.api(ask_api, api_name="ask", concurrency_limit=ASK_CONCURRENCY, concurrency_id="ask")
    return demo


def save_upload(temporary: Path, folder: Path) -> Path:
    """Copy an uploaded file into the corpus uploads folder under a sanitised name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ui.safe_upload_name(temporary.name)
    shutil.copyfile(temporary, target)
    return target


def upload_notes(summary: IndexSummary, labels: dict) -> list[str]:
    notes = [labels["skipped"].format(name=name, reason=reason) for name, reason in summary.skipped]
    notes += [labels["warning"].format(name=name, reason=reason) for name, reason in summary.warnings]
    added = summary.added + summary.updated
    return notes + [labels["added"].format(names=", ".join(added)) if added else labels["nothing_added"]]


def prepare_index(settings: Settings) -> None:
    """Index the corpus on first start. An index an older version chunked is rebuilt from the corpus when all
    its reports came from there (uploads included); one holding reports from elsewhere is left, with the
    command that rebuilds it, since the app cannot know those folders are still wanted."""
    outdated, sources = outdated_chunking(settings.index_dir)
    if current_generation(settings.index_dir) is not None and not outdated:
        return
    corpus = settings.corpus_dir.resolve()
    if outdated and not all(source.is_relative_to(corpus) for source in sources):
        print(f"{outdated}. It holds reports from outside {settings.corpus_dir}, so it is served as it is; rebuild "
              f"it with: python -m rag index --rebuild FOLDER ... --index {settings.index_dir}", flush=True)
        return
    if outdated:
        print(f"{outdated}: rebuilding it.", flush=True)
    print(f"Indexing {settings.corpus_dir} into {settings.index_dir} ...", flush=True)
    for line in index_paths([settings.corpus_dir], settings, rebuild=bool(outdated), progress=print_progress).lines():
        print(line, flush=True)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = replace(Settings(), index_dir=Path(args.index), corpus_dir=Path(args.corpus))
    prepare_index(settings)
    demo = build_app(Library(settings), ui.LABELS[args.lang])
    password = os.environ.get("RAG_APP_PASSWORD")
    demo.queue().launch(server_name=args.host, server_port=args.port, css=ui.CSS, js=SOURCE_CLICKS_JS,
                        auth=(lambda _user, given: given == password) if password else None)


def _parser() -> argparse.ArgumentParser:
    settings = Settings()
    parser = argparse.ArgumentParser(description="Chat with the indexed reports in a browser.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--index", default=str(settings.index_dir), help="index folder (default: index/)")
    parser.add_argument("--corpus", default=str(settings.corpus_dir),
                        help="report folder indexed on first start; uploads go to its uploads/ (default: corpus/)")
    parser.add_argument("--lang", choices=sorted(ui.LABELS), default=os.environ.get("RAG_LANG", "en"),
                        help="language of the UI labels (default: $RAG_LANG or en)")
    return parser


if __name__ == "__main__":
    main()
