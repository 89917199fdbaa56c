"""librosa-named wrappers of percept's C++ analysis (part B): CQT/VQT, chroma_cqt, tuning, YIN.

Arrays may carry leading dimensions (``(..., n)`` like librosa's multi-channel support); each row is
analysed by the compiled core in float32 arithmetic. Results are complex64 / float32 unless ``dtype``
asks otherwise.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from . import _percept as _p

NOTE_C1 = 32.70319566257483


def _rows(y, what):
    y = np.asarray(y)
    if y.ndim == 0:
        raise _p.ParameterError(f"{what}: y must have at least one dimension")
    if not np.issubdtype(y.dtype, np.floating):
        raise _p.ParameterError(f"{what}: audio must be floating-point, got {y.dtype}")
    if y.shape[-1] == 0 or y.size == 0:
        raise _p.ParameterError(f"{what}: the audio is empty")
    lead = y.shape[:-1]
    flat = np.ascontiguousarray(y.reshape(-1, y.shape[-1]), dtype=np.float32)
    return lead, flat


def _stack(lead, outs):
    out = np.stack(outs) if outs else np.empty((0,))
    return out.reshape(tuple(lead) + out.shape[1:])


def _norm(norm):
    if norm is None:
        return None
    return float(norm)


def vqt(y, *, sr=22050, hop_length=512, fmin=None, n_bins=84, intervals="equal", gamma=None,
        bins_per_octave=12, tuning=0.0, filter_scale=1, norm=1, sparsity=0.01, window="hann", scale=True,
        pad_mode="constant", res_type="soxr_hq", dtype=None):
    """librosa.vqt: variable-Q transform (gamma=None: ERB-derived bandwidth offsets)."""
    if intervals != "equal":
        raise _p.ParameterError("vqt: only intervals='equal' is supported")
    lead, rows = _rows(y, "vqt")
    if fmin is None:
        fmin = NOTE_C1
    if tuning is None:
        tuning = estimate_tuning(y=rows[0] if rows.shape[0] == 1 else rows, sr=sr, bins_per_octave=bins_per_octave)
    g = float("nan") if gamma is None else float(gamma)
    outs = [_p._vqt(r, float(sr), int(hop_length), float(fmin), int(n_bins), int(bins_per_octave), float(tuning),
                    float(filter_scale), _norm(norm), float(sparsity), str(window), bool(scale), str(pad_mode),
                    str(res_type or "soxr_hq"), g) for r in rows]
    out = _stack(lead, outs)
    return out.astype(dtype, copy=False) if dtype is not None else out


def cqt(y, *, sr=22050, hop_length=512, fmin=None, n_bins=84, bins_per_octave=12, tuning=0.0, filter_scale=1,
        norm=1, sparsity=0.01, window="hann", scale=True, pad_mode="constant", res_type="soxr_hq", dtype=None):
    """librosa.cqt: constant-Q transform (complex, shape (..., n_bins, frames))."""
    return vqt(y, sr=sr, hop_length=hop_length, fmin=fmin, n_bins=n_bins, gamma=0, bins_per_octave=bins_per_octave,
               tuning=tuning, filter_scale=filter_scale, norm=norm, sparsity=sparsity, window=window, scale=scale,
               pad_mode=pad_mode, res_type=res_type, dtype=dtype)


def cqt_frequencies(n_bins, *, fmin, bins_per_octave=12, tuning=0.0):
    """librosa.cqt_frequencies."""
    return np.asarray(_p._cqt_frequencies(int(n_bins), float(fmin) * 2.0 ** (tuning / bins_per_octave),
                                          int(bins_per_octave)))


def pitch_tuning(frequencies, *, resolution=0.01, bins_per_octave=12):
    """librosa.pitch_tuning."""
    f = np.atleast_1d(np.asarray(frequencies, dtype=np.float32)).ravel()
    return float(_p._pitch_tuning(f, float(resolution), int(bins_per_octave)))


def estimate_tuning(*, y=None, sr=22050, S=None, n_fft=2048, resolution=0.01, bins_per_octave=12):
    """librosa.estimate_tuning with piptrack's defaults (one estimate over all channels)."""
    if S is not None:
        S = np.abs(np.asarray(S))
        S2 = np.ascontiguousarray(S.reshape(-1, S.shape[-1]) if S.ndim == 2 else np.concatenate(
            list(S.reshape(-1, S.shape[-2], S.shape[-1])), axis=1), dtype=np.float32)
        return float(_p._estimate_tuning_S(S2, float(sr), int(n_fft or 2 * (S.shape[-2] - 1)), float(resolution),
                                           int(bins_per_octave)))
    if y is None:
        raise _p.ParameterError("estimate_tuning: y or S must be provided")
    lead, rows = _rows(y, "estimate_tuning")
    if n_fft != 2048:
        raise _p.ParameterError("estimate_tuning: only n_fft=2048 is supported for time-series input")
    if rows.shape[0] == 1:
        return float(_p._estimate_tuning(rows[0], float(sr), float(resolution), int(bins_per_octave)))
    raise _p.ParameterError("estimate_tuning: multi-channel time series are not supported; pass S")


