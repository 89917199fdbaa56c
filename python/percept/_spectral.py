"""Spectral core with librosa 0.10's names and defaults: stft, istft, magphase, dB conversions,
frequency helpers. The work runs in C++ (FFTW, float32 arithmetic for float32 input) with the GIL
released; ``(..., n)`` inputs are processed signal by signal across all cores.
"""
from __future__ import annotations

import warnings
from typing import Callable, Optional, Union

import numpy as np

from . import _percept
from ._percept import ParameterError

_A = _percept.analysis

__all__ = [
    "stft", "istft", "magphase", "power_to_db", "amplitude_to_db", "db_to_power", "db_to_amplitude",
    "fft_frequencies", "mel_frequencies", "hz_to_mel", "mel_to_hz", "frames_to_samples", "frames_to_time",
    "samples_to_frames", "time_to_frames",
]


def _audio(y, name: str = "y") -> np.ndarray:
    if y is None:
        raise ParameterError(f"{name} must be provided")
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"Audio data must be floating-point, got {y.dtype}")
    if y.dtype not in (np.float32, np.float64):
        y = y.astype(np.float32)
    if y.ndim == 0:
        raise ParameterError("Audio data must be at least one-dimensional")
    return y


def _window_name(window) -> str:
    if isinstance(window, str):
        return window
    if isinstance(window, tuple) and len(window) == 1 and isinstance(window[0], str):
        return window[0]
    raise ParameterError(f"window={window!r}: percept supports the named windows 'hann', 'hamming', "
                         "'blackman' and 'boxcar'/'rect'")


def _pad_mode(pad_mode) -> str:
    if not isinstance(pad_mode, str):
        raise ParameterError(f"pad_mode={pad_mode!r} must be a string")
    if pad_mode in ("wrap", "maximum", "mean", "median", "minimum"):
        raise ParameterError(f"pad_mode='{pad_mode}' is not supported with center=True")
    return pad_mode


def stft(y, *, n_fft: int = 2048, hop_length: Optional[int] = None, win_length: Optional[int] = None,
         window="hann", center: bool = True, dtype=None, pad_mode="constant", out=None) -> np.ndarray:
    """Short-time Fourier transform, ``librosa.stft``: complex array ``(..., 1 + n_fft//2, n_frames)``.

    complex64 for float32 input (float32 arithmetic), complex128 for float64 input.
    """
    y = _audio(y)
    D = _A.stft(y, int(n_fft), hop_length, win_length, _window_name(window), bool(center), _pad_mode(pad_mode))
    if dtype is not None:
        D = D.astype(dtype, copy=False)
    if out is not None:
        if out.shape != D.shape:
            raise ParameterError(f"Shape mismatch for provided output array out.shape={out.shape} "
                                 f"and target shape={D.shape}")
        out[...] = D
        return out
    return D


def istft(stft_matrix, *, hop_length: Optional[int] = None, win_length: Optional[int] = None,
          n_fft: Optional[int] = None, window="hann", center: bool = True, dtype=None,
          length: Optional[int] = None, out=None) -> np.ndarray:
    """Inverse STFT by weighted overlap-add, ``librosa.istft``."""
    S = np.asarray(stft_matrix)
    if not np.iscomplexobj(S):
        S = S.astype(np.complex64 if S.dtype == np.float32 else np.complex128)
    if S.dtype not in (np.complex64, np.complex128):
        S = S.astype(np.complex64)
    y = _A.istft(S, hop_length, win_length, n_fft, _window_name(window), bool(center), length)
    if dtype is not None:
        y = y.astype(dtype, copy=False)
    if out is not None:
        out[...] = y
        return out
    return y


def magphase(D, *, power: float = 1):
    """Separates a complex spectrogram into magnitude (raised to ``power``) and unit phase."""
    D = np.asarray(D)
    mag = np.abs(D)
    zeros_to_ones = mag == 0
    mag_nonzero = mag + zeros_to_ones
    rdtype = mag.dtype
    phase = np.empty(D.shape, dtype=np.complex64 if rdtype == np.float32 else np.complex128)
    phase.real = D.real / mag_nonzero + zeros_to_ones
    phase.imag = D.imag / mag_nonzero
    mag **= power
    return mag, phase


def _ref_args(ref, magnitude) -> tuple:
    if callable(ref):
        if ref is np.max or ref is np.amax or ref is max:
            return 1.0, True
        return float(np.abs(ref(magnitude))), False
    return float(np.abs(ref)), False


