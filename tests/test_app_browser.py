"""The browser app end to end: `python app.py` on a copy of the corpus, driven by Chromium.

One app process and one page serve all tests in this file, in order (the conversation carries over).
Screenshots of each step go to test-artifacts/.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 180   # the app indexes the corpus (and may convert the model) before it listens
ANSWER_MS = 60_000

HOSTILE = ('<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> '
           '[click here](javascript:window.__pwned=1)')
INJECTION_REPORT = f"""# Zephyrine Field Survey 2026

## 1. Probe results

The Zephyrine probe recorded 417 magnetic anomalies during the survey {HOSTILE} in the northern basin.

Survey crews logged the readings every 30 minutes.
"""
UPLOADED_REPORT = """# Orchard Robotics Note

## 2. Field trials

In field trials, the Quillfeather harvester picked 812 crates per hour across the test orchards.
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """(url, folder) of a running app on folder/corpus (a copy of corpus/ plus a report carrying HTML
    injection) with its index in folder/index."""
    folder = tmp_path_factory.mktemp("app")
    corpus = folder / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "zephyrine-survey.md").write_text(INJECTION_REPORT, encoding="utf-8")
    port = _free_port()
    log = open(folder / "app.log", "w")
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(folder / "index"),
                                "--corpus", str(corpus)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "RAG_APP_PASSWORD": ""})
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, process, folder / "app.log")
        yield url, folder
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def page(app):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app[0])
        page.locator("#question textarea").wait_for()
        yield page
        browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"app not up after {STARTUP_SECONDS} s:\n{log.read_text()}")


def ask(page, question: str) -> str:
    """Ask in the chat; the text of the reply."""
    replies = page.locator("#chat [data-testid=bot]")
    before = replies.count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_function("n => document.querySelectorAll('#chat [data-testid=bot]').length > n", arg=before,
                           timeout=ANSWER_MS)
    return replies.last.inner_text()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def api_answer(url: str, question: str, docs: list[str]) -> dict:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, docs, api_name="/ask")


def show_citation(page, marker: str) -> list[str]:
    """Click the last [n] marker in the chat; the marked text of the source panel then shows."""
    page.locator("#chat .cite", has_text=marker).last.click()
    page.locator("#sources .source.selected", has_text=f"Citation {marker}").wait_for()
    return page.locator("#sources .source.selected mark").all_inner_texts()


def test_chinese_question_is_answered_with_a_citation_whose_quote_is_marked(app, page):
    question = "灵影 2.0 单次最长可以生成多少秒的视频？"
    reply = ask(page, question)
    assert "60 秒" in reply and "[1]" in reply
    shot(page, "01-chinese-answer")
    citations = api_answer(app[0], question, [])["citations"]
    assert show_citation(page, "[2]") == [citations[1]["quote"]]
    assert show_citation(page, "[1]") == [citations[0]["quote"]]
    shot(page, "02-citation-clicked")


def test_follow_up_is_read_in_context_of_the_previous_question(page):
    reply = ask(page, "它的价格是多少？")
    assert "0.35元/秒" in reply
    assert "Understood as: 灵影 2.0的价格是多少？" in page.locator("#chat [data-testid=user]").last.inner_text()
    page.locator("#sources .source-link").first.click()   # another retrieved passage
    page.locator("#sources .source.selected", has_text="Passage").wait_for()
    shot(page, "03-follow-up-and-passage")


def test_english_question_after_a_new_conversation(page):
    page.locator("#new-chat").click()
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=bot]').length === 0")
    reply = ask(page, "What was global nameplate cell manufacturing capacity at the end of 2025?")
    assert "3,050 GWh" in reply and "[1]" in reply
    assert "Understood as" not in page.locator("#chat").inner_text()
    assert "[1] Global EV Batteries 2026" in page.locator("#markdown").inner_text()   # the Markdown export
    shot(page, "04-english-answer")
    reply = ask(page, "When does Yaoshi Storage plan to supply HBM3?")   # a Chinese company named in pinyin
    assert "曜石存储计划于2026年第三季度" in reply
    assert "Understood as: When does 曜石 storage plan to supply HBM3?" in \
        page.locator("#chat [data-testid=user]").last.inner_text()


def test_a_quote_running_over_a_list_keeps_its_lines(page):
    reply = ask(page, "What are the main risks to the view on battery makers?")
    assert "The main risks to our view are:\n" in reply and "\n- Demand shortfall. Slower EV adoption" in reply
    assert page.locator("#chat [data-testid=bot] strong", has_text="Demand shortfall.").count() == 1   # **…** bold
    shot(page, "04b-quoted-list")
    table = ask(page, "表2中显存最大的加速卡是哪款？")   # a caption quoted with its figure, columns kept
    assert "表2：主要国产AI加速卡参数对比\n" in table and "澜芯 L20    2025年7月         560 TFLOPS" in table
    shot(page, "04c-quoted-table")


