#!/usr/bin/env python3
"""Side-by-side benchmark of the paper's three algorithms (De Pra & Fontana 2020): percept against the same
algorithms written the paper's way, interpreted (pure Python) and compiled with Numba (Debian python3-numba).

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_dsp.py [--seconds 2] [--python-seconds 0.2]

Prints ns per (base-rate) sample, peak memory and the ratios. Each variant runs in its own subprocess
(`--one NAME VARIANT`) so that peak RSS (ru_maxrss above the post-import baseline) is its own; times are the
best of several runs in the paper's setting: 44.1 kHz, blocks of 512 samples processed one call each
(for the paper's code: its per-block wrapper; for percept: one process() call per block).
The pure-Python run is short (--python-seconds) and extrapolated per sample.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))

SR = 44100
BLOCK = 512
OVER_F = 30
K = 0.4


def _signals(seconds):
    import dsp_reference as R
    x = R.test_signal(SR, seconds)
    m = 0.5 * np.sin(2 * np.pi * 97 * np.arange(x.size) / SR)
    return x, m


def _blocks(n):
    return [(i, min(BLOCK, n - i)) for i in range(0, n, BLOCK)]


def make_runner(algo, variant, seconds):
    """Returns (run, n_samples): run() processes the whole signal block by block."""
    import dsp_reference as R
    x, m = _signals(seconds)
    n = x.size
    if variant == "percept":
        import percept.dsp as dsp
        if algo == "onepole":
            p = dsp.OnePoleLowpass(0.05)
            args = lambda i, b: (x[i:i + b],)  # noqa: E731
        elif algo == "ring":
            p = dsp.DiodeRingModulator(SR, oversampling=OVER_F, k=K)
            args = lambda i, b: (x[i:i + b], m[i:i + b])  # noqa: E731
        elif algo == "ringcore":
            p = dsp.DiodeRingCore(SR * OVER_F, k=K)
            xc, mc = R.zero_stuff(x, OVER_F), R.zero_stuff(m, OVER_F)
            args = lambda i, b: (xc[i * OVER_F:(i + b) * OVER_F], mc[i * OVER_F:(i + b) * OVER_F])  # noqa: E731
        elif algo == "vcs3":
            p = dsp.Vcs3Filter(SR, solver="fixed-point", tolerance=1e-3, max_iterations=100)
            args = lambda i, b: (x[i:i + b],)  # noqa: E731
        elif algo == "vcs3-newton":
            p = dsp.Vcs3Filter(SR, solver="newton", tolerance=1e-3)
            args = lambda i, b: (x[i:i + b],)  # noqa: E731
        p.prepare(SR if algo != "ringcore" else SR * OVER_F, 4096 if algo != "ringcore" else BLOCK * OVER_F, 1)

        def run():
            p.reset()
            for i, b in _blocks(n):
                p.process(*args(i, b))
        return run, n

    compiled = variant == "numba"
    if algo == "onepole":
        f = R.onepole if compiled else R.onepole.py_func

        def run():
            y1 = 0.0
            for i, b in _blocks(n):
                _, y1 = f(x[i:i + b], 0.05, y1)
        return run, n
    if algo in ("ring", "ringcore"):
        core = R.ring_core if compiled else R.ring_core.py_func
        if algo == "ring":
            def run():
                paper = R.PaperRing(SR, OVER_F, K, core=core)
                for i, b in _blocks(n):
                    paper.process(x[i:i + b], m[i:i + b])
            return run, n
        xc, mc = R.zero_stuff(x, OVER_F), R.zero_stuff(m, OVER_F)

        def run():
            st = R.RING_STATE0
            for i, b in _blocks(n):
                _, st = core(xc[i * OVER_F:(i + b) * OVER_F], mc[i * OVER_F:(i + b) * OVER_F], 1.0 / (SR * OVER_F), K, st)
        return run, n
    if algo in ("vcs3", "vcs3-newton"):
        f = R.vcs3_fixed_point if compiled else R.vcs3_fixed_point.py_func

        def run():
            st = R.VCS3_STATE0
            for i, b in _blocks(n):
                _, st, _ = f(x[i:i + b].copy(), 1.0 / SR, 30e-6, 5.175, 1e-3, 100, st)
        return run, n
    raise ValueError(algo)


def one(algo, variant, seconds, repeats):
    # warm-up (JIT compilation, first-call costs) on a short signal
    run, _ = make_runner(algo, variant, 0.02)
    run()
    run, n = make_runner(algo, variant, seconds)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # after the input signals exist
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    extra = {}
    if variant == "percept" and algo.startswith("vcs3"):
        import percept.dsp as dsp
        f = dsp.Vcs3Filter(SR, solver="newton" if algo == "vcs3-newton" else "fixed-point")
        f.process(_signals(seconds)[0])
        extra["iterations_per_sample"] = f.iterations_per_sample
    if variant == "numba" and algo == "vcs3":
        import dsp_reference as R
        x = _signals(seconds)[0]
        _, _, it = R.vcs3_fixed_point(x.copy(), 1.0 / SR, 30e-6, 5.175, 1e-3, 100, R.VCS3_STATE0)
        extra["iterations_per_sample"] = it / x.size
    return {"ns_per_sample": best / n * 1e9, "peak_kib_above_baseline": peak - base, **extra}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0, help="audio length for percept and Numba")
    ap.add_argument("--python-seconds", type=float, default=0.2, help="audio length for pure Python")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--one", nargs=2, metavar=("ALGO", "VARIANT"), help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    if a.one:
        secs = a.python_seconds if a.one[1] == "python" else a.seconds
        reps = 1 if a.one[1] == "python" else a.repeats
        print(json.dumps(one(a.one[0], a.one[1], secs, reps)))
        return

    algos = [("onepole", "one-pole low-pass"), ("ring", "ring modulator, 30x (paper: zero-stuff + core + Butterworth 3)"),
             ("ringcore", "ring core alone, 30x"), ("vcs3", "VCS3 VCF, fixed point 1e-3"),
             ("vcs3-newton", "VCS3 VCF, percept Newton vs paper fixed point")]
    results = {}
    for algo, _ in algos:
        for variant in ("python", "numba", "percept"):
            if variant == "python" and algo == "vcs3-newton":
                continue
            ref_variant = variant
            out = subprocess.run([sys.executable, __file__, "--one", algo, ref_variant, "--seconds", str(a.seconds),
                                  "--python-seconds", str(a.python_seconds), "--repeats", str(a.repeats)],
                                 capture_output=True, text=True, env=os.environ)
            if out.returncode != 0:
                raise SystemExit(f"{algo}/{variant} failed:\n{out.stderr}")
            results[(algo, variant)] = json.loads(out.stdout.strip().splitlines()[-1])
    # the Newton row compares with the paper's fixed-point peers
    for v in ("python", "numba"):
        results[("vcs3-newton", v)] = results[("vcs3", v)]

    print(f"{'algorithm':62s} {'python ns/s':>12s} {'numba ns/s':>11s} {'percept ns/s':>12s} "
          f"{'vs numba':>9s} {'vs python':>9s}  peak KiB py/nb/pc   iters/sample")
    for algo, label in algos:
        py, nb, pc = (results[(algo, v)] for v in ("python", "numba", "percept"))
        it = ""
        if "iterations_per_sample" in pc:
            it = f"{pc['iterations_per_sample']:.2f}"
            if "iterations_per_sample" in nb:
                it = f"{nb['iterations_per_sample']:.2f} -> {it}"
        print(f"{label:62s} {py['ns_per_sample']:12.1f} {nb['ns_per_sample']:11.1f} {pc['ns_per_sample']:12.2f} "
              f"{nb['ns_per_sample'] / pc['ns_per_sample']:8.1f}x {py['ns_per_sample'] / pc['ns_per_sample']:8.0f}x"
              f"  {py['peak_kib_above_baseline']}/{nb['peak_kib_above_baseline']}/{pc['peak_kib_above_baseline']}   {it}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({f"{k[0]}/{k[1]}": v for k, v in results.items()}, fh, indent=1)


if __name__ == "__main__":
    main()
