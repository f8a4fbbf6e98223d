"""Test-set metrics with bootstrap intervals, and the plots of the card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score, roc_curve

BOOTSTRAP = 1000
BOOT_SEED = 7


def rnd(x: float) -> float:
    # Rounded so two runs compare equal in the manifest despite float noise
    # far below anything that matters.
    return float(round(float(x), 6))


def calibration_bins(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> list[dict]:
    """Equal-count bins of predicted probability: mean prediction vs. observed
    rate (equal-count because almost all predictions are tiny)."""
    order = np.argsort(p, kind="mergesort")
    out = []
    for chunk in np.array_split(order, n_bins):
        if len(chunk) == 0:
            continue
        out.append(
            {
                "n": int(len(chunk)),
                "mean_predicted": rnd(p[chunk].mean()),
                "observed_rate": rnd(y[chunk].mean()),
                "positives": int(y[chunk].sum()),
            }
        )
    return out


def ece(bins: list[dict], n: int) -> float:
    return rnd(sum(b["n"] / n * abs(b["mean_predicted"] - b["observed_rate"]) for b in bins))


class _Ranked:
    """One score sorted once, so each bootstrap resample (given as per-CVE
    counts) costs O(n): tied scores form one group, as in scikit-learn."""

    def __init__(self, y: np.ndarray, s: np.ndarray):
        order = np.argsort(-s, kind="mergesort")
        self.y = y[order].astype(np.float64)
        self.order = order
        ss = s[order]
        self.starts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])

    def metrics(self, w: np.ndarray) -> tuple[float, float]:
        w = w[self.order]
        tp = np.add.reduceat(w * self.y, self.starts)
        fp = np.add.reduceat(w * (1.0 - self.y), self.starts)
        p, n = tp.sum(), fp.sum()
        fp_above = np.cumsum(fp) - fp
        # ROC-AUC: each positive beats the negatives below it, half the ties.
        auc = float((tp * (n - fp_above - fp) + 0.5 * tp * fp).sum() / (p * n))
        ctp, cfp = np.cumsum(tp), np.cumsum(fp)
        # Groups left out of the resample (weight 0) add no recall step.
        seen = ctp + cfp
        precision = np.divide(ctp, seen, out=np.zeros_like(ctp), where=seen > 0)
        ap = float((tp / p * precision).sum())
        return auc, ap


def bootstrap(y: np.ndarray, scores: dict[str, np.ndarray], prob_key: str) -> dict:
    """Percentile 95% intervals of ROC-AUC and PR-AUC for every score, the
    Brier score of the model, and the paired ROC-AUC differences of the model
    against each baseline (the same resampled CVEs for all)."""
    ranked = {k: _Ranked(y, s) for k, s in scores.items()}
    ones = np.ones(len(y))
    for k, r in ranked.items():
        auc, ap = r.metrics(ones)
        # The fast path must agree with scikit-learn before it is trusted.
        if abs(auc - roc_auc_score(y, scores[k])) > 1e-9 or abs(ap - average_precision_score(y, scores[k])) > 1e-9:
            raise SystemExit(f"bootstrap metrics disagree with scikit-learn for {k}")
    rng = np.random.default_rng(BOOT_SEED)
    n = len(y)
    sq = (scores[prob_key] - y) ** 2
    res: dict[str, list[float]] = {}
    for _ in range(BOOTSTRAP):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        npos = float((w * y).sum())
        if npos == 0 or npos == n:
            continue
        aucs = {}
        for k, r in ranked.items():
            aucs[k], ap = r.metrics(w)
            res.setdefault(f"{k}.roc_auc", []).append(aucs[k])
            res.setdefault(f"{k}.pr_auc", []).append(ap)
        res.setdefault(f"{prob_key}.brier", []).append(float((w * sq).sum() / n))
        for k in scores:
            if k != prob_key:
                res.setdefault(f"{prob_key}-{k}.roc_auc", []).append(aucs[prob_key] - aucs[k])
    return {k: [rnd(np.percentile(v, 2.5)), rnd(np.percentile(v, 97.5))] for k, v in res.items()}


def point(y: np.ndarray, s: np.ndarray) -> dict:
    return {"roc_auc": rnd(roc_auc_score(y, s)), "pr_auc": rnd(average_precision_score(y, s))}


def plot_curves(path: Path, y: np.ndarray, scores: dict[str, np.ndarray], labels: dict[str, str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.4))
    for k, s in scores.items():
        fpr, tpr, _ = roc_curve(y, s)
        a.plot(fpr, tpr, label=f"{labels[k]} (AUC {roc_auc_score(y, s):.3f})")
        pr, rc, _ = precision_recall_curve(y, s)
        b.plot(rc, pr, label=f"{labels[k]} (AP {average_precision_score(y, s):.3f})")
    a.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    a.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC, time-split test set")
    b.axhline(y.mean(), color="grey", lw=0.8, ls="--", label=f"prevalence {y.mean():.4f}")
    b.set(xlabel="recall", ylabel="precision", title="Precision-recall, time-split test set")
    a.legend(loc="lower right", fontsize=8)
    b.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)


def plot_calibration(path: Path, bins: list[dict], n_pos: int, n: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mp = np.array([b["mean_predicted"] for b in bins])
    orate = np.array([b["observed_rate"] for b in bins])
    counts = np.array([b["n"] for b in bins])
    pos = np.array([b["positives"] for b in bins])
    # Wilson intervals: with a handful of positives per bin the observed rate
    # is itself very uncertain.
    z = 1.96
    centre = (pos + z * z / 2) / (counts + z * z)
    half = z * np.sqrt(pos * (counts - pos) / counts + z * z / 4) / (counts + z * z)
    lo, hi = centre - half, centre + half
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    top = max(mp.max(), hi.max()) * 1.1
    ax.plot([0, top], [0, top], color="grey", lw=0.8, ls="--", label="perfect calibration")
    ax.errorbar(mp, orate, yerr=[orate - lo, hi - orate], fmt="o", capsize=3, label="test set, 10 equal-count bins")
    ax.set(
        xlabel="mean predicted P(KEV)",
        ylabel="observed KEV rate (95% Wilson interval)",
        title=f"Calibration ({n_pos} KEV of {n} test CVEs)",
        xlim=(0, top),
        ylim=(0, top),
    )
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)
