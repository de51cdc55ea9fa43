"""The real bundled all-MiniLM-L6-v2: checked by sha256; paperlab's own BERT (numpy for queries,
ONNX Runtime over the same weights for batches and a searcher's later queries) and the ONNX export
(for models of other shapes) give the same vectors and rankings as sentence-transformers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from paperlab.fsutil import sha256_file
from paperlab.retrieval.bert import NumpyBert
from paperlab.retrieval.embedding import (
    BUNDLED_SHA256,
    OnnxQueryEncoder,
    SentenceTransformerEmbedder,
    bundled_model_path,
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
    embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", "float32")
    folder = tmp_path_factory.mktemp("index")
    return embedder, folder


def test_bundled_weights_match_the_published_sha256():
    assert sha256_file(bundled_model_path() / "model.safetensors") == BUNDLED_SHA256


def _same_rankings(a: np.ndarray, b: np.ndarray, docs: np.ndarray) -> None:
    np.testing.assert_allclose(a, b, atol=1e-5)
    for x, y in zip(a @ docs.T, b @ docs.T, strict=True):
        assert list(np.argsort(-x)) == list(np.argsort(-y))


def test_own_bert_equals_sentence_transformers(real):
    embedder, folder = real
    assert embedder.spec is not None  # the bundled model is plain BERT + mean pooling + normalise
    reference = embedder.model.encode(QUERIES + CORPUS, batch_size=32, normalize_embeddings=True,
                                      convert_to_numpy=True)
    queries, docs = reference[:len(QUERIES)], reference[len(QUERIES):]
    encoder = query_encoder("all-MiniLM-L6-v2", folder)
    assert isinstance(encoder, NumpyBert)
    assert encoder.embed(QUERIES).shape == (len(QUERIES), 384)
    _same_rankings(encoder.embed(QUERIES), queries, docs)  # numpy, one text at a time
    _same_rankings(embedder.embed(QUERIES + CORPUS)[:len(QUERIES)], queries, docs)  # ONNX Runtime, texts in parallel
    np.testing.assert_allclose(embedder.embed(CORPUS), docs, atol=1e-5)


def test_onnx_runtime_bert_equals_numpy(real):
    """The session built from the weights (no torch, no export) gives NumpyBert's vectors."""
    from paperlab.retrieval.bert_onnx import OnnxBert

    _, folder = real
    numpy_bert = query_encoder("all-MiniLM-L6-v2", folder)
    assert isinstance(numpy_bert, NumpyBert)
    docs = numpy_bert.embed(CORPUS)
    _same_rankings(OnnxBert(numpy_bert).embed(QUERIES), numpy_bert.embed(QUERIES), docs)


def test_bfloat16_batches_rank_as_float32_does(real):
    """`index`'s torch encoder (bfloat16 products, where the CPU has them; it runs, emulated, on any
    CPU) gives vectors within a hair of float32's and the same rankings, near-ties aside."""
    from paperlab.retrieval.bert_torch import TorchBert

    _, folder = real
    numpy_bert = query_encoder("all-MiniLM-L6-v2", folder)
    exact, low = numpy_bert.embed(QUERIES + CORPUS), TorchBert(numpy_bert).embed(QUERIES + CORPUS)
    assert (exact * low).sum(1).min() > 0.9999
    assert np.abs(exact - low).max() < 5e-3
    queries, docs = exact[:len(QUERIES)], exact[len(QUERIES):]
    scores, low_scores = queries @ docs.T, queries @ low[len(QUERIES):].T
    # bfloat16 products keep 8 bits of mantissa: a score moves by about 1e-3, so two passages whose
    # scores tie to that (0.1493 and 0.1489) may swap, and no others; the best passage never changes
    assert np.abs(scores - low_scores).max() < 2.5e-3
    assert list(scores.argmax(1)) == list(low_scores.argmax(1))
    for x, y in zip(scores, low_scores, strict=True):
        swapped = np.sign(x[:, None] - x[None, :]) * np.sign(y[:, None] - y[None, :]) < 0
        assert np.abs(x[:, None] - x[None, :])[swapped].max(initial=0) < 2e-3


def test_the_cpu_flags_decide_bfloat16(tmp_path):
    from paperlab.retrieval.bert_torch import bf16_native

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma avx512f\n")
    assert not bf16_native(info)
    info.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 amx_tile\n")
    assert bf16_native(info)
    assert not bf16_native(tmp_path / "missing")


def test_onnx_export_for_other_models_equals_sentence_transformers(real):
    embedder, folder = real
    embedder.export_onnx(folder / "query-encoder.onnx")
    encoder = OnnxQueryEncoder(folder / "query-encoder.onnx", embedder.spec.folder, embedder.name)
    reference = embedder.model.encode(QUERIES + CORPUS, normalize_embeddings=True, convert_to_numpy=True)
    _same_rankings(encoder.embed(QUERIES), reference[:len(QUERIES)], reference[len(QUERIES):])


