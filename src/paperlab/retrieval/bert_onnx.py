"""The same BERT sentence encoder as paperlab.retrieval.bert's NumpyBert, as an ONNX Runtime session.

NumpyBert needs no session, so a one-query `paperlab search` starts in milliseconds; but BLAS,
called product by product on a handful of tokens, is slow at it (~12-15 ms a query). ONNX Runtime
pre-packs the constant weights once, when the session is built (0.6-1 s with its imports, from the
safetensors weights: no torch, no export step), and then embeds a query in ~5-8 ms. A searcher that
answers many queries moves to it after its first (paperlab.retrieval.search). One text at a time,
no padding, as NumpyBert; the vectors agree to ~1e-6.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from paperlab.retrieval.bert import NumpyBert

if TYPE_CHECKING:
    import numpy as np


def _graph(bert: NumpyBert) -> bytes:
    """The encoder as a serialized ONNX model: input_ids [n] (int64) -> embedding [dim]."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    spec, w = bert.spec, bert.w
    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def dense(x: str, prefix: str, out: str) -> str:
        mm = op("MatMul", [x, const(f"{prefix}.wt", np.asarray(w[f"{prefix}.weight"]).T)], f"{out}.mm")
        return op("Add", [mm, const(f"{prefix}.b", np.asarray(w[f"{prefix}.bias"]))], out)

    def norm(x: str, prefix: str, out: str) -> str:
        return op("LayerNormalization", [x, const(f"{prefix}.g", np.asarray(w[f"{prefix}.weight"])),
                                         const(f"{prefix}.beta", np.asarray(w[f"{prefix}.bias"]))],
                  out, axis=-1, epsilon=spec.eps)

    dim, heads = spec.dim, spec.heads
    size = dim // heads
    n = op("Shape", ["input_ids"], "n")
    words = op("Gather", [const("word", np.asarray(w["embeddings.word_embeddings.weight"])), "input_ids"], "words")
    zero = const("zero", np.array([0], dtype=np.int64))
    where = op("Slice", [const("pos", np.asarray(w["embeddings.position_embeddings.weight"])), zero, n, zero],
               "where")  # the first n positions
    h = op("Add", [op("Add", [words, where], "wp"),
                   const("type0", np.asarray(w["embeddings.token_type_embeddings.weight"])[0])], "emb")
    h = norm(h, "embeddings.LayerNorm", "h0")
    split = const("split", np.array([0, heads, size], dtype=np.int64))
    flat = const("flat", np.array([0, dim], dtype=np.int64))
    scale = const("scale", np.array(1 / math.sqrt(size), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    one = const("one", np.array(1.0, dtype=np.float32))
    root2 = const("root2", np.array(math.sqrt(2.0), dtype=np.float32))
    for layer in range(spec.layers):
        p = f"encoder.layer.{layer}"
        q, k, v = (op("Reshape", [dense(h, f"{p}.attention.self.{x}", f"{p}.{x}"), split], f"{p}.{x}3")
                   for x in ("query", "key", "value"))
        q = op("Transpose", [q], f"{p}.qt", perm=[1, 0, 2])
        k = op("Transpose", [k], f"{p}.kt", perm=[1, 2, 0])
        v = op("Transpose", [v], f"{p}.vt", perm=[1, 0, 2])
        scores = op("Mul", [op("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.scores")
        context = op("MatMul", [op("Softmax", [scores], f"{p}.probs", axis=-1), v], f"{p}.context")
        context = op("Reshape", [op("Transpose", [context], f"{p}.ct", perm=[1, 0, 2]), flat], f"{p}.cf")
        attended = dense(context, f"{p}.attention.output.dense", f"{p}.attended")
        h = norm(op("Add", [h, attended], f"{p}.res1"), f"{p}.attention.output.LayerNorm", f"{p}.h1")
        inner = dense(h, f"{p}.intermediate.dense", f"{p}.inner")
        erf = op("Erf", [op("Div", [inner, root2], f"{p}.scaled")], f"{p}.erf")
        gelu = op("Mul", [op("Mul", [inner, half], f"{p}.halfx"), op("Add", [erf, one], f"{p}.erf1")], f"{p}.gelu")
        out = dense(gelu, f"{p}.output.dense", f"{p}.out")
        h = norm(op("Add", [h, out], f"{p}.res2"), f"{p}.output.LayerNorm", f"{p}.h2")
    if spec.pooling == "mean":
        pooled = op("ReduceMean", [h], "pooled", axes=[0], keepdims=0)
    else:
        pooled = op("Gather", [h, const("first", np.array(0, dtype=np.int64))], "pooled", axis=0)
    if spec.normalize:
        length = op("Max", [op("ReduceL2", [pooled], "l2", keepdims=1),
                            const("tiny", np.array([1e-12], dtype=np.float32))], "length")
        pooled = op("Div", [pooled, length], "normalized")
    nodes.append(helper.make_node("Identity", [pooled], ["embedding"]))
    graph = helper.make_graph(
        nodes, "bert", [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [dim])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="paperlab")
    model.ir_version = 8  # what onnxruntime 1.18 and later read
    return bytes(model.SerializeToString())


def session(model: str | bytes) -> Any:
    """An ONNX Runtime session on the CPU for a model file or serialized model."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    # idle threads otherwise spin after each run and take the cores the vector search needs
    # (letting them spin made hybrid search at 100k chunks 48 ms instead of 33)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class OnnxBert:
    """NumpyBert's tokenizer and weights, run by ONNX Runtime."""

    def __init__(self, bert: NumpyBert) -> None:
        self.session = session(_graph(bert))
        self.bert = bert
        self.name, self.dim, self.max_tokens = bert.name, bert.dim, bert.max_tokens

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.array(self.bert.token_ids(text), dtype=np.int64)
            out[row] = self.session.run(None, {"input_ids": ids})[0]
        return out
