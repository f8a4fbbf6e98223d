"""Train, evaluate and write the exploitation model's artefacts.

    python -m medsec_ml.train [--out DIR] [--check | --explore]

--check retrains into a temporary directory and compares metrics and the
model's sha256 with the shipped manifest; exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from . import card
from . import cwe as cwe_mod
from . import data as d
from . import evaluate as ev
from . import explore
from . import features as F
from . import model as M

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "models" / "exploitation"

# Test = CVEs published on or after the cutoff (about the last seven months of
# the snapshot); validation for model choice = the last six months before it.
CUTOFF = "2024-04-01"
VALIDATION_FROM = "2023-10-01"
CNA_MIN_ROWS = 40
CWE_MIN_ROWS = 60
VERSION = "2026.11.27-1"
PARITY_ROWS = 200
TIE = 0.005
SSVC_FEATURES = {"ssvc_automatable_yes", "ssvc_technical_impact_total"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fit(cand: M.Candidate, x: np.ndarray, y: np.ndarray, published: pd.Series, idx: np.ndarray):
    """Fit on rows `idx`, less those before the candidate's `since` date."""
    since = cand.params.get("since")
    if since:
        idx = idx[(published.iloc[idx] >= pd.Timestamp(since)).to_numpy()]
    m = cand.make()
    m.fit(x[idx], y[idx])
    return m


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(out: Path) -> dict:
    t0 = time.time()
    data = d.shared_data_dir(REPO)
    kev = d.load_kev(data)
    df = d.load_summary(data, kev)
    parsed = F.parse_frame(df)
    cutoff = pd.Timestamp(CUTOFF)
    is_test = (df["published"] >= cutoff).to_numpy()
    is_val = ((df["published"] >= pd.Timestamp(VALIDATION_FROM)) & ~pd.Series(is_test)).to_numpy()
    train_idx = np.flatnonzero(~is_test)
    test_idx = np.flatnonzero(is_test)
    y = df["label"].to_numpy().astype(np.int64)

    hierarchy = cwe_mod.CweHierarchy(data)
    feats, groups = F.build_schema([parsed[i] for i in train_idx], hierarchy, CNA_MIN_ROWS, CWE_MIN_ROWS)
    x = F.matrix(feats, parsed)
    log(f"features: {len(feats)}; rows {len(df)} (train {len(train_idx)}, test {len(test_idx)}); {time.time() - t0:.1f}s")

    # Model choice on the training period only: fit before VALIDATION_FROM,
    # score the validation months.
    fit_idx = np.flatnonzero(~is_test & ~is_val)
    val_idx = np.flatnonzero(is_val)
    selection = []
    for cand in M.candidates():
        m = fit(cand, x, y, df["published"], fit_idx)
        p = m.predict_proba(x[val_idx])[:, 1]
        selection.append(
            {
                "candidate": cand.name,
                "family": cand.family,
                "params": cand.params,
                "val_roc_auc": ev.rnd(roc_auc_score(y[val_idx], p)),
                "val_pr_auc": ev.rnd(average_precision_score(y[val_idx], p)),
                "val_brier": ev.rnd(brier_score_loss(y[val_idx], p)),
            }
        )
        log(f"  {cand.name:24s} val ROC-AUC {selection[-1]['val_roc_auc']:.4f} PR-AUC {selection[-1]['val_pr_auc']:.4f}")
    # Best validation ROC-AUC, but within TIE of it the earlier (simpler, more
    # regularised) candidate wins: the validation months hold only a few dozen
    # KEV CVEs, so smaller differences are noise.
    best_auc = max(s["val_roc_auc"] for s in selection)
    chosen_i = next(i for i, s in enumerate(selection) if s["val_roc_auc"] >= best_auc - TIE)
    chosen = M.candidates()[chosen_i]
    log(f"chosen: {chosen.name}; {time.time() - t0:.1f}s")

    final = fit(chosen, x, y, df["published"], train_idx)
    onnx_model = M.to_onnx(final, len(feats))
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / "model.onnx"
    model_path.write_bytes(onnx_model.SerializeToString())

    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    p_ort = sess.run([M.OUTPUT_NAME], {M.INPUT_NAME: x})[0][:, 0].astype(np.float64)
    p_skl = final.predict_proba(x)[:, 1]
    max_diff = float(np.abs(p_ort - p_skl).max())
    if max_diff > 1e-6:
        raise SystemExit(f"onnxruntime and scikit-learn disagree: max |dp| = {max_diff:.3g} > 1e-6")
    log(f"onnxruntime = scikit-learn within {max_diff:.2g} on all {len(x)} rows")

    # Evaluation on the test period: the model (as run by onnxruntime), CVSS
    # base score and EPSS as rankings of the same CVEs.
    yt = y[test_idx]
    pt = p_ort[test_idx]
    cvss_score = np.array([F.best_base_score(r) for r in df.iloc[test_idx].to_dict("records")])
    epss_path = min(
        d.epss_files(data),
        key=lambda p: abs((pd.Timestamp(d.epss_date(p)) - pd.Timestamp(d.SUMMARY_SNAPSHOT)).days),
    )
    epss = d.load_epss(epss_path)
    test_ids = df["cve_id"].iloc[test_idx].tolist()
    epss_cov = sum(1 for c in test_ids if c in epss)
    epss_score = np.array([epss.get(c, 0.0) for c in test_ids])
    scores = {"model": pt, "cvss": cvss_score, "epss": epss_score}
    boot = ev.bootstrap(yt, scores, "model")
    bins = ev.calibration_bins(yt, pt)
    test_metrics = {
        **ev.point(yt, pt),
        "brier": ev.rnd(brier_score_loss(yt, pt)),
        "roc_auc_ci95": boot["model.roc_auc"],
        "pr_auc_ci95": boot["model.pr_auc"],
        "brier_ci95": boot["model.brier"],
        "brier_prevalence_only": ev.rnd(brier_score_loss(yt, np.full(len(yt), y[train_idx].mean()))),
        "mean_predicted": ev.rnd(pt.mean()),
        "observed_rate": ev.rnd(yt.mean()),
        "ece_10_equal_count_bins": ev.ece(bins, len(yt)),
        "calibration_bins": bins,
    }
    cv, ep = ev.point(yt, cvss_score), ev.point(yt, epss_score)
    baselines = {
        "cvss_base_roc_auc": cv["roc_auc"],
        "cvss_base_roc_auc_ci95": boot["cvss.roc_auc"],
        "cvss_base_pr_auc": cv["pr_auc"],
        "cvss_base_pr_auc_ci95": boot["cvss.pr_auc"],
        "epss_roc_auc": ep["roc_auc"],
        "epss_roc_auc_ci95": boot["epss.roc_auc"],
        "epss_pr_auc": ep["pr_auc"],
        "epss_pr_auc_ci95": boot["epss.pr_auc"],
        "epss_file": f"vulns/epss/{epss_path.name}",
        "epss_coverage_test": epss_cov,
        "model_minus_cvss_roc_auc": ev.rnd(test_metrics["roc_auc"] - cv["roc_auc"]),
        "model_minus_cvss_roc_auc_ci95": boot["model-cvss.roc_auc"],
        "model_minus_epss_roc_auc": ev.rnd(test_metrics["roc_auc"] - ep["roc_auc"]),
        "model_minus_epss_roc_auc_ci95": boot["model-epss.roc_auc"],
    }

    # Sensitivity: the same model family without the CISA-ADP SSVC features,
    # whose assessment date we cannot see (see the card's limits).
    keep = [j for j, f in enumerate(feats) if f["name"] not in SSVC_FEATURES]
    no_ssvc = fit(chosen, x[:, keep], y, df["published"], train_idx)
    sens = {"without_ssvc_roc_auc": ev.rnd(roc_auc_score(yt, no_ssvc.predict_proba(x[np.ix_(test_idx, keep)])[:, 1]))}
    log(f"test ROC-AUC {test_metrics['roc_auc']} (CVSS {cv['roc_auc']}, EPSS {ep['roc_auc']}); {time.time() - t0:.1f}s")

    pub = df["published"]
    training_data = {
        "source": f"{d.SUMMARY} (cisagov/vulnrichment snapshot {d.SUMMARY_SNAPSHOT}); "
        f"labels also from {d.KEV_JSON} (catalog {kev.catalog_version})",
        "published_from": str(pub.min().date()),
        "published_to": str(pub.max().date()),
        "cutoff": CUTOFF,
        "validation_from": VALIDATION_FROM,
        "train_rows": int(len(train_idx)),
        "test_rows": int(len(test_idx)),
        "positives_train": int(y[train_idx].sum()),
        "positives_test": int(yt.sum()),
        "positives_from_later_catalog_only": int(((df["in_kev"] != "1") & (df["label"] == 1)).sum()),
        "kev_catalog_version": kev.catalog_version,
    }
    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if os.environ.get("SOURCE_DATE_EPOCH"):
        created = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.timezone.utc)
    manifest = {
        "name": "medsec-exploitation",
        "version": VERSION,
        "created": created.isoformat().replace("+00:00", "Z"),
        "model_file": "model.onnx",
        "sha256": sha256(model_path),
        "input": {"name": M.INPUT_NAME, "dtype": "float32", "width": len(feats)},
        "output": {
            "name": M.OUTPUT_NAME,
            "column": 0,
            "meaning": "probability that the CVE is (or will be) listed in CISA KEV, given what is known at publication",
        },
        "feature_schema_version": 1,
        "features": feats,
        "cvss_v3_preference": F.CVSS_V3_PREFERENCE,
        "training_data": training_data,
        "model": {
            "family": chosen.family,
            "candidate": chosen.name,
            "params": chosen.params,
            "onnx_ops": M.ops_used(onnx_model),
            "opset": 13,
            "cna_min_train_rows": CNA_MIN_ROWS,
            "cwe_member_min_train_rows": CWE_MIN_ROWS,
            "cwe_group_min_train_rows": CWE_MIN_ROWS // 2,
            "selection_tie": TIE,
            "validation_rows": int(len(val_idx)),
            "validation_positives": int(y[val_idx].sum()),
        },
        "metrics": {"test": test_metrics, "baselines": baselines, "sensitivity": sens, "selection": selection},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    write_parity(out / "parity.csv", df, test_idx, x, p_ort, feats, y)
    check_parity(out / "parity.csv", df, feats, sess)
    ev.plot_curves(
        out / "roc-pr.png",
        yt,
        scores,
        {"model": "this model", "cvss": "CVSS base score", "epss": f"EPSS {d.epss_date(epss_path)} (hindsight)"},
    )
    ev.plot_calibration(out / "calibration.png", bins, int(yt.sum()), len(yt))
    (out / "model-card.md").write_text(card.render(manifest, groups, hierarchy, final, feats, max_diff))
    log(f"wrote {out}; {time.time() - t0:.1f}s")
    return manifest


def write_parity(path: Path, df: pd.DataFrame, test_idx: np.ndarray, x: np.ndarray, p: np.ndarray, feats, y) -> None:
    """200 test rows: the CVE id, the feature vector and the probability, for
    the inference side to reproduce. Every test positive with a CVSS v4 or v2
    vector or an ADP vector is favoured so the rarer paths are covered."""
    rng = np.random.default_rng(M.SEED)
    pos = [i for i in test_idx if y[i] == 1]
    neg = [i for i in test_idx if y[i] == 0]
    rare = [i for i in neg if df.at[i, "cna_cvss_v40_vector"] or df.at[i, "cna_cvss_v2_vector"] or df.at[i, "adp_cvss_v31_vector"]]
    pick = set(rng.choice(pos, size=min(40, len(pos)), replace=False).tolist())
    pick |= set(rng.choice(rare, size=min(60, len(rare)), replace=False).tolist())
    rest = [i for i in neg if i not in pick]
    pick |= set(rng.choice(rest, size=PARITY_ROWS - len(pick), replace=False).tolist())
    rows = sorted(pick)
    cols = {f["name"]: [f"{v:.9g}" for v in x[rows, j]] for j, f in enumerate(feats)}
    cols["probability"] = [f"{v:.9g}" for v in p[rows]]
    # Ids only: the raw fields stay in the shared data, where readers look
    # them up by cve_id.
    out = pd.concat([df.loc[rows, ["cve_id"]].reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    out.to_csv(path, index=False, lineterminator="\n")


def check_parity(path: Path, df: pd.DataFrame, feats: list[dict], sess) -> None:
    """Read parity.csv back as the inference side will: the raw fields of its
    CVEs, looked up in the data by cve_id, must rebuild the feature columns,
    and those must give the probability."""
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    names = [f["name"] for f in feats]
    raw = df[d.RAW_COLUMNS].set_index("cve_id", drop=False).loc[back["cve_id"]].reset_index(drop=True)
    rebuilt = F.matrix(feats, F.parse_frame(raw))
    written = back[names].to_numpy(dtype=np.float32)
    if not np.array_equal(rebuilt, written):
        raise SystemExit(f"{path}: features rebuilt from the raw columns differ from the written ones")
    prob = sess.run([M.OUTPUT_NAME], {M.INPUT_NAME: written})[0][:, 0]
    diff = float(np.abs(prob - back["probability"].to_numpy(dtype=np.float64)).max())
    if diff > 1e-6:
        raise SystemExit(f"{path}: probabilities differ from onnxruntime by {diff:.3g}")


def compare(shipped: dict, fresh: dict) -> list[str]:
    diffs = []
    if shipped.get("sha256") != fresh["sha256"]:
        diffs.append(f"sha256: shipped {shipped.get('sha256')} vs retrained {fresh['sha256']}")
    for key in ["metrics", "features", "training_data", "input", "output"]:
        a, b = shipped.get(key), fresh[key]
        if json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True):
            diffs.append(f"{key} differs between the shipped manifest and the retrained one")
    return diffs


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="scripts/ml/train")
    ap.add_argument("--out", type=Path, default=SHIPPED, help="artefact directory (default: models/exploitation)")
    ap.add_argument("--check", action="store_true", help="retrain into a temp dir and compare with the shipped manifest")
    ap.add_argument(
        "--explore", action="store_true", help="compare more features and model families; write exploration.md only"
    )
    args = ap.parse_args(argv)
    if args.explore:
        explore.run(args.out, log, CUTOFF, CNA_MIN_ROWS, CWE_MIN_ROWS)
        return 0
    if not args.check:
        run(args.out)
        return 0
    shipped_path = SHIPPED / "manifest.json"
    if not shipped_path.is_file():
        log(f"no shipped manifest at {shipped_path}")
        return 1
    shipped = json.loads(shipped_path.read_text())
    with tempfile.TemporaryDirectory(prefix="medsec-ml-check-") as tmp:
        fresh = run(Path(tmp))
        on_disk = sha256(SHIPPED / shipped.get("model_file", "model.onnx"))
    diffs = compare(shipped, fresh)
    if on_disk != shipped.get("sha256"):
        diffs.append(f"shipped model.onnx sha256 {on_disk} does not match its manifest {shipped.get('sha256')}")
    for line in diffs:
        log(f"check: {line}")
    if diffs:
        return 1
    log("check: retrained model and metrics equal the shipped ones")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
