"""Writes a small exploitation model directory (model.onnx + manifest.json)
for the tests: a two-layer network over every feature kind the manifest
format defines, built with onnx's helper API.

usage: make_tiny_model.py OUT_DIR VERSION SEED
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out_dir, version, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out_dir, exist_ok=True)

features = [
    {"name": "v3_av_n", "kind": "cvss_metric", "cvss": "v3", "metric": "AV", "value": "N"},
    {"name": "v3_ac_l", "kind": "cvss_metric", "cvss": "v3", "metric": "AC", "value": "L"},
    {"name": "v3_pr_n", "kind": "cvss_metric", "cvss": "v3", "metric": "PR", "value": "N"},
    {"name": "v4_present", "kind": "cvss_present", "cvss": "v4"},
    {"name": "v4_at_n", "kind": "cvss_metric", "cvss": "v4", "metric": "AT", "value": "N"},
    {"name": "v2_au_n", "kind": "cvss_metric", "cvss": "v2", "metric": "Au", "value": "N"},
    {"name": "v3_score", "kind": "cvss_base_score", "cvss": "v3", "scale": 0.1},
    {"name": "v3_score_std", "kind": "standardize",
     "of": {"kind": "cvss_base_score", "cvss": "v3", "scale": 1.0}, "mean": 6.5, "std": 1.75},
    {"name": "cwe_injection", "kind": "cwe_any", "cwes": ["CWE-78", "CWE-89", "CWE-94"]},
    {"name": "cwe_none", "kind": "cwe_none"},
    {"name": "ssvc_auto", "kind": "ssvc", "decision": "automatable", "value": "yes"},
    {"name": "ssvc_total", "kind": "ssvc", "decision": "technical_impact", "value": "total"},
    {"name": "cna_mitre", "kind": "category", "field": "cna", "values": ["mitre"]},
    {"name": "cna_github", "kind": "category", "field": "cna", "values": ["github_m"]},
    {"name": "cna_other", "kind": "category", "field": "cna", "values": [], "other": True},
]
width = len(features)
hidden = 8
rng = np.random.default_rng(seed)
w1 = rng.normal(size=(width, hidden)).astype(np.float32)
b1 = rng.normal(size=(hidden,)).astype(np.float32)
w2 = rng.normal(size=(hidden, 2)).astype(np.float32)
b2 = rng.normal(size=(2,)).astype(np.float32)


def const(name, array):
    return helper.make_tensor(name, TensorProto.FLOAT, array.shape, array.flatten().tolist())


graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["features", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["h_relu"]),
        helper.make_node("MatMul", ["h_relu", "w2"], ["logits_nobias"]),
        helper.make_node("Add", ["logits_nobias", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
    ],
    "tiny_exploitation",
    [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", width])],
    [
        helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2]),
    ],
    [const("w1", w1), const("b1", b1), const("w2", w2), const("b2", b2)],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
path = os.path.join(out_dir, "model.onnx")
onnx.save(model, path)
with open(path, "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()

manifest = {
    "name": "exploitation",
    "version": version,
    "created": "2026-11-27T00:00:00Z",
    "model_file": "model.onnx",
    "sha256": digest,
    "input": {"name": "features", "dtype": "float32", "width": width},
    "output": {"name": "probabilities", "column": 1, "meaning": "P(exploited)"},
    "feature_schema_version": 1,
    "features": features,
    "cvss_v3_preference": ["cna_v3.1", "adp_v3.1", "cna_v3.0"],
    "training_data": {"note": "random weights for tests"},
    "metrics": {},
}
with open(os.path.join(out_dir, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2)
