"""The BERT sentence encoder of paperlab.retrieval.bert in torch, for `paperlab index` on CPUs that
multiply bfloat16 in hardware (AMX or AVX-512 BF16).

The encoder's linear layers (nearly all of its work) run in bfloat16 with float32 accumulation;
embeddings, layer norms, attention scores, pooling and the normalisation stay in float32. Texts go in
batches of about one length (longest first), so little is padded. On this project's 2-core machine
(bench/run.py, embedding step) that embeds about 1.5x the chunks a second of ONNX Runtime in float32,
with vectors at cosine >= 0.9999 to the float32 ones; SciFact's nDCG@10 is measured with it in
docs/benchmarks.md. A CPU without those instructions would emulate bfloat16 and be slower than float32,
so `bf16_native` decides, and the float32 ONNX Runtime path (bert_onnx) runs there instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperlab.retrieval.bert import NumpyBert

if TYPE_CHECKING:
    import numpy as np

BATCH = 8
_FLAGS = ("amx_bf16", "avx512_bf16")


def bf16_native(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (Linux tells in /proc/cpuinfo; elsewhere: no)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return any(flag in flags for flag in _FLAGS)


class TorchBert:
    def __init__(self, bert: NumpyBert, batch_size: int = BATCH, dense_dtype: Any = None) -> None:
        """`dense_dtype`: the torch dtype of the dense layers, bfloat16 unless told (bench/int8_eval.py
        runs them in float32, then swaps `_dense` for int8 products)."""
        import numpy as np
        import torch

        self.bert = bert
        self.spec = bert.spec
        self.name, self.dim, self.max_tokens = bert.name, bert.dim, bert.max_tokens
        self.batch_size = batch_size
        dense = {k for k, v in bert.w.items() if k.startswith("encoder.") and k.endswith(".weight") and v.ndim == 2}
        dense |= {f"{k.removesuffix('.weight')}.bias" for k in dense}
        # the encoder's dense layers (weight and bias) in bfloat16 only; the rest in float32
        self.dense_dtype = dense_dtype or torch.bfloat16
        self.low = {k: torch.tensor(np.asarray(bert.w[k]), dtype=self.dense_dtype) for k in dense}
        self.w = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in bert.w.items() if k not in dense}

    def _norm(self, x: Any, prefix: str) -> Any:
        import torch

        return torch.nn.functional.layer_norm(x, x.shape[-1:], self.w[f"{prefix}.weight"],
                                              self.w[f"{prefix}.bias"], self.spec.eps)

    def _dense(self, x: Any, prefix: str) -> Any:
        import torch

        return torch.nn.functional.linear(x.to(self.dense_dtype), self.low[f"{prefix}.weight"],
                                          self.low[f"{prefix}.bias"]).float()

    def _forward(self, ids: Any, mask: Any) -> Any:
        import torch

        w, (b, n), heads = self.w, ids.shape, self.spec.heads
        h = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        h = self._norm(h, "embeddings.LayerNorm")
        size = h.shape[-1] // heads
        keep = mask[:, None, None, :]
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

        ids = [self.bert.token_ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start:start + self.batch_size]
                width = len(ids[rows[0]])
                batch = torch.zeros((len(rows), width), dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.bool)
                for r, i in enumerate(rows):
                    batch[r, :len(ids[i])] = torch.tensor(ids[i])
                    mask[r, :len(ids[i])] = True
                out[rows] = self._forward(batch, mask).numpy()
        return out