def test_search_with_the_real_model(lib, cli, arxiv):
    toml = lib.config_path.read_text().replace('"hash:256"', '"all-MiniLM-L6-v2"')
    lib.config_path.write_text(toml)
    assert cli("fetch", GROKKING.arxiv_id, ATTENTION.arxiv_id, BACKPROP.arxiv_id).exit_code == 0
    hits = json.loads(cli("search", "delayed generalization long after overfitting",
                          "--mode", "semantic", "--json").stdout)
    assert hits[0]["item_id"] == GROKKING.arxiv_id
    hits = json.loads(cli("search", "machine translation quality", "--mode", "semantic",
                          "--json").stdout)
    assert hits[0]["item_id"] == ATTENTION.arxiv_id
    floor = float(sqlite3.connect(lib.home / "paperlab.db").execute(
        "SELECT value FROM meta WHERE key = 'semantic_floor'").fetchone()[0].split()[0])
    assert 0.05 < floor < 0.6  # measured for MiniLM: random letters score about 0.3 at best
    for mode in ("semantic", "hybrid"):
        assert json.loads(cli("search", "zzzqqq", "--mode", mode, "--json").stdout) == []
    # a searcher asked twice moves to ONNX Runtime, with the same results
    from paperlab.config import Settings
    from paperlab.library import Library
    from paperlab.retrieval.bert_onnx import OnnxBert
    from paperlab.retrieval.search import Searcher, search

    real_lib = Library(lib.home, Settings.load(lib.config_path))
    searcher = Searcher(real_lib)
    first = search(real_lib, "attention heads", mode="semantic", searcher=searcher)
    assert isinstance(searcher.semantic.encoder, NumpyBert)
    again = search(real_lib, "attention heads", mode="semantic", searcher=searcher)
    assert isinstance(searcher.semantic.encoder, OnnxBert)
    assert [h.chunk_ids for h in again] == [h.chunk_ids for h in first]
    # the vectors agree to ~1e-6, which fusion's scaling by the candidates' spread may enlarge
    assert [h.score for h in again] == pytest.approx([h.score for h in first], abs=1e-4)
    # after a batch job the floor is measured by the batch session, texts in parallel: the same floor
    from paperlab.retrieval.ingest import calibrate_floor

    embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", "float32")
    embedder.embed(["builds the session", "over the weights"])
    assert embedder.batches_ready
    assert calibrate_floor(real_lib, embedder) == pytest.approx(floor, abs=1e-4)
    real_lib.close()


def test_notes_embedded_without_torch_match_sentence_transformers(lib, cli, arxiv):
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
    expected = SentenceTransformerEmbedder("all-MiniLM-L6-v2").model.encode([text], normalize_embeddings=True)[0]
    np.testing.assert_allclose(stored, expected, atol=1e-5)


