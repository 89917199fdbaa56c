#!/usr/bin/env python3
"""percept.load vs the librosa.load pipeline built from Debian's packages, side by side.

librosa.load(path, sr=22050) on a 44.1 kHz stereo file is: soundfile.read -> mean over channels ->
soxr HQ resampling. librosa and python-soxr are not in Debian, so the peer here is soundfile.read +
numpy mean + scipy.signal.resample_poly (the usual stand-in), timed in the same process on the same
file. The issue's reference figure for librosa.load on this machine is ~0.17 s.

Run: PYTHONPATH=build/python /usr/bin/python3 bench/bench_load.py [--seconds 60] [--repeat 5]
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
import scipy.signal
import soundfile as sf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "build", "python"))
import percept  # noqa: E402


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--subtype", default="PCM_16")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    n = int(44100 * args.seconds)
    t = np.arange(n) / 44100.0
    y = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t)]) + 0.05 * rng.standard_normal((2, n))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.wav")
        sf.write(path, y.T.astype(np.float32), 44100, subtype=args.subtype)

        def peer():
            x, sr = sf.read(path, dtype="float32", always_2d=True)
            x = x.T.mean(axis=0)
            return scipy.signal.resample_poly(x, 1, 2).astype(np.float32)

        def ours():
            return percept.load(path, sr=22050)[0]

        t_peer, a = best_of(peer, args.repeat)
        t_ours, b = best_of(ours, args.repeat)
        assert a.shape == b.shape, (a.shape, b.shape)
        print(f"file: {args.seconds:.0f} s stereo 44.1 kHz {args.subtype} WAV -> mono 22050 Hz (best of {args.repeat})")
        print(f"{'pipeline':<48} {'seconds':>9} {'ratio':>8}")
        print(f"{'soundfile.read + mean + scipy resample_poly':<48} {t_peer:9.4f} {1.0:8.2f}")
        print(f"{'percept.load(path, sr=22050) (soxr HQ)':<48} {t_ours:9.4f} {t_peer / t_ours:8.2f}x faster")
        print(f"{'librosa.load reference on this machine (issue)':<48} {0.17:9.4f} {0.17 / t_ours:8.2f}x (percept vs 0.17 s)")


if __name__ == "__main__":
    main()
