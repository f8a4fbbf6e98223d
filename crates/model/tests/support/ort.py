"""onnxruntime as the reference for the tract tests and benchmark.

usage:
  ort.py predict MODEL INPUT OUTPUT COLUMN WIDTH   rows on stdin, one per
      line, comma-separated floats; prints each row's probability (repr of
      the float32) one per line.
  ort.py predict-bin MODEL INPUT OUTPUT COLUMN WIDTH   the same with raw
      little-endian float32 rows on stdin and probabilities on stdout.
  ort.py bench MODEL INPUT OUTPUT WIDTH BATCH SECONDS   prints rows/s of
      repeated runs on one random batch (one intra-op thread, like tract).
"""
import sys
import time

import numpy as np
import onnxruntime as ort


def session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


mode = sys.argv[1]
if mode == "predict":
    model, inp, out, column, width = sys.argv[2:7]
    rows = [[float(x) for x in line.split(",")] for line in sys.stdin if line.strip()]
    x = np.array(rows, dtype=np.float32).reshape(len(rows), int(width))
    (probs,) = session(model).run([out], {inp: x})
    for p in probs[:, int(column)]:
        print(repr(float(p)))
elif mode == "predict-bin":
    model, inp, out, column, width = sys.argv[2:7]
    x = np.frombuffer(sys.stdin.buffer.read(), dtype="<f4").reshape(-1, int(width))
    (probs,) = session(model).run([out], {inp: x})
    sys.stdout.buffer.write(np.ascontiguousarray(probs[:, int(column)], dtype="<f4").tobytes())
elif mode == "bench":
    model, inp, out, width, batch, seconds = sys.argv[2:8]
    sess = session(model)
    x = np.random.default_rng(0).random((int(batch), int(width)), dtype=np.float32)
    sess.run([out], {inp: x})
    runs = 0
    start = time.perf_counter()
    while True:
        sess.run([out], {inp: x})
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= float(seconds):
            break
    print(runs * int(batch) / elapsed)
else:
    sys.exit(f"unknown mode {mode!r}")
