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
import re
import shutil
import time
from pathlib import Path

from .e5_convert import exclusive_lock

log = logging.getLogger(__name__)

ONNX = "onnx"
ONNX_INT8 = "onnx-int8"
TORCH = "torch"
BACKENDS = (ONNX, ONNX_INT8, TORCH)
ONNX_FILES = {ONNX: Path("onnx") / "model.onnx", ONNX_INT8: Path("onnx") / "model_int8.onnx"}
# What an index records as its vectors' backend. A backend whose arithmetic changes gets a new tag, so an
# index made by the earlier recipe is rebuilt, never searched with vectors of another recipe.
# int8 "2": weight products only, the outlier projections kept float32 (`_float32_projections`).
BACKEND_TAGS = {ONNX_INT8: "onnx-int8:2"}
_FEED_FORWARD_OUTPUT = re.compile(r"/encoder/layer\.(\d+)/output/dense/MatMul$")
_LAYER = re.compile(r"/encoder/layer\.(\d+)/")


def backend_tag(backend: str) -> str:
    return BACKEND_TAGS.get(backend, backend)


def backend_of_tag(tag: str) -> str:
    return tag.split(":")[0]


def ensure_onnx_model(model_dir: Path, backend: str) -> Path:
    """The ONNX file (float32 or int8) of the model in `model_dir`, exported or quantized on first use."""
    target = model_dir / ONNX_FILES[backend]
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(target.parent / "build.lock"):
        if not target.is_file():   # another process may have built it meanwhile
            _build(model_dir, backend)
    return target


def _build(model_dir: Path, backend: str) -> None:
    """The float32 file, and the int8 one quantized from it when asked for, each moved into place only
    when complete."""
    started = time.perf_counter()
    float32 = model_dir / ONNX_FILES[ONNX]
    work = float32.parent / "partial"
    shutil.rmtree(work, ignore_errors=True)   # leftover of an interrupted run
    work.mkdir()
    try:
        if not float32.is_file():
            _export(model_dir, work / float32.name)
            os.replace(work / float32.name, float32)
        if backend == ONNX_INT8:
            int8 = model_dir / ONNX_FILES[ONNX_INT8]
            _quantize(float32, work / int8.name)
            os.replace(work / int8.name, int8)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("built the %s model in %s in %.1f s", backend, float32.parent, time.perf_counter() - started)


def _quantize(float32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(float32, out, op_types_to_quantize=["MatMul"], per_channel=True, reduce_range=False,
                     weight_type=QuantType.QInt8, nodes_to_exclude=_float32_projections(float32),
                     extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})


def _float32_projections(float32: Path) -> list[str]:
    """The feed-forward output projections of the first half of the layers. Their inputs carry outlier
    activations that one 8-bit scale per tensor cannot hold: quantized, they made most of int8's error
    (mean cosine to float32 on 600 report passages: 0.9969 with them, 0.9991 without; keeping layer 4's
    alone 0.9984)
    for a tenth of its speed-up. The embedding table stays float32 too: a lookup has no arithmetic to save."""
    import onnx

    products = [n.name for n in onnx.load(str(float32), load_external_data=False).graph.node if n.op_type == "MatMul"]
    layers = {int(m.group(1)) for name in products if (m := _LAYER.search(name))}
    kept = [name for name in products if (m := _FEED_FORWARD_OUTPUT.search(name)) and int(m.group(1)) < len(layers) // 2]
    if not kept:   # a changed export naming must not silently quantize everything
        raise RuntimeError(f"no feed-forward output projections found in {float32}")
    return kept


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