def test_report_text_is_shown_as_text_never_run(page):
    reply = ask(page, "How many magnetic anomalies did the Zephyrine probe record?")
    assert "417" in reply
    assert "<script>window.__pwned=1</script>" in reply
    assert "[click here](javascript:window.__pwned=1)" in page.locator("#sources").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat script, #sources script, #chat img[src=x], #sources img[src=x]").count() == 0
    assert page.locator("#chat a[href^=javascript], #sources a[href^=javascript]").count() == 0
    shot(page, "05-injection-inert")


def test_uploaded_report_is_listed_and_answerable(page, tmp_path):
    upload = tmp_path / "orchard-robotics-note.md"
    upload.write_text(UPLOADED_REPORT, encoding="utf-8")
    page.get_by_role("tab", name="Report library").click()
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    page.locator("#library table", has_text="orchard-robotics-note.md").wait_for(timeout=ANSWER_MS)
    assert "Orchard Robotics Note" in page.locator("#library").inner_text()
    shot(page, "06-library-after-upload")
    page.get_by_role("tab", name="Ask").click()
    reply = ask(page, "How many crates per hour did the Quillfeather harvester pick?")
    assert "812 crates per hour" in reply
    shot(page, "07-uploaded-report-answer")


def test_removed_upload_leaves_the_library_and_the_uploads_folder(app, page):
    page.get_by_role("tab", name="Report library").click()
    page.locator("#remove-pick input").click()
    page.get_by_role("option", name="Orchard Robotics Note (uploads/orchard-robotics-note.md)").click()
    page.locator("#remove").click()
    page.locator("#library-status", has_text="Removed uploads/orchard-robotics-note.md").wait_for()
    assert "orchard-robotics-note.md" not in page.locator("#library").inner_text()
    assert not (app[1] / "corpus" / "uploads" / "orchard-robotics-note.md").exists()
    shot(page, "08-library-after-removal")


def test_api_ask_returns_the_cli_json_with_verifiable_quotes(app):
    from rag.index import ReportIndex

    url, folder = app
    answer = api_answer(url, "What was global nameplate cell manufacturing capacity at the end of 2025?", [])
    assert set(answer) == {"question", "answerable", "message", "searched", "answer", "citations", "passages", "timing_ms"}
    assert answer["answerable"] and "3,050 GWh" in answer["answer"][0]["text"]
    records = ReportIndex.load(folder / "index").records
    for citation in answer["citations"]:
        assert citation["quote"] == records[citation["doc"]].document.text[citation["start"]:citation["end"]]
    restricted = api_answer(url, "灵影 2.0 单次最长可以生成多少秒的视频？", ["global-ev-battery-report.md"])
    assert {p["doc"] for p in restricted["passages"]} == {"global-ev-battery-report.md"}


LOAD_CLIENTS, LOAD_SECONDS = 20, 60


def test_twenty_clients_for_a_minute_get_complete_answers_while_a_report_is_uploaded(app, page, tmp_path):
    """Bounded load on localhost: each answer under load must equal the same question's answer alone."""
    import json
    import threading

    from gradio_client import Client

    url = app[0]
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "tests/data/sample_questions.jsonl").read_text("utf-8").splitlines()][:8]
    expected = {q: api_answer(url, q, [])["answer"] for q in questions}
    stop = time.monotonic() + LOAD_SECONDS
    checked, failures = [], []

    def client_loop(number: int) -> None:
        client = Client(url, verbose=False)
        turn = number
        while time.monotonic() < stop:
            question = questions[turn % len(questions)]
            turn += 1
            try:
                answer = client.predict(question, [], api_name="/ask")["answer"]
                (checked if answer == expected[question] else failures).append(question)
            except Exception as err:  # any error under load is a failure to report
                failures.append(f"{question}: {err!r}")

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(LOAD_CLIENTS)]
    for thread in threads:
        thread.start()
    upload = tmp_path / "harbour-note.md"
    upload.write_text("# Harbour Note\n\n## 1. Throughput\n\nThe Velmora terminal handled 6,420 containers a day.\n",
                      encoding="utf-8")
    page.get_by_role("tab", name="Report library").click()
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    page.locator("#library table", has_text="harbour-note.md").wait_for(timeout=LOAD_SECONDS * 1000)
    for thread in threads:
        thread.join()
    print(f"{len(checked)} answers checked under load, {len(failures)} failures")
    assert not failures, failures[:5]
    assert len(checked) >= LOAD_CLIENTS
    assert "6,420 containers" in api_answer(url, "How many containers a day did the Velmora terminal handle?", [])[
        "answer"][0]["text"]
