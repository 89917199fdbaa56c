"""percept.effects — librosa.effects: harmonic/percussive separation of time series."""
from __future__ import annotations

import os

import numpy as np

from . import _percept as _p
from ._analysis_b import _rows, _stack
from .decompose import _pair

__all__ = ["hpss", "harmonic", "percussive"]


def _run(y, kernel_size, power, margin, n_fft, hop_length, win_length, window, center, pad_mode):
    if not isinstance(window, str):
        raise _p.ParameterError("effects.hpss: window must be a name (hann, hamming, blackman, rect)")
    kh, kp = _pair(kernel_size)
    mh, mp = _pair(margin)
    if mh < 1 or mp < 1:
        raise _p.ParameterError("hpss: margins must be >= 1.0. A typical range is between 1 and 10.")
    lead, rows = _rows(y, "effects.hpss")

    def one(r):
        return _p._hpss_signal(r, int(kh), int(kp), float(power), float(mh), float(mp), int(n_fft),
                               int(hop_length or 0), int(win_length or 0), window, bool(center), str(pad_mode))

    if len(rows) > 1 and (os.cpu_count() or 1) > 1:
        # several signals: one per core (the compiled call releases the GIL)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(rows), os.cpu_count() or 1)) as pool:
            parts = list(pool.map(one, rows))
    else:
        parts = [one(r) for r in rows]
    dtype = np.asarray(y).dtype
    H = _stack(lead, [h for h, _ in parts]).astype(dtype, copy=False)
    P = _stack(lead, [p for _, p in parts]).astype(dtype, copy=False)
    return H, P


def hpss(y, *, kernel_size=31, power=2.0, mask=False, margin=1.0, n_fft=2048, hop_length=None, win_length=None,
         window="hann", center=True, pad_mode="constant"):
    """librosa.effects.hpss: (y_harmonic, y_percussive), each the length of y."""
    if mask:
        raise _p.ParameterError("effects.hpss: mask=True is not meaningful for time series")
    return _run(y, kernel_size, power, margin, n_fft, hop_length, win_length, window, center, pad_mode)


def harmonic(y, *, kernel_size=31, power=2.0, margin=1.0, n_fft=2048, hop_length=None, win_length=None,
             window="hann", center=True, pad_mode="constant"):
    """librosa.effects.harmonic."""
    return _run(y, kernel_size, power, margin, n_fft, hop_length, win_length, window, center, pad_mode)[0]


def percussive(y, *, kernel_size=31, power=2.0, margin=1.0, n_fft=2048, hop_length=None, win_length=None,
               window="hann", center=True, pad_mode="constant"):
    """librosa.effects.percussive."""
    return _run(y, kernel_size, power, margin, n_fft, hop_length, win_length, window, center, pad_mode)[1]
