#!/usr/bin/python3
"""Batch analysis on all cores: wall time, process CPU time (all threads) and their ratio.

CPU / wall near the number of cores shows the workers really run at once (the GIL is released during the
compiled work); CPU time equal to the one-at-a-time run shows no extra work. On a machine whose other
cores are busy with other jobs the ratio stays near 1 whatever percept does, so read it with `uptime`.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_batch.py [--repeat 3]
"""
import argparse
import os
import sys
import tempfile
import threading
import time

import numpy as np

import percept
import percept.batch
import percept.effects


def measure(fn, repeat):
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        if best is None or w < best[0]:
            best = (w, c)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    Y8 = rng.standard_normal((8, 30 * 22050)).astype(np.float32)
    Y2 = rng.standard_normal((2, 60 * 22050)).astype(np.float32)

    def two_threads():
        ts = [threading.Thread(target=percept.effects.hpss, args=(y,)) for y in Y2]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, y in enumerate(Y8):
            paths.append(os.path.join(d, f"{i}.wav"))
            percept.write(paths[-1], y, 22050)
        cases = [
            ("log-mel 8 x 30 s, one at a time", lambda: [percept.feature.melspectrogram(y=y, sr=22050) for y in Y8]),
            ("log-mel (8, 30 s) array", lambda: percept.feature.melspectrogram(y=Y8, sr=22050)),
            ("batch.features 8 files, n_jobs=1", lambda: percept.batch.features(paths, "logmel", n_jobs=1)),
            ("batch.features 8 files, all cores", lambda: percept.batch.features(paths, "logmel")),
            ("effects.hpss 2 x 60 s, in turn", lambda: [percept.effects.hpss(y) for y in Y2]),
            ("effects.hpss, 2 Python threads", two_threads),
            ("effects.hpss (2, 60 s) array", lambda: percept.effects.hpss(Y2)),
        ]
        for name, fn in cases:
            fn()  # warm-up (plans, pages)
            w, c = measure(fn, args.repeat)
            print(f"{name:36s} wall {w * 1e3:8.1f} ms   cpu {c * 1e3:8.1f} ms   cpu/wall {c / w:4.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
