"""Batch analysis: many files (decoded and resampled on a C++ std::thread pool) or many signals, on
all cores. ``(batch, n)`` arrays need nothing special: every percept analysis function already
processes the rows of a multi-dimensional input in parallel."""
from __future__ import annotations

import os
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _percept
from ._percept import ParameterError

__all__ = ["load_many", "features", "KINDS"]

PathLike = Union[str, "os.PathLike[str]"]


def _workers(n_jobs: Optional[int]) -> int:
    if n_jobs is None or n_jobs <= 0:
        return max(1, os.cpu_count() or 1)
    return int(n_jobs)


def load_many(paths: Sequence[PathLike], *, sr: Optional[float] = 22050, n_jobs: Optional[int] = -1
              ) -> List[Tuple[np.ndarray, float]]:
    """Decodes files to mono float32 (channel average, then libsoxr HQ resampling to ``sr`` unless
    None) on a C++ thread pool; returns ``[(y, sr), ...]`` in the order of ``paths``."""
    threads = 0 if n_jobs is None or n_jobs <= 0 else int(n_jobs)
    return _percept.analysis.load_files([os.fspath(p) for p in paths], None if sr is None else float(sr), threads)


def _logmel(y, sr, **kw):
    from ._spectral import power_to_db
    from .feature import melspectrogram
    ref = kw.pop("ref", np.max)
    top_db = kw.pop("top_db", 80.0)
    return power_to_db(melspectrogram(y=y, sr=sr, **kw), ref=ref, top_db=top_db)


def _kinds() -> dict:
    from . import feature, onset
    return {
        "logmel": _logmel,
        "mel": lambda y, sr, **kw: feature.melspectrogram(y=y, sr=sr, **kw),
        "mfcc": lambda y, sr, **kw: feature.mfcc(y=y, sr=sr, **kw),
        "onset": lambda y, sr, **kw: onset.onset_strength(y=y, sr=sr, **kw),
        "chroma_stft": lambda y, sr, **kw: feature.chroma_stft(y=y, sr=sr, **kw),
        "centroid": lambda y, sr, **kw: feature.spectral_centroid(y=y, sr=sr, **kw),
        "contrast": lambda y, sr, **kw: feature.spectral_contrast(y=y, sr=sr, **kw),
        "rms": lambda y, sr, **kw: feature.rms(y=y, **kw),
        "zcr": lambda y, sr, **kw: feature.zero_crossing_rate(y, **kw),
    }


KINDS = ("logmel", "mel", "mfcc", "onset", "chroma_stft", "centroid", "contrast", "rms", "zcr")


def features(inputs: Union[Sequence[PathLike], Sequence[np.ndarray]], kind: Union[str, Callable] = "logmel", *,
             sr: float = 22050, n_jobs: Optional[int] = -1, **params: Any) -> List[np.ndarray]:
    """One feature array per input (a file path or a 1-D signal at ``sr``), computed on all cores.

    ``kind``: one of KINDS or a callable ``f(y, sr, **params)``; params go to the feature function
    with librosa's names (e.g. n_mels=64, hop_length=256)."""
    fn = kind if callable(kind) else _kinds().get(kind)
    if fn is None:
        raise ParameterError(f"unknown feature kind {kind!r}; expected one of {KINDS} or a callable")
    items = list(inputs)
    if items and isinstance(items[0], (str, os.PathLike)):
        signals = [y for y, _ in load_many(items, sr=sr, n_jobs=n_jobs)]
    else:
        signals = [np.asarray(y) for y in items]
    from concurrent.futures import ThreadPoolExecutor  # imported on use: keeps `import percept` light

    with ThreadPoolExecutor(max_workers=_workers(n_jobs)) as pool:
        return list(pool.map(lambda y: fn(y, sr, **dict(params)), signals))
