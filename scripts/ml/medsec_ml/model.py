"""Candidate models and their export to a plain ONNX graph.

The graph is built by hand from MatMul/Add/Relu/Sigmoid so that it runs the
same in onnxruntime and in tract (whose tree-ensemble and ZipMap support is
unreliable), and so the file bytes depend on nothing but the weights: no
producer version or date goes into it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

SEED = 20241024
INPUT_NAME = "features"
OUTPUT_NAME = "probability"


@dataclass
class Candidate:
    name: str
    family: str
    params: dict

    def make(self):
        if self.family == "logistic":
            return LogisticRegression(C=self.params["C"], max_iter=5000, tol=1e-8, solver="lbfgs")
        if self.family == "mlp":
            return MLPClassifier(
                hidden_layer_sizes=(self.params["hidden"],),
                alpha=self.params["alpha"],
                activation="relu",
                solver="adam",
                learning_rate_init=1e-3,
                max_iter=300,
                early_stopping=False,
                random_state=SEED,
            )
        raise ValueError(f"unknown model family {self.family}")


# Rows published before 2023 are the older CVEs vulnrichment chose to enrich,
# not a sample of their years; whether they help is left to validation.
SINCE = (None, "2023-01-01")


def candidates() -> list[Candidate]:
    """Simplest first: model choice breaks near-ties towards the front."""
    out = []
    for since in SINCE:
        tag = f", since {since}" if since else ""
        out += [Candidate(f"logistic C={c}{tag}", "logistic", {"C": c, "since": since}) for c in (0.01, 0.03, 0.1, 0.3, 1.0)]
    for since in SINCE:
        tag = f", since {since}" if since else ""
        out += [
            Candidate(f"mlp h={h} alpha={a}{tag}", "mlp", {"hidden": h, "alpha": a, "since": since})
            for h in (8, 16)
            for a in (0.01, 0.1, 1.0)
        ]
    return out


def layers(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weights [in, out], bias [out]) per dense layer, float64."""
    if isinstance(model, LogisticRegression):
        return [(model.coef_.T.astype(np.float64), model.intercept_.astype(np.float64))]
    if isinstance(model, MLPClassifier):
        if model.out_activation_ != "logistic":
            raise ValueError("only binary MLPs with a logistic output are exported")
        return [(w.astype(np.float64), b.astype(np.float64)) for w, b in zip(model.coefs_, model.intercepts_)]
    raise TypeError(f"cannot export {type(model).__name__}")


def to_onnx(model, width: int) -> onnx.ModelProto:
    """features [N, width] float32 -> probability [N, 1] float32 = P(KEV)."""
    nodes = []
    inits = []
    cur = INPUT_NAME
    ls = layers(model)
    for i, (w, b) in enumerate(ls):
        wn, bn = f"W{i}", f"B{i}"
        inits.append(numpy_helper.from_array(w.astype(np.float32), wn))
        inits.append(numpy_helper.from_array(b.astype(np.float32), bn))
        nodes.append(helper.make_node("MatMul", [cur, wn], [f"mm{i}"], name=f"matmul{i}"))
        nodes.append(helper.make_node("Add", [f"mm{i}", bn], [f"z{i}"], name=f"add{i}"))
        cur = f"z{i}"
        if i < len(ls) - 1:
            nodes.append(helper.make_node("Relu", [cur], [f"h{i}"], name=f"relu{i}"))
            cur = f"h{i}"
    nodes.append(helper.make_node("Sigmoid", [cur], [OUTPUT_NAME], name="sigmoid"))
    graph = helper.make_graph(
        nodes,
        "medsec_exploitation",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", width])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", 1])],
        inits,
    )
    # Opset 13: old enough for every runtime we target, new enough for
    # MatMul/Add/Relu/Sigmoid with broadcasting.
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    m.producer_name = "medsec-ml"
    m.producer_version = "1"
    m.model_version = 1
    onnx.checker.check_model(m, full_check=True)
    return m


def ops_used(m: onnx.ModelProto) -> list[str]:
    return sorted({n.op_type for n in m.graph.node})
