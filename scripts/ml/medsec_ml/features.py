"""The feature schema (as written into manifest.json) and the one evaluator
that turns raw knowledge-base fields into the input vector.

The training matrix is built by interpreting the same feature objects the
manifest ships, so the inference side reproduces it from the manifest alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from cvss import CVSS2, CVSS3, CVSS4

from . import cwe as cwe_mod

CVSS_V3_PREFERENCE = ["cna_v3.1", "adp_v3.1", "cna_v3.0"]
_V3_COLUMNS = {
    "cna_v3.1": "cna_cvss_v31_vector",
    "adp_v3.1": "adp_cvss_v31_vector",
    "cna_v3.0": "cna_cvss_v30_vector",
}

V3_METRICS = {
    "AV": ["N", "A", "L", "P"],
    "AC": ["L", "H"],
    "PR": ["N", "L", "H"],
    "UI": ["N", "R"],
    "S": ["U", "C"],
    "C": ["H", "L", "N"],
    "I": ["H", "L", "N"],
    "A": ["H", "L", "N"],
}
# Only the exploitability metrics of v4: few records carry a v4 vector, and
# the impact metrics largely repeat what v3 says.
V4_METRICS = {"AV": ["N", "A", "L", "P"], "AT": ["N", "P"], "PR": ["N", "L", "H"], "UI": ["N", "P", "A"]}


def parse_vector(vector: str) -> dict[str, str]:
    """Metric -> value of a CVSS vector string (prefix and brackets ignored)."""
    v = (vector or "").strip().strip("()")
    out: dict[str, str] = {}
    for part in v.split("/"):
        if ":" not in part or part.startswith("CVSS:"):
            continue
        k, _, val = part.partition(":")
        out.setdefault(k, val)
    return out


def _valid(cls, vector: str) -> bool:
    try:
        cls(vector)
        return True
    except Exception:  # the cvss package raises several error types
        return False


@dataclass
class Parsed:
    """The raw fields of one CVE, reduced to what the features read."""

    v3: str = ""
    v4: str = ""
    v2: str = ""
    v3_metrics: dict[str, str] = field(default_factory=dict)
    v4_metrics: dict[str, str] = field(default_factory=dict)
    v2_metrics: dict[str, str] = field(default_factory=dict)
    v3_score: float = 0.0
    cwes: list[str] = field(default_factory=list)
    automatable: str = ""
    technical_impact: str = ""
    cna: str = ""


def select_v3(row) -> str:
    for src in CVSS_V3_PREFERENCE:
        vec = (row[_V3_COLUMNS[src]] or "").strip()
        if vec:
            return vec
    return ""


def parse_row(row) -> Parsed:
    p = Parsed()
    p.v3 = select_v3(row)
    p.v4 = (row["cna_cvss_v40_vector"] or "").strip()
    p.v2 = (row["cna_cvss_v2_vector"] or "").strip()
    p.v3_metrics = parse_vector(p.v3)
    p.v4_metrics = parse_vector(p.v4)
    p.v2_metrics = parse_vector(p.v2)
    if p.v3:
        try:
            p.v3_score = float(CVSS3(p.v3).base_score)
        except Exception:
            p.v3_score = 0.0
    p.cwes = cwe_mod.parse_ids(row["cna_cwe_ids"], row["adp_cwe_ids"])
    p.automatable = (row["ssvc_automatable"] or "").strip().lower()
    p.technical_impact = (row["ssvc_technical_impact"] or "").strip().lower()
    p.cna = (row["cna_short_name"] or "").strip().lower()
    return p


def parse_frame(df: pd.DataFrame) -> list[Parsed]:
    return [parse_row(r) for r in df.to_dict("records")]


def best_base_score(row) -> float:
    """CVSS base score for the baseline ranking: v3.x (same preference as the
    features), else v4.0, else v2; 0 when none parses."""
    for cls, vec in [(CVSS3, select_v3(row)), (CVSS4, row["cna_cvss_v40_vector"]), (CVSS2, row["cna_cvss_v2_vector"])]:
        vec = (vec or "").strip()
        if not vec:
            continue
        try:
            return float(cls(vec).base_score)
        except Exception:
            continue
    return 0.0


def _metrics_of(p: Parsed, family: str) -> dict[str, str]:
    return {"v3": p.v3_metrics, "v4": p.v4_metrics, "v2": p.v2_metrics}[family]


def _vector_of(p: Parsed, family: str) -> str:
    return {"v3": p.v3, "v4": p.v4, "v2": p.v2}[family]


def evaluate(feature: dict, p: Parsed) -> float:
    kind = feature["kind"]
    if kind == "cvss_metric":
        return float(_metrics_of(p, feature["cvss"]).get(feature["metric"]) == feature["value"])
    if kind == "cvss_present":
        return float(bool(_vector_of(p, feature["cvss"])))
    if kind == "cvss_base_score":
        if feature["cvss"] != "v3":
            raise ValueError(f"base score feature for {feature['cvss']} is not supported")
        return p.v3_score * feature["scale"]
    if kind == "cwe_any":
        wanted = feature["_set"] if "_set" in feature else set(feature["cwes"])
        return float(any(c in wanted for c in p.cwes))
    if kind == "cwe_none":
        return float(not p.cwes)
    if kind == "ssvc":
        got = p.automatable if feature["decision"] == "automatable" else p.technical_impact
        return float(got == feature["value"].lower())
    if kind == "category":
        if feature["field"] != "cna":
            raise ValueError(f"category field {feature['field']} is not supported")
        if feature.get("other"):
            return float(p.cna not in feature["_kept"])
        return float(p.cna in feature["values"])
    raise ValueError(f"unknown feature kind {kind}")


def matrix(features: list[dict], parsed: list[Parsed]) -> np.ndarray:
    prepared = []
    for f in features:
        g = dict(f)
        if g["kind"] == "cwe_any":
            g["_set"] = set(g["cwes"])
        prepared.append(g)
    kept = {v for f in features if f["kind"] == "category" for v in f["values"]}
    for g in prepared:
        if g["kind"] == "category" and g.get("other"):
            g["_kept"] = kept
    x = np.zeros((len(parsed), len(features)), dtype=np.float32)
    for j, g in enumerate(prepared):
        x[:, j] = [evaluate(g, p) for p in parsed]
    return x


def build_schema(
    train: list[Parsed], hierarchy: cwe_mod.CweHierarchy, cna_min_rows: int, cwe_min_rows: int
) -> tuple[list[dict], list[dict]]:
    """The feature list, derived from the training period only. Returns the
    features and the CWE groups (for the model card)."""
    feats: list[dict] = []
    feats.append({"name": "cvss_v3_present", "kind": "cvss_present", "cvss": "v3"})
    feats.append({"name": "cvss_v3_base_score", "kind": "cvss_base_score", "cvss": "v3", "scale": 0.1})
    for metric, values in V3_METRICS.items():
        for v in values:
            feats.append(
                {"name": f"cvss_v3_{metric}_{v}", "kind": "cvss_metric", "cvss": "v3", "metric": metric, "value": v}
            )
    feats.append({"name": "cvss_v4_present", "kind": "cvss_present", "cvss": "v4"})
    for metric, values in V4_METRICS.items():
        for v in values:
            feats.append(
                {"name": f"cvss_v4_{metric}_{v}", "kind": "cvss_metric", "cvss": "v4", "metric": metric, "value": v}
            )
    feats.append({"name": "cvss_v2_present", "kind": "cvss_present", "cvss": "v2"})

    groups = cwe_mod.build_groups(hierarchy, [p.cwes for p in train], cwe_min_rows, cwe_min_rows // 2)
    for g in groups:
        feats.append({"name": f"cwe_group_{g['key']}", "kind": "cwe_any", "cwes": g["cwes"]})
    feats.append({"name": "cwe_none", "kind": "cwe_none"})

    feats.append({"name": "ssvc_automatable_yes", "kind": "ssvc", "decision": "automatable", "value": "yes"})
    feats.append({"name": "ssvc_technical_impact_total", "kind": "ssvc", "decision": "technical_impact", "value": "total"})

    counts = Counter(p.cna for p in train if p.cna)
    kept = sorted(c for c, n in counts.items() if n >= cna_min_rows)
    for c in kept:
        safe = "".join(ch if ch.isalnum() else "_" for ch in c)
        feats.append({"name": f"cna_{safe}", "kind": "category", "field": "cna", "values": [c]})
    feats.append({"name": "cna_other", "kind": "category", "field": "cna", "values": [], "other": True})
    return feats, groups
