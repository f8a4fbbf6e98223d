"""The training pipeline's own feature matrix for every row of a summary
CSV, written to stdout as raw little-endian float32 (rows x width).

usage: pipeline_features.py SCRIPTS_ML_DIR MANIFEST SUMMARY_CSV[.gz]
"""
import json
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, sys.argv[1])
from medsec_ml import features  # noqa: E402

with open(sys.argv[2]) as f:
    manifest = json.load(f)
df = pd.read_csv(sys.argv[3], dtype=str, keep_default_na=False)
x = features.matrix(manifest["features"], features.parse_frame(df))
sys.stdout.buffer.write(np.ascontiguousarray(x, dtype="<f4").tobytes())
