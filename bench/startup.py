"""Cold start of `python app.py` to the first cited answer, through the app's own API.

    python bench/startup.py [--fresh]     # --fresh: no index yet, so the start includes indexing corpus/

Prints seconds from process start to the first /ask answer.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "灵影 2.0 单次最长可以生成多少秒的视频？"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_answer_seconds(index_dir: Path) -> float:
    from gradio_client import Client

    port = free_port()
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(index_dir)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(QUESTION, [], api_name="/ask")
                break
            except Exception:   # not up yet
                if app.poll() is not None or time.perf_counter() - started > 600:
                    raise RuntimeError("the app did not answer")
                time.sleep(0.2)
        assert answer["answerable"] and answer["citations"]
        return time.perf_counter() - started
    finally:
        app.terminate()
        app.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", action="store_true", help="start without an index (includes indexing corpus/)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        index_dir = Path(folder) / "index"
        if not args.fresh:
            subprocess.run([sys.executable, "-m", "rag", "index", "--index", str(index_dir)], cwd=ROOT, check=True,
                           capture_output=True)
        print(f"{'fresh' if args.fresh else 'indexed'} start to first answer: {first_answer_seconds(index_dir):.1f} s")


if __name__ == "__main__":
    main()
