"""A BERT sentence encoder read straight from a sentence-transformers folder.

Most sentence-transformers models (all-MiniLM-L6-v2 among them) are a BertModel, mean or CLS pooling
and an optional normalisation. For that shape this module computes the vectors that paperlab asks
sentence-transformers for, L2-normalised whether or not the model has a Normalize module (to ~1e-6),
without sentence-transformers or transformers, whose imports alone take ~8 s here:

- `NumpyBert` embeds queries and small jobs with numpy over the memory-mapped weights: no torch, no
  onnxruntime session to build, so a cold `paperlab search` or `paperlab note` pays milliseconds.
- `paperlab.retrieval.bert_onnx.OnnxBert` runs the same weights in ONNX Runtime, for a searcher's
  later queries and for `paperlab index`'s batches.

Any other shape (another architecture, pooling or module list) returns None from `plain_bert` and
goes through sentence-transformers as before.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


@dataclass
class BertSpec:
    folder: Path
    layers: int
    heads: int
    eps: float
    pooling: str  # "mean" or "cls"
    max_tokens: int
    dim: int


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def plain_bert(folder: Path) -> BertSpec | None:
    """The spec of a sentence-transformers folder this module can run, or None."""
    modules = _json(folder / "modules.json")
    config = _json(folder / "config.json")
    if not isinstance(modules, list) or not isinstance(config, dict):
        return None
    kinds = [m.get("type") for m in modules]
    if kinds not in ([_TRANSFORMER, _POOLING], [_TRANSFORMER, _POOLING, _NORMALIZE]) \
            or modules[0].get("path", "") != "":
        return None
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu" \
            or config.get("position_embedding_type", "absolute") != "absolute":
        return None
    pool = _json(folder / modules[1].get("path", "1_Pooling") / "config.json") or {}
    modes = [k for k, v in pool.items() if k.startswith("pooling_mode") and v]
    if modes not in (["pooling_mode_mean_tokens"], ["pooling_mode_cls_token"]):
        return None
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        return None
    st_config = _json(folder / "sentence_bert_config.json") or {}
    positions = int(config.get("max_position_embeddings", 512))
    return BertSpec(
        folder=folder, layers=int(config["num_hidden_layers"]), heads=int(config["num_attention_heads"]),
        eps=float(config.get("layer_norm_eps", 1e-12)),
        pooling="mean" if modes == ["pooling_mode_mean_tokens"] else "cls",
        max_tokens=min(int(st_config.get("max_seq_length") or positions), positions),
        dim=int(config["hidden_size"]),
    )


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """A safetensors file as read-only numpy arrays over one memory map (nothing is copied)."""
    import numpy as np

    with path.open("rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in _DTYPES:
            continue
        start, end = info["data_offsets"]
        array = data[start:end].view(_DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name.removeprefix("bert.")] = array.astype(np.float32) if info["dtype"] == "F16" else array
    return out


def load_tokenizer(folder: Path, max_tokens: int | None = None) -> Any:
    """A folder's tokenizer.json through `tokenizers`: no padding, truncated to max_tokens if given."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_padding()
    if max_tokens is None:
        tok.no_truncation()
    else:
        tok.enable_truncation(max_tokens)
    return tok


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * (1 + erf(x / sqrt 2)) / 2, in place on x. erf is Abramowitz and
    Stegun 7.1.26 (error < 1.5e-7), so numpy needs no scipy import; each step writes into one of two
    buffers: ~3.5 ms for a 160-token layer, against ~7 ms for the formula written out."""
    import numpy as np

    a = np.abs(x)
    a *= np.float32(1 / math.sqrt(2.0))
    t = a * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|x| / sqrt 2)
    # x (1 + erf(x / sqrt 2)) / 2 = (x + |x| - |x| poly) / 2, for either sign of x
    np.abs(x, out=a)
    poly *= a
    a -= poly
    x += a
    x *= np.float32(0.5)
    return x


class NumpyBert:
    """One text at a time (no padding), in float32 numpy."""

    def __init__(self, spec: BertSpec, name: str) -> None:
        self.spec = spec
        self.name = name
        self.dim = spec.dim
        self.max_tokens = spec.max_tokens
        self.w = load_weights(spec.folder / "model.safetensors")
        self._tokenizer: Any = None

    def token_ids(self, text: str) -> list[int]:
        """[CLS] ... [SEP], truncated, by the model's own tokenizer.json (`tokenizers`: importing and
        loading it costs 0.02-0.04 s here, so paperlab no longer keeps a WordPiece of its own)."""
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.spec.folder, self.spec.max_tokens)
        return list(self._tokenizer.encode(text).ids)

    def _norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.spec.eps) * self.w[f"{prefix}.weight"] + self.w[f"{prefix}.bias"]

    def _dense(self, x: np.ndarray, prefix: str) -> np.ndarray:
        # W x^T, not x W^T: the same product, but BLAS runs it ~2x faster for a query's few tokens
        return (self.w[f"{prefix}.weight"] @ x.T).T + self.w[f"{prefix}.bias"]

    def encode_one(self, ids: list[int]) -> np.ndarray:
        import numpy as np

        w, n, heads = self.w, len(ids), self.spec.heads
        h = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        h = self._norm(h, "embeddings.LayerNorm")
        size = h.shape[1] // heads
        for layer in range(self.spec.layers):
            p = f"encoder.layer.{layer}"

            def split(x: np.ndarray) -> np.ndarray:
                return x.reshape(n, heads, size).transpose(1, 0, 2)

            q = split(self._dense(h, f"{p}.attention.self.query"))
            k = split(self._dense(h, f"{p}.attention.self.key"))
            v = split(self._dense(h, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 2, 1) / np.float32(math.sqrt(size))
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            attended = self._dense(context.transpose(1, 0, 2).reshape(n, -1), f"{p}.attention.output.dense")
            h = self._norm(h + attended, f"{p}.attention.output.LayerNorm")
            inner = self._dense(h, f"{p}.intermediate.dense")
            inner = _gelu(inner)
            h = self._norm(h + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = h.mean(0) if self.spec.pooling == "mean" else h[0]
        pooled = pooled / max(float(np.linalg.norm(pooled)), 1e-12)  # with or without a Normalize module
        return pooled.astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.encode_one(self.token_ids(text))
        return out
