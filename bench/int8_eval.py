"""int8 weights for index-time embedding: how much faster, and what it costs in quality. Measured,
not built in (docs/benchmarks.md).

    python bench/int8_eval.py LIBRARY_HOME [BEIR_FOLDER]

LIBRARY_HOME holds the five shared papers, indexed by this tree (`make bench` leaves one in
.bench-cache/papers5-after); it is not changed. The encoder's linear layers run as torch's dynamic
int8 linear (weights quantized per output channel, activations per batch, full 8-bit range; the
CPU's VNNI instructions do the products). Queries stay on the float32 numpy encoder, as in
`paperlab search`. Printed: chunks/s of both on the papers' chunks (alternating, best of 2), the
cosine between their vectors, the 32 questions' metrics, and with BEIR_FOLDER (SciFact) nDCG@10 and
recall@100 with documents embedded in int8 (about 3 minutes).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from paperlab.retrieval.bert import BertSpec

BENCH = Path(__file__).resolve().parent


class TorchBert:
    """The float32 encoder in torch, batches of 8 longest first (paperlab indexed with it until ONNX
    Runtime replaced it), whose linear layers `int8_dense` swaps for int8 ones."""

    def __init__(self, spec: BertSpec, name: str, batch_size: int = 8) -> None:
        import numpy as np
        import torch

        from paperlab.retrieval.bert import load_tokenizer, load_weights

        self.spec = spec
        self.name = name
        self.batch_size = batch_size
        self.tokenizer = load_tokenizer(spec.folder, spec.max_tokens)
        self.w = {k: torch.from_numpy(np.array(v)) for k, v in load_weights(spec.folder / "model.safetensors").items()}

    def _norm(self, x: Any, prefix: str) -> Any:
        import torch

        return torch.nn.functional.layer_norm(x, x.shape[-1:], self.w[f"{prefix}.weight"],
                                              self.w[f"{prefix}.bias"], self.spec.eps)

    def _dense(self, x: Any, prefix: str) -> Any:
        import torch

        return torch.nn.functional.linear(x, self.w[f"{prefix}.weight"], self.w[f"{prefix}.bias"])

    def _forward(self, ids: Any, mask: Any) -> Any:
        import torch

        w, (b, n), heads = self.w, ids.shape, self.spec.heads
        h = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        h = self._norm(h, "embeddings.LayerNorm")
        size = h.shape[-1] // heads
        keep = mask[:, None, None, :].bool()
        for layer in range(self.spec.layers):
            p = f"encoder.layer.{layer}"
            q, k, v = (self._dense(h, f"{p}.attention.self.{x}").view(b, n, heads, size).transpose(1, 2)
                       for x in ("query", "key", "value"))
            context = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            attended = self._dense(context.transpose(1, 2).reshape(b, n, -1), f"{p}.attention.output.dense")
            h = self._norm(h + attended, f"{p}.attention.output.LayerNorm")
            inner = torch.nn.functional.gelu(self._dense(h, f"{p}.intermediate.dense"))
            h = self._norm(h + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        if self.spec.pooling == "mean":
            weights = mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        else:
            pooled = h[:, 0]
        return torch.nn.functional.normalize(pooled, dim=1)

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np
        import torch

        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        out = np.zeros((len(texts), self.spec.dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start:start + self.batch_size]
                width = len(encodings[rows[0]].ids)
                ids = torch.zeros((len(rows), width), dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for r, i in enumerate(rows):
                    n = len(encodings[i].ids)
                    ids[r, :n] = torch.tensor(encodings[i].ids)
                    mask[r, :n] = 1
                out[rows] = self._forward(ids, mask).numpy()
        return out


def int8_dense(bert: Any) -> Any:
    """A `_dense` for this TorchBert that runs its encoder's linear layers in int8."""
    import torch

    warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
    packed = {}
    for key, weight in bert.w.items():
        if key.startswith("encoder") and key.endswith(".weight") and weight.dim() == 2:
            prefix = key.removesuffix(".weight")
            scales = (weight.abs().amax(1).clamp(min=1e-8) / 127).double()
            q = torch.quantize_per_channel(weight, scales, torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8)
            packed[prefix] = torch.ops.quantized.linear_prepack(q, bert.w[prefix + ".bias"])
    plain = bert._dense

    def dense(x: Any, prefix: str) -> Any:
        if prefix not in packed:
            return plain(x, prefix)
        flat = x.reshape(-1, x.shape[-1]).contiguous()
        return torch.ops.quantized.linear_dynamic(flat, packed[prefix], False).view(*x.shape[:-1], -1)

    return dense


def speed_and_agreement(home: Path) -> dict[str, float]:
    from paperlab.retrieval.embedding import bert_spec

    with sqlite3.connect(home / "paperlab.db") as conn:
        texts = [t for (t,) in conn.execute("SELECT text FROM chunks")]
    spec = bert_spec("all-MiniLM-L6-v2")
    assert spec is not None
    bert = TorchBert(spec, "all-MiniLM-L6-v2")
    plain, quantized = bert._dense, int8_dense(bert)
    seconds: dict[str, list[float]] = {"fp32": [], "int8": []}
    vectors = {}
    for _ in range(2):
        for name, dense in (("fp32", plain), ("int8", quantized)):
            bert._dense = dense
            bert.embed(texts[:8])
            t0 = time.perf_counter()
            vectors[name] = bert.embed(texts)
            seconds[name].append(time.perf_counter() - t0)
    cosine = (vectors["fp32"] * vectors["int8"]).sum(1)
    return {"chunks": len(texts), "fp32_chunks/s": len(texts) / min(seconds["fp32"]),
            "int8_chunks/s": len(texts) / min(seconds["int8"]),
            "speedup": min(seconds["fp32"]) / min(seconds["int8"]),
            "cosine_mean": float(cosine.mean()), "cosine_min": float(cosine.min())}


def questions(source: Path, work: Path) -> dict[str, float]:
    """The 32 questions, with every chunk of a copy of the library embedded in int8."""
    from context_eval import questions, reembed

    from paperlab.retrieval.embedding import bert_spec

    home = work / "int8"
    shutil.copytree(source, home)
    spec = bert_spec("all-MiniLM-L6-v2")
    assert spec is not None
    bert = TorchBert(spec, "all-MiniLM-L6-v2")
    bert._dense = int8_dense(bert)
    reembed(home, lambda rows: bert.embed([text for text, _, _ in rows]))
    return questions(home)


def scifact(folder: Path, work: Path) -> dict[str, dict[str, float]]:
    """BEIR nDCG@10 and recall@100 with documents embedded in int8 (in a fresh library)."""
    import beir_eval

    from paperlab.retrieval.embedding import SentenceTransformerEmbedder

    def prepare(self: Any) -> None:
        if self._bert is None:
            self._bert = TorchBert(self.spec, self.name)
            self._bert._dense = int8_dense(self._bert)

    SentenceTransformerEmbedder.prepare_batches = prepare  # type: ignore[method-assign]
    beir_eval.CACHE = work
    got = beir_eval.evaluate(folder)
    got.pop("_meta")
    return {mode: {k: round(v, 3) for k, v in r.items() if k != "p50_ms"} for mode, r in got.items()}


def main() -> None:
    sys.path.insert(0, str(BENCH))
    home = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        print(json.dumps(speed_and_agreement(home)), flush=True)
        print(json.dumps({"int8 questions": questions(home, Path(work))}), flush=True)
        if len(sys.argv) > 2:
            print(json.dumps({"int8 scifact": scifact(Path(sys.argv[2]), Path(work))}), flush=True)


if __name__ == "__main__":
    main()
