"""The default model's transformer run by ONNX Runtime (float32 or int8), inside sentence-transformers.

sentence-transformers keeps doing the tokenising, prompts, length-sorted batching, mean pooling and
normalisation; only the BERT forward pass moves to an ONNX Runtime session. On 2 cores that embeds
passages several times faster than PyTorch (numbers in the README).

sentence-transformers' own `backend="onnx"` / `"openvino"` load through optimum-onnx / optimum-intel,
whose releases require transformers 4.x or another torch than the CPU build we pin, so the ONNX file is
exported (torch.onnx) and quantized (dynamic int8, per channel) here, offline, once, beside the
converted model, and is trusted only when complete (written under a lock, moved into place last).
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from .e5_convert import exclusive_lock

log = logging.getLogger(__name__)

ONNX = "onnx"
ONNX_INT8 = "onnx-int8"
TORCH = "torch"
BACKENDS = (ONNX, ONNX_INT8, TORCH)
ONNX_FILES = {ONNX: Path("onnx") / "model.onnx", ONNX_INT8: Path("onnx") / "model_qint8.onnx"}
# Operators quantized to int8: the weight-heavy ones of a BERT encoder.
QUANTIZED_OPS = ["MatMul", "Attention", "Gather", "Transpose", "EmbedLayerNormalization"]


def ensure_onnx_model(model_dir: Path, backend: str) -> Path:
    """The ONNX file (float32 or int8) of the model in `model_dir`, exported and quantized on first use."""
    target = model_dir / ONNX_FILES[backend]
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(target.parent / "build.lock"):
        if not target.is_file():   # another process may have built it meanwhile
            _build(model_dir, target.parent)
    return target


def _build(model_dir: Path, folder: Path) -> None:
    """Both files, each moved into place only when complete (int8 last: float32 is its source)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    started = time.perf_counter()
    work = folder / "partial"
    shutil.rmtree(work, ignore_errors=True)   # leftover of an interrupted run
    work.mkdir()
    try:
        fp32, int8 = work / ONNX_FILES[ONNX].name, work / ONNX_FILES[ONNX_INT8].name
        _export(model_dir, fp32)
        quantize_dynamic(fp32, int8, op_types_to_quantize=QUANTIZED_OPS, per_channel=True,
                         reduce_range=False, weight_type=QuantType.QInt8,
                         extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
        os.replace(fp32, model_dir / ONNX_FILES[ONNX])
        os.replace(int8, model_dir / ONNX_FILES[ONNX_INT8])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("exported and quantized the ONNX model into %s in %.1f s", folder, time.perf_counter() - started)


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    class HiddenStates(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = model

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 46692, 12, 33600, 31, 8999, 2], [0, 46692, 12, 54888, 2, 1, 1]], dtype=torch.long)
    dynamic = {0: "batch", 1: "tokens"}
    with torch.inference_mode():
        torch.onnx.export(HiddenStates().eval(), (ids, (ids != 1).long()), str(out), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "last_hidden_state": dynamic})


def use_onnx_runtime(model, onnx_file: Path, threads: int) -> None:
    """Swap the BERT forward pass of a loaded SentenceTransformer for an ONNX Runtime session."""
    import onnxruntime
    import torch

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")   # idle threads must not spin: FAISS and numpy run next
    session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    config = model[0].model.config

    class OnnxBert(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.config = config
            self.anchor = torch.nn.Parameter(torch.zeros(1), requires_grad=False)   # model.device still works

        def forward(self, input_ids=None, attention_mask=None, **_):
            hidden = session.run(None, {"input_ids": input_ids.numpy().astype("int64"),
                                        "attention_mask": attention_mask.numpy().astype("int64")})[0]
            return {"last_hidden_state": torch.from_numpy(hidden)}

    model[0].model = OnnxBert()   # the PyTorch weights are freed
