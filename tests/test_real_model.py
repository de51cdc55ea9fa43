"""The real bundled all-MiniLM-L6-v2: checked by sha256, and the ONNX query path gives the same
vectors and rankings as sentence-transformers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from paperlab.fsutil import sha256_file
from paperlab.retrieval.embedding import (
    BUNDLED_SHA256,
    OnnxQueryEncoder,
    SentenceTransformerEmbedder,
    bundled_model_path,
    ensure_onnx,
    query_encoder,
)
from paperlab.samples import ATTENTION, BACKPROP, GROKKING

pytestmark = pytest.mark.slow

CORPUS = [body for p in (GROKKING, ATTENTION, BACKPROP) for _, body in p.sections] + [
    p.abstract for p in (GROKKING, ATTENTION, BACKPROP)]
QUERIES = ["backprop", "why does validation accuracy jump long after training accuracy?",
           "scaled dot-product attention", "BLEU on WMT 2014", "normalizing layer inputs",
           "weight decay " * 40]  # the last one is longer than 256 word pieces


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    folder = tmp_path_factory.mktemp("index")
    assert ensure_onnx(embedder, folder)
    return embedder, folder


def test_bundled_weights_match_the_published_sha256():
    assert sha256_file(bundled_model_path() / "model.safetensors") == BUNDLED_SHA256


def test_onnx_equals_sentence_transformers(real):
    embedder, folder = real
    encoder = query_encoder("all-MiniLM-L6-v2", folder)
    assert isinstance(encoder, OnnxQueryEncoder)
    onnx_vecs = encoder.embed(QUERIES)
    st_vecs = embedder.embed(QUERIES)
    assert onnx_vecs.shape == (len(QUERIES), 384)
    np.testing.assert_allclose(onnx_vecs, st_vecs, atol=1e-5)
    docs = embedder.embed(CORPUS)
    for a, b in zip(onnx_vecs @ docs.T, st_vecs @ docs.T, strict=True):
        assert list(np.argsort(-a)) == list(np.argsort(-b))


def test_search_with_the_real_model(lib, cli, arxiv):
    toml = lib.config_path.read_text().replace('"hash:256"', '"all-MiniLM-L6-v2"')
    lib.config_path.write_text(toml)
    assert cli("fetch", GROKKING.arxiv_id, ATTENTION.arxiv_id, BACKPROP.arxiv_id).exit_code == 0
    assert (lib.index_dir / "query-encoder.onnx").exists()
    hits = json.loads(cli("search", "delayed generalization long after overfitting",
                          "--mode", "semantic", "--json").stdout)
    assert hits[0]["item_id"] == GROKKING.arxiv_id
    hits = json.loads(cli("search", "machine translation quality", "--mode", "semantic",
                          "--json").stdout)
    assert hits[0]["item_id"] == ATTENTION.arxiv_id


def test_notes_embedded_by_onnx_match_sentence_transformers(lib, cli, arxiv):
    import sqlite3

    toml = lib.config_path.read_text().replace('"hash:256"', '"all-MiniLM-L6-v2"')
    lib.config_path.write_text(toml)
    assert cli("fetch", GROKKING.arxiv_id).exit_code == 0
    assert cli("note", GROKKING.arxiv_id, "-m", "Grokking needs weight decay.").exit_code == 0
    conn = sqlite3.connect(lib.home / "paperlab.db")
    text, blob = conn.execute(
        "SELECT c.text, e.vector FROM chunks c JOIN embeddings e ON e.content_hash = c.content_hash "
        "WHERE c.source = 'notes'").fetchone()
    stored = np.frombuffer(blob, dtype=np.float32)
    expected = SentenceTransformerEmbedder("all-MiniLM-L6-v2").embed([text])[0]
    np.testing.assert_allclose(stored, expected, atol=1e-5)
