"""Grid-search fusion, re-ranking and abstention settings on the dev splits (never on test).

    python bench/tune.py [SET ...]      # default: zh_boc_outlook zh_rgb_news

Each set's index must exist (python -m rag eval builds it). Prints one line per setting with
the dev metrics that the settings trade against each other.
"""
from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.embeddings import Embedder  # noqa: E402
from rag.evaluation import judge, load_questions, summarise  # noqa: E402
from rag.qa import ReportQA  # noqa: E402
from rag.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
GRID = {
    "rerank.sentence_weight": [0.5, 1.0],
}


class MemoEmbedder(Embedder):
    """Embeds each question once for the whole grid."""

    def __init__(self):
        super().__init__()
        self.memo = {}

    def embed_query(self, text):
        if text not in self.memo:
            self.memo[text] = super().embed_query(text)
        return self.memo[text]


def with_values(settings: Settings, values: dict) -> Settings:
    for key, value in values.items():
        group, name = key.split(".")
        settings = replace(settings, **{group: replace(getattr(settings, group), **{name: value})})
    return settings


def main(set_names: list[str]) -> None:
    embedder = MemoEmbedder()
    sets = []
    for name in set_names:
        settings = replace(Settings(), index_dir=ROOT / "index" / "eval" / name)
        base = ReportQA.open(settings, embedder)
        sets.append((name, base, load_questions(EVAL / name, "dev")))
    keys = list(GRID)
    for combo in itertools.product(*GRID.values()):
        values = dict(zip(keys, combo))
        line = [" ".join(f"{k.split('.')[1]}={v}" for k, v in values.items())]
        for name, base, rows in sets:
            qa = ReportQA(base.index, embedder, with_values(base.settings, values))
            m = summarise([judge(r, qa.ask(r["question"], top_k=10), qa.document_text) for r in rows])
            line.append(f"{name}: hit1={m['hit@1']:.3f} hit5={m['hit@5']:.3f} acc={m['answer_accuracy']:.3f} "
                        f"gold={m['gold_in_answer']:.3f} abst={m.get('abstain_recall', 0):.3f}")
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["zh_boc_outlook", "zh_rgb_news"])
