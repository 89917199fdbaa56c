"""Tempo and beat tracking with librosa.beat's names, parameters and defaults (librosa 0.10):
tempo from the autocorrelation tempogram with a log-normal prior, then Ellis' dynamic-programming
beat tracker with librosa's trimming of weak leading and trailing beats."""
from __future__ import annotations

from typing import Optional

import numpy as np

from . import _percept
from ._percept import ParameterError
from ._spectral import frames_to_samples, frames_to_time
from .feature import tempo

_A = _percept.analysis

__all__ = ["beat_track", "tempo"]


def beat_track(*, y=None, sr: float = 22050, onset_envelope=None, hop_length: int = 512, start_bpm: float = 120.0,
               tightness: float = 100, trim: bool = True, bpm: Optional[float] = None, prior=None,
               units: str = "frames", sparse: bool = True):
    """Returns ``(tempo, beats)``: tempo as a shape-(1,) array in BPM, beats as frame indices (or
    samples / seconds with ``units``; a boolean frame mask with ``sparse=False``)."""
    if onset_envelope is None:
        if y is None:
            raise ParameterError("y or onset_envelope must be provided")
        from .onset import onset_strength
        onset_envelope = onset_strength(y=y, sr=sr, hop_length=hop_length, aggregate=np.median)
    env = np.asarray(onset_envelope)
    if env.ndim != 1:
        raise ParameterError("beat_track: a 1-D onset envelope is expected")
    if env.dtype not in (np.float32, np.float64):
        env = env.astype(np.float32)
    if not env.any():
        beats = np.array([], dtype=int)
        tempo_out = np.array([0.0])
    else:
        if bpm is None:
            bpm_value = float(tempo(onset_envelope=env, sr=sr, hop_length=hop_length, start_bpm=start_bpm,
                                    prior=prior)[0])
        else:
            bpm_value = float(np.asarray(bpm).ravel()[0])
        t, beats = _A.beat_track(env, float(sr), int(hop_length), float(start_bpm), float(tightness), bool(trim),
                                 bpm_value)
        tempo_out = np.array([t])
    if not sparse:
        dense = np.zeros(env.shape, dtype=bool)
        dense[beats] = True
        return tempo_out, dense
    if units == "frames":
        return tempo_out, beats
    if units == "samples":
        return tempo_out, frames_to_samples(beats, hop_length=hop_length)
    if units == "time":
        return tempo_out, frames_to_time(beats, hop_length=hop_length, sr=sr)
    raise ParameterError(f"Invalid unit type: {units}")