def _db(S, ref, amin, top_db, amplitude: bool) -> np.ndarray:
    S = np.asarray(S)
    if amin <= 0:
        raise ParameterError("amin must be strictly positive")
    if top_db is not None and top_db < 0:
        raise ParameterError("top_db must be non-negative")
    if np.iscomplexobj(S):
        if not amplitude:
            warnings.warn("power_to_db was called on complex input so phase information will be discarded. "
                          "To suppress this warning, call power_to_db(np.abs(D)**2) instead.", stacklevel=3)
        S = np.abs(S)
    if S.dtype not in (np.float32, np.float64):
        S = S.astype(np.float32 if np.issubdtype(S.dtype, np.floating) else np.float64)
    magnitude = np.abs(S) if (amplitude and callable(ref) and not (ref is np.max)) else S
    ref_value, is_max = _ref_args(ref, magnitude)
    return _A.power_to_db(S, ref_value, is_max, float(amin), None if top_db is None else float(top_db), amplitude)


def power_to_db(S, *, ref: Union[float, Callable] = 1.0, amin: float = 1e-10,
                top_db: Optional[float] = 80.0) -> np.ndarray:
    """``10 * log10(S / ref)``, clipped at ``amin`` and at ``max - top_db`` (librosa.power_to_db)."""
    return _db(S, ref, amin, top_db, False)


def amplitude_to_db(S, *, ref: Union[float, Callable] = 1.0, amin: float = 1e-5,
                    top_db: Optional[float] = 80.0) -> np.ndarray:
    """``20 * log10(S / ref)`` (librosa.amplitude_to_db)."""
    return _db(S, ref, amin, top_db, True)


def db_to_power(S_db, *, ref: float = 1.0) -> np.ndarray:
    """Inverse of power_to_db: ``ref * 10**(S_db / 10)``."""
    S_db = np.asarray(S_db)
    return ref * np.power(10.0, 0.1 * S_db)


def db_to_amplitude(S_db, *, ref: float = 1.0) -> np.ndarray:
    """Inverse of amplitude_to_db: ``ref * 10**(S_db / 20)``."""
    return db_to_power(S_db, ref=ref**2) ** 0.5


def fft_frequencies(*, sr: float = 22050, n_fft: int = 2048) -> np.ndarray:
    """Centre frequencies of the ``1 + n_fft//2`` FFT bins."""
    return _A.fft_frequencies(float(sr), int(n_fft))


def mel_frequencies(n_mels: int = 128, *, fmin: float = 0.0, fmax: float = 11025.0, htk: bool = False) -> np.ndarray:
    """``n_mels`` frequencies evenly spaced on the mel scale between fmin and fmax."""
    return _A.mel_frequencies(int(n_mels), float(fmin), float(fmax), bool(htk))


def hz_to_mel(frequencies, *, htk: bool = False):
    """Hz to mels (Slaney's scale, or HTK's)."""
    out = _A.hz_to_mel(np.asarray(frequencies, dtype=np.float64), bool(htk))
    return out if np.ndim(frequencies) else np.float64(out)


def mel_to_hz(mels, *, htk: bool = False):
    """Mels to Hz (Slaney's scale, or HTK's)."""
    out = _A.mel_to_hz(np.asarray(mels, dtype=np.float64), bool(htk))
    return out if np.ndim(mels) else np.float64(out)


def frames_to_samples(frames, *, hop_length: int = 512, n_fft: Optional[int] = None):
    offset = 0 if n_fft is None else int(n_fft // 2)
    return (np.asanyarray(frames) * hop_length + offset).astype(int)


def frames_to_time(frames, *, sr: float = 22050, hop_length: int = 512, n_fft: Optional[int] = None):
    return frames_to_samples(frames, hop_length=hop_length, n_fft=n_fft) / float(sr)


def samples_to_frames(samples, *, hop_length: int = 512, n_fft: Optional[int] = None):
    offset = 0 if n_fft is None else int(n_fft // 2)
    samples = np.asanyarray(samples)
    return np.asarray(np.floor((samples - offset) // hop_length), dtype=int)


def time_to_frames(times, *, sr: float = 22050, hop_length: int = 512, n_fft: Optional[int] = None):
    samples = (np.asanyarray(times) * sr).astype(int)
    return samples_to_frames(samples, hop_length=hop_length, n_fft=n_fft)
