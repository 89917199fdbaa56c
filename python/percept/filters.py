"""Filter banks and windows with librosa.filters' names and defaults."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from . import _percept
from ._percept import ParameterError
from ._spectral import _window_name

_A = _percept.analysis

__all__ = ["mel", "chroma", "get_window", "window_sumsquare"]


def mel(*, sr: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: Optional[float] = None,
        htk: bool = False, norm: Optional[Union[str, float]] = "slaney", dtype=np.float32) -> np.ndarray:
    """Mel filter bank ``(n_mels, 1 + n_fft//2)`` (librosa.filters.mel): Slaney or HTK scale; norm
    'slaney' (area), None, or a p-norm of each filter."""
    if norm is not None and not isinstance(norm, str):
        norm = float(norm)
    f64 = np.dtype(dtype) == np.float64
    W = _A.mel_filters(float(sr), int(n_fft), int(n_mels), float(fmin), None if fmax is None else float(fmax),
                       bool(htk), norm, f64)
    return W if W.dtype == np.dtype(dtype) else W.astype(dtype)


def chroma(*, sr: float, n_fft: int, n_chroma: int = 12, tuning: float = 0.0, ctroct: float = 5.0,
           octwidth: Optional[float] = 2, norm: Optional[float] = 2, base_c: bool = True,
           dtype=np.float32) -> np.ndarray:
    """Chroma filter bank ``(n_chroma, 1 + n_fft//2)`` (librosa.filters.chroma)."""
    if norm is None:
        norm = 0.0
    W = _A.chroma_filters(float(sr), int(n_fft), int(n_chroma), float(tuning), float(ctroct),
                          None if octwidth is None else float(octwidth), float(norm), bool(base_c))
    return np.ascontiguousarray(W, dtype=dtype)


def get_window(window, Nx: int, *, fftbins: bool = True) -> np.ndarray:
    """A window of length ``Nx`` (periodic when fftbins): hann, hamming, blackman, boxcar/rect; or an
    array of length Nx, returned as is."""
    if isinstance(window, (np.ndarray, list)) and not isinstance(window, str):
        w = np.asarray(window)
        if len(w) == Nx:
            return w
        raise ParameterError(f"Window size mismatch: {len(w)} != {Nx}")
    return _A.get_window(_window_name(window), int(Nx), bool(fftbins))


def window_sumsquare(*, window="hann", n_frames: int, hop_length: int = 512, win_length: Optional[int] = None,
                     n_fft: int = 2048, dtype=np.float32, norm=None) -> np.ndarray:
    """Sum-square envelope of a window over n_frames frames (librosa.filters.window_sumsquare)."""
    if norm is not None:
        from .util import normalize, pad_center
        win_length = n_fft if win_length is None else win_length
        win_sq = pad_center(normalize(get_window(window, win_length), norm=norm) ** 2, size=n_fft)
        x = np.zeros(n_fft + hop_length * (n_frames - 1), dtype=dtype)
        for i in range(n_frames):
            s = i * hop_length
            x[s:min(len(x), s + n_fft)] += win_sq[:max(0, min(n_fft, len(x) - s))]
        return x
    return _A.window_sumsquare(_window_name(window), int(n_frames), int(hop_length), win_length,
                               int(n_fft)).astype(dtype)
