"""Onset detection with librosa.onset's names, parameters and defaults (librosa 0.10)."""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from . import _percept
from ._percept import ParameterError
from ._spectral import _audio, frames_to_samples, frames_to_time, power_to_db

_A = _percept.analysis

__all__ = ["onset_strength", "onset_detect", "onset_backtrack"]

_MEL_KEYS = {"n_mels", "fmin", "fmax", "htk"}


def _aggregate_name(aggregate) -> Optional[str]:
    if aggregate is None or aggregate is np.mean:
        return "mean"
    if aggregate is np.median:
        return "median"
    return None


def onset_strength(*, y=None, sr: float = 22050, S=None, lag: int = 1, max_size: int = 1, ref=None,
                   detrend: bool = False, center: bool = True, feature: Optional[Callable] = None,
                   aggregate: Optional[Callable] = None, **kwargs: Any) -> np.ndarray:
    """Spectral-flux onset strength envelope (librosa.onset.onset_strength): mean (or ``aggregate``)
    over mel bands of the positive first difference of the log-power mel spectrogram."""
    if aggregate is False:
        raise ParameterError("aggregate parameter cannot be False when computing full-spectrum onset strength.")
    if not isinstance(lag, (int, np.integer)) or lag < 1:
        raise ParameterError(f"lag={lag} must be a positive integer")
    if not isinstance(max_size, (int, np.integer)) or max_size < 1:
        raise ParameterError(f"max_size={max_size} must be a positive integer")
    n_fft = int(kwargs.pop("n_fft", 2048))
    hop_length = int(kwargs.pop("hop_length", 512))
    agg = _aggregate_name(aggregate)
    fast = S is None and ref is None and feature is None and agg is not None and set(kwargs) <= _MEL_KEYS
    if fast:
        y = _audio(y)
        fmax = kwargs.get("fmax", 0.5 * sr)
        return _A.onset_strength(y, float(sr), n_fft, hop_length, int(lag), int(max_size), bool(detrend),
                                 bool(center), agg, int(kwargs.get("n_mels", 128)), float(kwargs.get("fmin", 0.0)),
                                 None if fmax is None else float(fmax), bool(kwargs.get("htk", False)), 80.0)
    if S is None:
        if feature is None:
            from .feature import melspectrogram as feature
            kwargs.setdefault("fmax", 0.5 * sr)
        S = np.abs(feature(y=_audio(y), sr=sr, n_fft=n_fft, hop_length=hop_length, **kwargs))
        S = power_to_db(S)
    S = np.atleast_2d(np.asarray(S))
    if ref is None and agg is not None:
        if S.dtype not in (np.float32, np.float64):
            S = S.astype(np.float32)
        return _A.onset_strength_from_db(S, n_fft, hop_length, int(lag), int(max_size), bool(detrend), bool(center),
                                         agg)
    # general path (custom reference or aggregation), numpy
    if ref is None:
        if max_size == 1:
            ref = S
        else:
            import scipy.ndimage
            ref = scipy.ndimage.maximum_filter1d(S, max_size, axis=-2)
    elif ref.shape != S.shape:
        raise ParameterError(f"Reference spectrum shape {ref.shape} must match input spectrum {S.shape}")
    env = np.maximum(0.0, S[..., lag:] - ref[..., :-lag])
    env = (aggregate or np.mean)(env, axis=-2)
    pad_width = lag + (n_fft // (2 * hop_length) if center else 0)
    padding = [(0, 0) for _ in env.shape]
    padding[-1] = (int(pad_width), 0)
    env = np.pad(env, padding, mode="constant")
    if detrend:
        import scipy.signal
        env = scipy.signal.lfilter([1.0, -1.0], [1.0, -0.99], env, axis=-1)
    if center:
        env = env[..., : S.shape[-1]]
    return env


def onset_backtrack(events, energy) -> np.ndarray:
    """Moves each onset event back to the preceding local minimum of ``energy``."""
    energy = np.asarray(energy)
    if energy.ndim != 1:
        raise ParameterError("onset_backtrack: a 1-D energy function is expected")
    return _A.onset_backtrack([int(e) for e in np.asarray(events).ravel()], energy)


def onset_detect(*, y=None, sr: float = 22050, onset_envelope=None, hop_length: int = 512, backtrack: bool = False,
                 energy=None, units: str = "frames", normalize: bool = True, sparse: bool = True,
                 **kwargs: Any) -> np.ndarray:
    """Onset events by peak picking the onset envelope (librosa.onset.onset_detect). kwargs: the
    peak_pick parameters pre_max, post_max, pre_avg, post_avg, delta, wait."""
    if onset_envelope is None:
        if y is None:
            raise ParameterError("y or onset_envelope must be provided")
        onset_envelope = onset_strength(y=y, sr=sr, hop_length=hop_length)
    env = np.asarray(onset_envelope)
    if sparse and env.ndim != 1:
        raise ParameterError("onset_detect with sparse=True requires a 1-D onset envelope")
    allowed = {"pre_max", "post_max", "pre_avg", "post_avg", "delta", "wait"}
    if set(kwargs) - allowed:
        raise ParameterError(f"onset_detect: unexpected keyword arguments {sorted(set(kwargs) - allowed)}")
    if env.dtype not in (np.float32, np.float64):
        env = env.astype(np.float32)
    onsets = _A.onset_detect(env, float(sr), int(hop_length), bool(normalize), bool(backtrack),
                             {k: float(v) for k, v in kwargs.items()} if kwargs else None,
                             None if energy is None else np.asarray(energy))
    if not sparse:
        dense = np.zeros(env.shape, dtype=bool)
        dense[onsets] = True
        return dense
    if units == "frames":
        return onsets
    if units == "samples":
        return frames_to_samples(onsets, hop_length=hop_length)
    if units == "time":
        return frames_to_time(onsets, hop_length=hop_length, sr=sr)
    raise ParameterError(f"Invalid unit type: {units}")