def chroma_cqt(*, y=None, sr=22050, C=None, hop_length=512, fmin=None, norm=np.inf, threshold=0.0, tuning=None,
               n_chroma=12, n_octaves=7, window=None, bins_per_octave=36, cqt_mode="full"):
    """librosa.feature.chroma_cqt (cqt_mode='full', window=None)."""
    if cqt_mode != "full":
        raise _p.ParameterError("chroma_cqt: only cqt_mode='full' is supported")
    if window is not None:
        raise _p.ParameterError("chroma_cqt: window is not supported")
    if bins_per_octave is None:
        bins_per_octave = n_chroma
    if fmin is None:
        fmin = NOTE_C1
    if C is not None:
        C = np.abs(np.asarray(C))
        lead = C.shape[:-2]
        flat = np.ascontiguousarray(C.reshape((-1,) + C.shape[-2:]), dtype=np.float32)
        outs = [_p._chroma_from_cqt(c, int(bins_per_octave), int(n_chroma), float(fmin), _norm(norm),
                                    float(threshold if threshold is not None else -np.inf)) for c in flat]
        return _stack(lead, outs)
    if y is None:
        raise _p.ParameterError("chroma_cqt: y or C must be provided")
    lead, rows = _rows(y, "chroma_cqt")
    outs = [_p._chroma_cqt(r, float(sr), int(hop_length), float(fmin), _norm(norm),
                           float(threshold if threshold is not None else -np.inf),
                           None if tuning is None else float(tuning), int(n_chroma), int(n_octaves),
                           int(bins_per_octave), "soxr_hq") for r in rows]
    return _stack(lead, outs)


def yin(y, *, fmin, fmax, sr=22050, frame_length=2048, win_length=None, hop_length=None, trough_threshold=0.1,
        center=True, pad_mode="constant"):
    """librosa.yin: f0 per frame (float64, shape (..., n_frames))."""
    if fmin is None or fmax is None:
        raise _p.ParameterError("yin: both fmin and fmax must be provided")
    lead, rows = _rows(y, "yin")
    outs = [_p._yin(r, float(fmin), float(fmax), float(sr), int(frame_length), int(win_length or 0),
                    int(hop_length or 0), float(trough_threshold), bool(center), str(pad_mode)) for r in rows]
    return _stack(lead, outs)


class StreamingCQT:
    """Chunk-by-chunk ``cqt``/``vqt`` of a mono stream: the same frames as the offline transform of the
    concatenated signal (centre padding with zeros; frames come out once all octaves have their samples).

    ``process(chunk)`` returns the newly finished frames as complex64 (n_bins, k); ``flush()`` ends the
    stream and returns the rest; ``reset()`` starts a new stream.
    """

    def __init__(self, *, sr=22050, hop_length=512, fmin=None, n_bins=84, bins_per_octave=12, tuning=0.0,
                 filter_scale=1, norm=1, sparsity=0.01, window="hann", scale=True, res_type="soxr_hq",
                 gamma=0, max_chunk=4096):
        g = float("nan") if gamma is None else float(gamma)
        self._s = _p._StreamingCqt(float(sr), int(hop_length), float(fmin or NOTE_C1), int(n_bins),
                                   int(bins_per_octave), float(tuning), float(filter_scale), _norm(norm),
                                   float(sparsity), str(window), bool(scale), str(res_type), g, int(max_chunk))

    def process(self, y):
        return self._s.process(np.ascontiguousarray(y, dtype=np.float32))

    def flush(self):
        return self._s.flush()

    def reset(self):
        self._s.reset()

    @property
    def n_bins(self):
        return self._s.n_bins


class StreamingChromaCQT:
    """Chunk-by-chunk ``chroma_cqt`` with a fixed tuning (the streaming form cannot look at the whole signal
    to estimate it): the same frames as ``chroma_cqt(y=..., tuning=tuning)`` on the concatenated signal."""

    def __init__(self, *, sr=22050, hop_length=512, fmin=None, norm=np.inf, threshold=0.0, tuning=0.0,
                 n_chroma=12, n_octaves=7, bins_per_octave=36, max_chunk=4096):
        self._s = _p._StreamingChromaCqt(float(sr), int(hop_length), float(fmin or NOTE_C1), _norm(norm),
                                         float(threshold), float(tuning or 0.0), int(n_chroma), int(n_octaves),
                                         int(bins_per_octave), int(max_chunk))

    def process(self, y):
        return self._s.process(np.ascontiguousarray(y, dtype=np.float32))

    def flush(self):
        return self._s.flush()

    def reset(self):
        self._s.reset()
