"""Loading the knowledge-base tables the model learns from.

Everything here reads the shared data in place; nothing is copied.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SUMMARY = "vulns/nvd-summary/vulnrichment_summary.derived.csv.gz"
KEV_CSV = "vulns/kev/known_exploited_vulnerabilities.csv"
KEV_JSON = "vulns/kev/known_exploited_vulnerabilities.json.gz"
EPSS_DIR = "vulns/epss"
CWE_DIR = "vulns/cwe"

# The summary was derived from the vulnrichment commit of this date.
SUMMARY_SNAPSHOT = "2024-10-24"

RAW_COLUMNS = [
    "cve_id",
    "cna_cvss_v31_vector",
    "cna_cvss_v30_vector",
    "cna_cvss_v40_vector",
    "cna_cvss_v2_vector",
    "adp_cvss_v31_vector",
    "cna_cwe_ids",
    "adp_cwe_ids",
    "ssvc_automatable",
    "ssvc_technical_impact",
    "cna_short_name",
]


def shared_data_dir(repo_root: Path) -> Path:
    """`$MEDSEC_SHARED_DATA`, else `../shared/data` beside the repository
    (the same rule as the `medsec-testdata` crate)."""
    env = os.environ.get("MEDSEC_SHARED_DATA")
    path = Path(env) if env else repo_root.parent / "shared" / "data"
    if not (path / SUMMARY).is_file():
        raise SystemExit(
            f"shared data not found: {path / SUMMARY} is missing "
            "(set MEDSEC_SHARED_DATA or place the data at ../shared/data)"
        )
    return path


@dataclass
class Kev:
    catalog_version: str
    date_released: str
    date_added: dict[str, str]


def load_kev(data: Path) -> Kev:
    import json

    with gzip.open(data / KEV_JSON, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    added = {v["cveID"]: v["dateAdded"] for v in doc["vulnerabilities"]}
    return Kev(doc["catalogVersion"], doc["dateReleased"][:10], added)


def load_summary(data: Path, kev: Kev) -> pd.DataFrame:
    """The 44,130-row vulnrichment summary, published records only, with the
    label and the publication date parsed."""
    df = pd.read_csv(data / SUMMARY, dtype=str, keep_default_na=False)
    df = df[df["state"] == "PUBLISHED"].copy()
    df["published"] = pd.to_datetime(df["date_published"].str[:10], format="%Y-%m-%d")
    # Listed in KEV: the CISA-ADP flag of the 2024-10-24 snapshot, or the
    # later KEV catalog, which gives CVEs published just before the snapshot
    # about ten more months in which a listing could happen.
    in_catalog = df["cve_id"].isin(kev.date_added.keys())
    df["label"] = ((df["in_kev"] == "1") | in_catalog).astype(np.int8)
    df = df.sort_values(["published", "cve_id"], kind="mergesort").reset_index(drop=True)
    return df


def epss_files(data: Path) -> list[Path]:
    return sorted((data / EPSS_DIR).glob("epss_scores-*.csv.gz"))


def load_epss(path: Path) -> dict[str, float]:
    df = pd.read_csv(path, dtype={"cve": str, "epss": float})
    return dict(zip(df["cve"], df["epss"]))


def epss_date(path: Path) -> str:
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    if not m:
        raise SystemExit(f"EPSS file name without a date: {path}")
    return m.group(1)


def read_cwe_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