def _add_and_report_modules(home: Path, pdf: Path) -> tuple[str, bool, bool]:
    """`paperlab add PDF` in a new process: what it printed, and whether it imported torch and
    onnxruntime."""
    import subprocess
    import sys

    code = ("import sys\nfrom paperlab.cli import main\n"
            f"sys.argv = ['paperlab', '--home', {str(home)!r}, 'add', {str(pdf)!r}, '--no-lookup']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('TORCH', 'torch' in sys.modules, 'ORT', 'onnxruntime' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    return done.stderr, "TORCH True" in done.stderr, "ORT True" in done.stderr


@pytest.mark.parametrize("precision", ["float32", "auto"])
def test_a_short_paper_is_embedded_in_numpy_and_a_long_one_in_batches(lib, tmp_path, precision):
    from paperlab.retrieval.bert_torch import bf16_native
    from paperlab.samples import write_paper_pdf

    toml = lib.config_path.read_text().replace('"hash:256"', '"all-MiniLM-L6-v2"')
    lib.config_path.write_text(toml + f'index_precision = "{precision}"\n')
    short = write_paper_pdf(GROKKING, tmp_path / "short.pdf")
    long = write_paper_pdf(ATTENTION, tmp_path / "long.pdf", pages_of_filler=30)
    said, torch, ort = _add_and_report_modules(lib.home, short)
    assert "Indexed 1 item(s)" in said and not torch and not ort, said  # a few chunks: numpy alone
    said, torch, ort = _add_and_report_modules(lib.home, long)
    embedded = int(said.split(" embedded")[0].rsplit(" ", 1)[-1])
    # the batch encoder is loaded while the worker reads the PDF: torch in bfloat16 where the CPU
    # multiplies it, else an ONNX Runtime session
    in_torch = precision == "auto" and bf16_native()
    assert embedded > 16 and (torch, ort) == (in_torch, not in_torch), said
    with sqlite3.connect(lib.home / "paperlab.db") as conn:
        assert conn.execute("SELECT count(*) FROM chunks c LEFT JOIN embeddings e ON "
                            "e.content_hash = c.content_hash WHERE e.vector IS NULL").fetchone()[0] == 0


def test_a_query_naming_a_special_token_is_read_as_bert_reads_it(real):
    embedder, folder = real
    fast = query_encoder(embedder.name, folder)
    assert isinstance(fast, NumpyBert)
    ids = fast.token_ids("what is the [CLS] token")
    assert ids.count(ids[0]) == 2  # [CLS] read as the special token, as BERT's tokenizer does


def test_a_broken_onnx_runtime_is_one_error_and_the_text_is_kept(lib, cli, tmp_path, monkeypatch):
    import sys

    from paperlab.samples import write_paper_pdf

    toml = lib.config_path.read_text().replace('"hash:256"', '"all-MiniLM-L6-v2"')
    lib.config_path.write_text(toml + 'index_precision = "float32"\n')  # the ONNX Runtime path
    long = write_paper_pdf(ATTENTION, tmp_path / "long.pdf", pages_of_filler=30)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    added = cli("add", str(long), "--no-lookup")
    result = cli("index")
    assert result.exit_code != 0, result.stdout
    said = result.stdout + result.stderr
    error = [line for line in said.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "cannot start ONNX Runtime" in error[0] and "pip install" in error[0], said
    assert "Traceback" not in said + added.stdout + added.stderr
    assert added.exit_code == 0 and "was added but not indexed for search (cannot start ONNX Runtime" in added.stderr
    with sqlite3.connect(lib.home / "paperlab.db") as conn:  # the text is stored, to embed later
        assert conn.execute("SELECT count(*) FROM chunks").fetchone()[0] > 16
    monkeypatch.delitem(sys.modules, "onnxruntime")
    assert cli("index").exit_code == 0
    with sqlite3.connect(lib.home / "paperlab.db") as conn:
        assert conn.execute("SELECT count(*) FROM chunks c LEFT JOIN embeddings e ON "
                            "e.content_hash = c.content_hash WHERE e.vector IS NULL").fetchone()[0] == 0


def test_a_cls_pooled_half_precision_model_equals_sentence_transformers(tmp_path):
    """Another shape of plain BERT that paperlab runs itself, in numpy and in ONNX Runtime: CLS
    pooling, float16 weights and no Normalize module (a copy of the bundled model, so changed). Its
    vectors are normalised all the same, as every embedder's are (sentence-transformers is asked
    for normalised vectors): before, this shape alone gave raw ones, so its scores were not cosines."""
    import shutil

    from safetensors.numpy import load_file, save_file

    folder = tmp_path / "cls-f16"
    shutil.copytree(bundled_model_path(), folder)
    weights = load_file(folder / "model.safetensors")
    save_file({k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in weights.items()},
              folder / "model.safetensors")
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    modules = json.loads((folder / "modules.json").read_text())
    (folder / "modules.json").write_text(json.dumps([m for m in modules if "Normalize" not in m["type"]]))

    embedder = SentenceTransformerEmbedder(str(folder), "float32")
    assert embedder.spec is not None and embedder.spec.pooling == "cls"
    ours = embedder.embed(QUERIES + CORPUS)  # ONNX Runtime, texts in parallel
    in_numpy = NumpyBert(embedder.spec, str(folder)).embed(QUERIES)
    model = embedder.model.float()  # the same weights, upcast
    assert not np.allclose(np.linalg.norm(model.encode(QUERIES), axis=1), 1.0)  # the copy has no Normalize
    reference = model.encode(QUERIES + CORPUS, normalize_embeddings=True, convert_to_numpy=True)
    _same_rankings(ours[:len(QUERIES)], reference[:len(QUERIES)], reference[len(QUERIES):])
    np.testing.assert_allclose(ours, reference, atol=1e-5)
    np.testing.assert_allclose(in_numpy, reference[:len(QUERIES)], atol=1e-5)


def test_one_factory_chooses_the_encoder_for_each_workload(tmp_path):
    from paperlab.retrieval.bert_onnx import OnnxBert
    from paperlab.retrieval.embedding import HashEmbedder, SentenceTransformerEmbedder, encoder_for

    name = "all-MiniLM-L6-v2"
    assert isinstance(encoder_for("hash:64", tmp_path, "query"), HashEmbedder)
    assert isinstance(encoder_for(name, tmp_path, "query"), NumpyBert)  # nothing to load for one query
    assert isinstance(encoder_for(name, tmp_path, "queries"), OnnxBert)  # a searcher asked again
    batch = encoder_for(name, tmp_path, "batch")
    assert isinstance(batch, SentenceTransformerEmbedder)
    assert isinstance(encoder_for(name, tmp_path, "few", batch), NumpyBert)  # its session is not built yet
    texts = ["grokking happens late", "weight decay"]
    one, many = encoder_for(name, tmp_path, "query").embed(texts), encoder_for(name, tmp_path, "queries").embed(texts)
    assert np.abs(one - many).max() < 1e-5
    with pytest.raises(ValueError):
        encoder_for(name, tmp_path, "someday")
