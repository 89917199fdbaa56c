"""Streaming analysers: feed chunks of any size (1 sample to minutes), get the same frames as the
offline functions on the concatenated signal.

Each class is a percept Processor (prepare/process/reset: the real-time path, frames queued and
read with ``read_frames()``) and has a direct path: ``process_chunk(x)`` returns the frames a chunk
completed as a ``(features, k)`` array, ``flush()`` emits the frames of the zero-padded end
(center=True) and ``reset()`` starts a new signal.

Offline equivalents (what the tests compare with, within 1e-6):
  StreamingSTFT            percept.stft(y, ...) (output='complex'), or its magnitude / power
  StreamingMel             percept.power_to_db(melspectrogram(y), ref=ref, amin=amin, top_db=None),
                           then np.maximum(., floor_db); log=False: melspectrogram(y)
  StreamingMFCC            feature.mfcc(S=<that log-mel>, n_mfcc, lifter)
  StreamingOnsetStrength   onset.onset_strength(S=<that log-mel>, lag, max_size, detrend, center, aggregate)
  StreamingSpectralStats   rows: spectral_centroid, spectral_bandwidth, spectral_rolloff, spectral_flatness,
                           then spectral contrast with power_to_db(top_db=None) on peaks and valleys
  StreamingChroma          feature.chroma_stft(y, tuning=tuning, norm=norm)
"""
from __future__ import annotations

from ._percept.analysis import (  # noqa: F401  (re-exported)
    StreamingAnalyzer,
    StreamingChroma,
    StreamingMel,
    StreamingMFCC,
    StreamingOnsetStrength,
    StreamingSpectralStats,
    StreamingSTFT,
)

__all__ = [
    "StreamingAnalyzer", "StreamingChroma", "StreamingMel", "StreamingMFCC", "StreamingOnsetStrength",
    "StreamingSpectralStats", "StreamingSTFT",
]
