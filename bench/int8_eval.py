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

    from paperlab.retrieval.bert import BertSpec

BENCH = Path(__file__).resolve().parent


def TorchBert(spec: BertSpec, name: str) -> Any:  # noqa: N802 (the class it stood for)
    """The float32 encoder in torch, batches of 8 longest first (paperlab indexed with it until ONNX
    Runtime replaced it): paperlab's bfloat16 TorchBert with its dense layers in float32, whose
    linear layers `int8_dense` swaps for int8 ones."""
    import torch

    from paperlab.retrieval.bert import NumpyBert
    from paperlab.retrieval.bert_torch import TorchBert as Encoder

    return Encoder(NumpyBert(spec, name), dense_dtype=torch.float32)


def int8_dense(bert: Any) -> Any:
    """A `_dense` for this TorchBert that runs its encoder's linear layers in int8."""
    import torch

    warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
    packed = {}
    for key, weight in bert.low.items():
        if key.startswith("encoder") and key.endswith(".weight") and weight.dim() == 2:
            prefix = key.removesuffix(".weight")
            scales = (weight.abs().amax(1).clamp(min=1e-8) / 127).double()
            q = torch.quantize_per_channel(weight, scales, torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8)
            packed[prefix] = torch.ops.quantized.linear_prepack(q, bert.low[prefix + ".bias"])
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
