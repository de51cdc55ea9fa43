"""The same BERT sentence encoder as paperlab.retrieval.bert's NumpyBert, as an ONNX Runtime session.

NumpyBert needs no session, so a one-query `paperlab search` starts in milliseconds; but BLAS,
called product by product on a handful of tokens, is slow at it (~12-15 ms a query). ONNX Runtime
pre-packs the constant weights once, when the session is built (0.25-0.35 s with its imports: the
graph names the safetensors weights, handed over as they are; no torch, no export step), and then
embeds a query in ~5-8 ms. A searcher that answers many queries moves to it after its first
(paperlab.retrieval.search), and `paperlab index` embeds its batches with it. One text at a time,
no padding, as NumpyBert; the vectors agree to ~1e-6."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from paperlab.retrieval.bert import NumpyBert, load_tokenizer

if TYPE_CHECKING:
    import numpy as np


def _graph(bert: NumpyBert) -> tuple[bytes, dict[str, np.ndarray]]:
    """The encoder as a serialized ONNX model, input_ids [n] (int64) -> embedding [dim], and the
    weights it names, to hand to the session as they are (the model holds only their shapes: copying
    90 MB into protobuf and out again took ~0.8 s)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    spec, w = bert.spec, bert.w
    nodes: list[Any] = []
    inits: list[Any] = []
    weights: dict[str, np.ndarray] = {}

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(name: str, value: np.ndarray) -> str:
        value = np.ascontiguousarray(value, dtype=np.float32)
        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=value.shape,
                             data_location=TensorProto.EXTERNAL)
        for key, text in (("location", "weights"), ("offset", "0"), ("length", str(value.nbytes))):
            tensor.external_data.add(key=key, value=text)
        inits.append(tensor)
        weights[name] = value
        return name

    def op(kind: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def dense(x: str, prefix: str, out: str) -> str:
        # Gemm reads the weight as stored, [out, in] (transB): no transposed copy
        return op("Gemm", [x, weight(f"{prefix}.weight", w[f"{prefix}.weight"]),
                           weight(f"{prefix}.bias", w[f"{prefix}.bias"])], out, transB=1)

    def norm(x: str, prefix: str, out: str) -> str:
        return op("LayerNormalization", [x, weight(f"{prefix}.weight", w[f"{prefix}.weight"]),
                                         weight(f"{prefix}.bias", w[f"{prefix}.bias"])],
                  out, axis=-1, epsilon=spec.eps)

    dim, heads = spec.dim, spec.heads
    size = dim // heads
    n = op("Shape", ["input_ids"], "n")
    words = op("Gather", [weight("word", w["embeddings.word_embeddings.weight"]), "input_ids"], "words")
    zero = const("zero", np.array([0], dtype=np.int64))
    where = op("Slice", [weight("pos", w["embeddings.position_embeddings.weight"]), zero, n, zero],
               "where")  # the first n positions
    h = op("Add", [op("Add", [words, where], "wp"),
                   weight("type0", w["embeddings.token_type_embeddings.weight"][0])], "emb")
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
    length = op("Max", [op("ReduceL2", [pooled], "l2", keepdims=1),
                        const("tiny", np.array([1e-12], dtype=np.float32))], "length")
    pooled = op("Div", [pooled, length], "normalized")  # with or without a Normalize module
    nodes.append(helper.make_node("Identity", [pooled], ["embedding"]))
    graph = helper.make_graph(
        nodes, "bert", [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [dim])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="paperlab")
    model.ir_version = 8  # what onnxruntime 1.18 and later read
    return bytes(model.SerializeToString()), weights


def session(model: str | bytes, weights: dict[str, np.ndarray] | None = None, threads: int = 0) -> Any:
    """An ONNX Runtime session on the CPU for a model file or serialized model, given the weights
    its model names but does not hold, on `threads` threads (0: one per core)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    # idle threads otherwise spin after each run and take the cores the vector search needs
    # (letting them spin made hybrid search at 100k chunks 48 ms instead of 33)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if weights:
        values = [ort.OrtValue.ortvalue_from_numpy(a) for a in weights.values()]
        options.add_external_initializers(list(weights), values)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def cores() -> int:
    """The cores this process may run on."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class OnnxBert:
    """NumpyBert's weights, run by ONNX Runtime, one text at a time (no padding: what NumpyBert
    computes, to ~1e-6).

    For a searcher's queries (`parallel` 0) one text runs on every core. For a batch job (`index`)
    `parallel` texts run at once, one per core, each on one thread, so that no thread of a product
    waits on another. On the five shared papers' 287 chunks (2 cores, median of 5 alternating runs)
    that embedded 37.6 chunks/s, against 28.1 for one text at a time on both cores and 27.7 for
    torch's batches of 8 on both cores, which `index` used before.
    """

    def __init__(self, bert: NumpyBert, parallel: int = 0) -> None:
        self.session = session(*_graph(bert), threads=1 if parallel > 1 else 0)
        self.bert = bert
        self.parallel = parallel
        self.name, self.dim, self.max_tokens = bert.name, bert.dim, bert.max_tokens
        self._tokenizer: Any = None

    def _run(self, ids: list[int]) -> np.ndarray:
        import numpy as np

        return self.session.run(None, {"input_ids": np.array(ids, dtype=np.int64)})[0]

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if self.parallel <= 1 or len(texts) <= 1:
            for row, text in enumerate(texts):
                out[row] = self._run(self.bert.token_ids(text))
            return out
        from concurrent.futures import ThreadPoolExecutor

        if self._tokenizer is None:  # many long texts: `tokenizers` (Rust), not NumpyBert's Python
            self._tokenizer = load_tokenizer(self.bert.spec.folder, self.max_tokens)
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))  # no core left with a long one last
        with ThreadPoolExecutor(min(self.parallel, len(texts))) as pool:
            for row, vector in zip(order, pool.map(lambda i: self._run(ids[i]), order), strict=True):
                out[row] = vector
        return out
