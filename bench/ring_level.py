"""Diode ring modulator: output level and stability, percept's DiodeRingModulator next to the authors' program.

Run: PYTHONPATH=build/python /usr/bin/python3 bench/ring_level.py
Prints (1) the Euler growth factor of the u3 node |1 - T/(Cp Ri)| per oversampling factor (> 1: diverges for
any input), (2) DiodeRingModulator's raw (output_gain_db=0) and default-gain levels for 440 Hz carrier x
100 Hz modulator sines at 0.5 and 1.0 amplitude for every accepted factor tried, (3) the authors' block
(zero-stuffing, their Euler loop, 3rd-order Butterworth, decimation) on the same input at k = 0.4 / 0.2 / 0.1,
(4) the largest stable drive k * input_scale of the authors' equations on band-limited input per factor.
"""
from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))

CP, RI = 10e-9, 50.0


def dbfs(x):
    return 20 * np.log10(max(float(x), 1e-300))


def tones(sr, amp, seconds=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return amp * np.sin(2 * np.pi * 440 * t), amp * np.sin(2 * np.pi * 100 * t)


def main():
    import percept.dsp as dsp
    import dsp_reference as R
    from scipy import signal

    print("1) Euler growth of the u3 node per step, |1 - T/(Cp Ri)| (> 1 diverges for any input)")
    for sr in (44100, 48000):
        row = "  ".join(f"{f}x:{abs(1 - 1 / (sr * f) / (CP * RI)):.2f}" for f in (1, 4, 8, 16, 20, 21, 22, 23, 30))
        print(f"  {sr} Hz  {row}   min_oversampling={dsp.DiodeRingModulator.min_oversampling(sr)}")

    print("2) DiodeRingModulator, 440 Hz x 100 Hz sines (RMS / peak dBFS, first 0.1 s skipped)")
    for sr in (44100, 48000):
        for f in (dsp.DiodeRingModulator.min_oversampling(sr), 30, 64):
            for amp in (0.5, 1.0):
                c, m = tones(sr, amp)
                raw = dsp.DiodeRingModulator(sr, oversampling=f, output_gain_db=0.0)
                y = raw.process(c, m)[sr // 10:]
                d = dsp.DiodeRingModulator(sr, oversampling=f)
                yd = d.process(c, m)[sr // 10:]
                print(f"  {sr} Hz {f:3d}x amp {amp:.1f}: raw {dbfs(np.sqrt(np.mean(y ** 2))):7.2f} / "
                      f"{dbfs(np.abs(y).max()):7.2f}   default gain ({d.output_gain_db:+.1f} dB) "
                      f"{dbfs(np.sqrt(np.mean(yd ** 2))):7.2f} / {dbfs(np.abs(yd).max()):7.2f}   "
                      f"runaways {raw.diverged_samples + d.diverged_samples}")

    print("3) the authors' block at 44.1 kHz, 30x (no makeup; their real-time C program multiplies by 4)")
    sr = 44100
    for amp in (0.5, 1.0):
        c, m = tones(sr, amp)
        for k in (0.4, 0.2, 0.1):
            p = R.PaperRing(sr, 30, k=k, core=R.ring_core)
            y = np.concatenate([p.process(c[i:i + 512], m[i:i + 512]) for i in range(0, c.size - 511, 512)])[4000:]
            if np.isfinite(y).all():
                print(f"  amp {amp:.1f} k {k:.1f}: {dbfs(np.sqrt(np.mean(y ** 2))):7.2f} / {dbfs(np.abs(y).max()):7.2f}")
            else:
                print(f"  amp {amp:.1f} k {k:.1f}: diverged (non-finite output)")

    print("4) largest stable drive k*input_scale, authors' equations, band-limited 440/100 Hz sines (bisection)")
    for sr in (44100, 48000):
        out = []
        for f in (16, dsp.DiodeRingModulator.min_oversampling(sr), 30, 256):
            c, m = tones(sr, 1.0, 0.1)
            ch, mh = signal.resample_poly(c, f, 1), signal.resample_poly(m, f, 1)
            lo, hi = 0.0, 1.0
            for _ in range(12):
                a = 0.5 * (lo + hi)
                y, _ = R.ring_core(ch * a, mh * a, 1.0 / (sr * f), 1.0, R.RING_STATE0)
                if np.isfinite(y).all() and np.abs(y).max() < 10:
                    lo = a
                else:
                    hi = a
            out.append(f"{f}x:{lo:.4f}")
        print(f"  {sr} Hz  " + "  ".join(out))


if __name__ == "__main__":
    main()
