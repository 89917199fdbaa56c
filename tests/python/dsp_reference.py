"""The paper's three algorithms written the paper's way (De Pra & Fontana 2020, and the authors' code in
yuridepra88/RealtimeAudioPython): plain per-sample loops over module-level constants, compiled with
Numba for the "Numba" variant and run as-is (``.py_func``) for the interpreted variant. Used by the tests
(as the reference percept must reproduce) and by bench/bench_dsp.py (as the peers percept is timed against).
This is an independent transcription of the published equations, not the authors' files.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

# ---- one-pole low-pass: y[n] = a x[n] + (1 - a) y[n-1] -----------------------------------------


@njit(cache=False)
def onepole(x, alpha, y1):
    y = np.empty_like(x)
    for n in range(x.shape[0]):
        y1 = alpha * x[n] + (1.0 - alpha) * y1
        y[n] = y1
    return y, y1


# ---- diode ring modulator (Hoffmann-Burchardi, DAFx-08), explicit Euler at the oversampled rate ----
RING_C = 10e-9
RING_CP = 10e-9
RING_L = 0.8
RING_RA = 600.0
RING_RI = 50.0
RING_RM = 80.0


@njit(cache=False)
def ring_core(data, mod, T, k, state):
    """Runs the ring equations over `data` (carrier) and `mod` (modulator) at step T; returns (out, state)."""
    u1, u2, u3, u4, u5, u6, u7, i1, i2 = state
    out = np.empty_like(data)
    for i in range(data.shape[0]):
        u1 += T / RING_C * (i1 - (u4 ** 4 * 0.17) / 2.0 + (u7 ** 4 * 0.17) / 2.0 + (u5 ** 4 * 0.17) / 2.0
                            - (u6 ** 4 * 0.17) / 2.0 - (u1 - mod[i] * k) / RING_RM)
        u2 += T / RING_C * (i2 + (u4 * u4 * u4 * u4 * 0.17) / 2.0 + (u7 * u7 * u7 * u7 * 0.17) / 2.0
                            - (u5 * u5 * u5 * u5 * 0.17) / 2.0 - (u6 * u6 * u6 * u6 * 0.17) / 2.0 - u2 / RING_RA)
        u3 += T / RING_CP * ((u4 * u4 * u4 * u4 * 0.17) - (u7 * u7 * u7 * u7 * 0.17) + (u5 * u5 * u5 * u5 * 0.17)
                             - (u6 * u6 * u6 * u6 * 0.17) - u3 / RING_RI)
        u4 = u1 / 2.0 - u3 - data[i] * k - u2 / 2.0
        u5 = -u1 / 2.0 - u3 - data[i] * k + u2 / 2.0
        u6 = u1 / 2.0 + u3 + data[i] * k + u2 / 2.0
        u7 = -u1 / 2.0 + u3 + data[i] * k - u2 / 2.0
        i1 = i1 + T / RING_L * (-u1)
        i2 = i2 + T / RING_L * (-u2)
        out[i] = u2
    return out, (u1, u2, u3, u4, u5, u6, u7, i1, i2)


def zero_stuff(x, over_f):
    """The paper's upsampling: over_f - 1 zeros after every sample."""
    y = np.zeros(x.shape[0] * over_f)
    y[::over_f] = x
    return y


def zero_stuff_paper(x, over_f):
    """The same upsampling as the paper's code performs it, with numpy.insert at repeated indices."""
    indices = np.repeat(np.arange(x.shape[0] + 2), over_f - 1)[over_f - 1:-(over_f - 1)]
    return np.insert(x, indices, 0)


class PaperRing:
    """The paper's block processing: zero-stuffing, the core, a 3rd-order Butterworth low-pass at
    sample_rate/over_f... (as published: cutoff sample_rate / over_f over fs = sample_rate), decimation."""

    def __init__(self, sample_rate=44100, over_f=30, k=0.4, core=ring_core):
        from scipy import signal
        self.T = 1.0 / (sample_rate * over_f)
        self.over_f = over_f
        self.k = k
        self.core = core
        self.b, self.a = signal.butter(3, (sample_rate / over_f) / (0.5 * sample_rate))
        self.zi = signal.lfilter_zi(self.b, self.a)
        self.state = (0.0,) * 9

    def process(self, data, mod):
        from scipy import signal
        d = zero_stuff_paper(data, self.over_f)
        m = zero_stuff_paper(mod, self.over_f)
        y, self.state = self.core(d, m, self.T, self.k, self.state)
        y, self.zi = signal.lfilter(self.b, self.a, y, zi=self.zi)
        return y[:: self.over_f]


# ---- EMS VCS3 VCF (Civolani & Fontana), the authors' fixed-point iteration ----------------------
VCS3_ETA = 1.836
VCS3_VT = 0.026
VCS3_C = 0.01e-6


@njit(cache=False)
def vcs3_fixed_point(data, T, I0, gfdbk, rel_err, max_iter, state):
    s1, s2, s3, s4, vout, vc2, vc3, vc4, vc11, vc21, vc31, vc41 = state
    gmma = VCS3_ETA * VCS3_VT
    out = np.empty_like(data)
    iters = 0
    xc1 = xc2 = xc3 = xc4 = 0.0
    vc1 = 0.0
    for i in range(data.shape[0]):
        vc4 = 0.0
        vc4_past = 1.0
        n_iter = 0
        while abs(vc4 - vc4_past) > rel_err * abs(vc4_past):
            vc4_past = vc4
            vin1 = math.tanh((data[i] - vout) / (2.0 * VCS3_VT))
            xc1 = (I0 / 2.0 / VCS3_C) * (vin1 + vc11)
            vc1 = T / 2.0 * xc1 + s1
            vc11 = math.tanh((vc2 - vc1) / (2.0 * gmma))
            xc2 = (I0 / 2.0 / VCS3_C) * (vc21 - vc11)
            vc2 = T / 2.0 * xc2 + s2
            vc21 = math.tanh((vc3 - vc2) / (2.0 * gmma))
            xc3 = (I0 / 2.0 / VCS3_C) * (vc31 - vc21)
            vc3 = T / 2.0 * xc3 + s3
            vc31 = math.tanh((vc4 - vc3) / (2.0 * gmma))
            xc4 = (I0 / 2.0 / VCS3_C) * (-vc41 - vc31)
            vc4 = T / 2.0 * xc4 + s4
            vc41 = math.tanh(vc4 / (6.0 * gmma))
            vout = vc4 / 2.0 + vc4 * gfdbk
            n_iter += 1
            if n_iter == max_iter:
                break
        iters += n_iter
        out[i] = vout
        s1 = T / 2.0 * xc1 + vc1
        s2 = T / 2.0 * xc2 + vc2
        s3 = T / 2.0 * xc3 + vc3
        s4 = T / 2.0 * xc4 + vc4
    return out, (s1, s2, s3, s4, vout, vc2, vc3, vc4, vc11, vc21, vc31, vc41), iters


VCS3_STATE0 = (0.0,) * 12
RING_STATE0 = (0.0,) * 9


def test_signal(sample_rate, seconds, seed=0):
    """Music-like test input: two tones, a chirp and a little noise, peak about 0.6."""
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    rng = np.random.default_rng(seed)
    x = (0.25 * np.sin(2 * np.pi * 220 * t) + 0.15 * np.sin(2 * np.pi * 1375 * t)
         + 0.15 * np.sin(2 * np.pi * (100 + 2000 * t) * t) + 0.02 * rng.standard_normal(t.size))
    return x
