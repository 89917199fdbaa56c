#!/usr/bin/env python3
"""Noise reduction of percept.dsp.Nlms and SpectralSubtraction on speech plus noise at 0, 5 and 10 dB SNR.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_denoise.py

Speech: tests/data/in_speech.npy (espeak-ng, 22050 Hz, 4.1 s). Noise: white Gaussian.
- NLMS (adaptive noise cancelling): primary = speech + noise through a 5-tap acoustic path, reference =
  the noise source. Noise reduction = power of the noise in the primary / power of (output - speech),
  over the last 3/4 (after convergence).
- Spectral subtraction: 0.5 s of noise alone, then speech + noise. Noise reduction = noise power / output
  power in the speech pauses (frames where the clean speech is 40 dB below its peak); SNR gain = output
  SNR (clean speech vs output - speech, latency compensated) minus input SNR over the whole utterance.
The target of issue 4 is 90 % of the noise power removed, i.e. 10 dB.
"""
import os

import numpy as np
from scipy import signal

import percept.dsp as dsp

HERE = os.path.dirname(os.path.abspath(__file__))


def db(v):
    return 10 * np.log10(v)


def main():
    s = np.load(os.path.join(HERE, "..", "tests", "data", "in_speech.npy")).astype(np.float64)
    sr = 22050
    env = np.convolve(s ** 2, np.ones(512) / 512, "same")
    quiet = env < 1e-4 * env.max()
    print(f"{'method':56s} {'SNR in':>7s} {'noise removed':>14s} {'SNR out':>8s} {'SNR gain':>9s}  >= 10 dB?")
    for snr in (0, 5, 10):
        rng = np.random.default_rng(100 + snr)
        noise = rng.standard_normal(s.size)
        path = signal.lfilter([0.6, 0.3, -0.2, 0.1, 0.05], [1.0], noise)
        g = np.sqrt(np.mean(s ** 2) / np.mean(path ** 2) / 10 ** (snr / 10))
        e = dsp.Nlms(taps=16, step_size=0.005).process(s + g * path, g * noise)
        tail = slice(s.size // 4, None)
        nr = db(np.mean((g * path)[tail] ** 2) / np.mean((e - s)[tail] ** 2))
        out = db(np.mean(s[tail] ** 2) / np.mean((e - s)[tail] ** 2))
        inp = db(np.mean(s[tail] ** 2) / np.mean((g * path)[tail] ** 2))
        print(f"{'NLMS 16 taps, mu 0.005':56s} {snr:7d} {nr:11.1f} dB {out:8.1f} {out - inp:9.1f}  {'yes' if nr >= 10 else 'no'}")
        for est in ("leading", "minimum-statistics"):
            noise2 = rng.standard_normal(s.size + sr // 2)
            g2 = np.sqrt(np.mean(s ** 2) / np.mean(noise2 ** 2) / 10 ** (snr / 10))
            x = np.concatenate([np.zeros(sr // 2), s]) + g2 * noise2
            sp = dsp.SpectralSubtraction(noise_estimator=est, noise_frames=20)
            y = sp.process(x, sample_rate=sr)
            y = np.concatenate([y[sp.latency:], np.zeros(sp.latency)])[sr // 2:]
            nr = db(np.mean((g2 * noise2[sr // 2:])[quiet] ** 2) / np.mean(y[quiet] ** 2))
            out = db(np.mean(s ** 2) / np.mean((y - s) ** 2))
            label = f"spectral subtraction, {est} (a=4, floor 0.03)"
            print(f"{label:56s} {snr:7d} {nr:11.1f} dB {out:8.1f} {out - snr:9.1f}  {'yes' if nr >= 10 else 'no'}")


if __name__ == "__main__":
    main()
