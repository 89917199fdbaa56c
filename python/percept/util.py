"""Array utilities with librosa.util's names (normalize, pad_center, frame, peak_pick, localmax) and
helpers for deep learning: per-band standardisation with stored statistics (BandStandardizer) and
zero-copy hand-over to DLPack consumers and torch (to_dlpack, to_torch, from_dlpack)."""
from __future__ import annotations

import os
from typing import Iterable, Optional, Union

import numpy as np

from . import _percept
from ._percept import ParameterError

_A = _percept.analysis

__all__ = [
    "normalize", "pad_center", "frame", "peak_pick", "localmax", "BandStandardizer", "to_dlpack", "to_torch",
    "from_dlpack",
]


def normalize(S, *, norm: Optional[float] = np.inf, axis: Optional[int] = 0, threshold: Optional[float] = None,
              fill: Optional[bool] = None) -> np.ndarray:
    """Normalises S along ``axis`` to unit ``norm`` (librosa.util.normalize): norm in {inf, -inf, 0,
    p > 0, None}; slices whose norm is below ``threshold`` (default: the smallest normal number of
    S's dtype) are left alone (fill=None), zeroed (fill=False) or filled uniformly (fill=True)."""
    S = np.asarray(S)
    if threshold is None:
        threshold = np.finfo(S.dtype).tiny if np.issubdtype(S.dtype, np.floating) else np.finfo(np.float32).tiny
    elif threshold <= 0:
        raise ParameterError(f"threshold={threshold} must be strictly positive")
    if fill not in [None, False, True]:
        raise ParameterError(f"fill={fill} must be None or boolean")
    if not np.all(np.isfinite(S)):
        raise ParameterError("Input must be finite")
    mag = np.abs(S).astype(float)
    fill_norm = 1
    if norm is None:
        return S
    if norm == np.inf:
        length = np.max(mag, axis=axis, keepdims=True)
    elif norm == -np.inf:
        length = np.min(mag, axis=axis, keepdims=True)
    elif norm == 0:
        if fill is True:
            raise ParameterError("Cannot normalize with norm=0 and fill=True")
        length = np.sum(mag > 0, axis=axis, keepdims=True, dtype=mag.dtype)
    elif np.issubdtype(type(norm), np.number) and norm > 0:
        length = np.sum(mag**norm, axis=axis, keepdims=True) ** (1.0 / norm)
        if axis is None:
            fill_norm = mag.size ** (-1.0 / norm)
        else:
            fill_norm = mag.shape[axis] ** (-1.0 / norm)
    else:
        raise ParameterError(f"Unsupported norm: {repr(norm)}")
    small_idx = length < threshold
    Snorm = np.empty_like(S)
    if fill is None:
        length[small_idx] = 1.0
        Snorm[:] = S / length
    elif fill:
        length[small_idx] = np.nan
        Snorm[:] = S / length
        Snorm[np.isnan(Snorm)] = fill_norm
    else:
        length[small_idx] = np.inf
        Snorm[:] = S / length
    return Snorm


def pad_center(data, *, size: int, axis: int = -1, **kwargs) -> np.ndarray:
    """Centres ``data`` in an array of length ``size`` along ``axis`` (librosa.util.pad_center)."""
    data = np.asarray(data)
    kwargs.setdefault("mode", "constant")
    n = data.shape[axis]
    lpad = int((size - n) // 2)
    lengths = [(0, 0)] * data.ndim
    lengths[axis] = (lpad, int(size - n - lpad))
    if lpad < 0:
        raise ParameterError(f"Target size ({size:d}) must be at least input size ({n:d})")
    return np.pad(data, lengths, **kwargs)


def frame(x, *, frame_length: int, hop_length: int, axis: int = -1, writeable: bool = False,
          subok: bool = False) -> np.ndarray:
    """Strided view of x as overlapping frames (librosa.util.frame, axis=-1 or 0)."""
    x = np.array(x, copy=False, subok=subok)
    if x.shape[axis] < frame_length:
        raise ParameterError(f"Input is too short (n={x.shape[axis]:d}) for frame_length={frame_length:d}")
    if hop_length < 1:
        raise ParameterError(f"Invalid hop_length: {hop_length:d}")
    out_strides = x.strides + tuple([x.strides[axis]])
    x_shape_trimmed = list(x.shape)
    x_shape_trimmed[axis] -= frame_length - 1
    out_shape = tuple(x_shape_trimmed) + tuple([frame_length])
    xw = np.lib.stride_tricks.as_strided(x, strides=out_strides, shape=out_shape, subok=subok, writeable=writeable)
    if axis < 0:
        target_axis = axis - 1
    else:
        target_axis = axis + 1
    xw = np.moveaxis(xw, -1, target_axis)
    slices = [slice(None)] * xw.ndim
    slices[axis] = slice(0, None, hop_length)
    return xw[tuple(slices)]


def localmax(x, *, axis: int = 0) -> np.ndarray:
    """x[i] > x[i-1] and x[i] >= x[i+1] (edges padded with their own value) (librosa.util.localmax)."""
    x = np.asarray(x)
    paddings = [(0, 0)] * x.ndim
    paddings[axis] = (1, 1)
    x_pad = np.pad(x, paddings, mode="edge")
    inds1 = [slice(None)] * x.ndim
    inds1[axis] = slice(0, -2)
    inds2 = [slice(None)] * x.ndim
    inds2[axis] = slice(2, x_pad.shape[axis])
    return (x > x_pad[tuple(inds1)]) & (x >= x_pad[tuple(inds2)])


def peak_pick(x, *, pre_max: int, post_max: int, pre_avg: int, post_avg: int, delta: float, wait: int,
              sparse: bool = True, axis: int = -1) -> np.ndarray:
    """Peak picking of a 1-D signal (librosa.util.peak_pick, librosa 0.10's greedy algorithm)."""
    x = np.asarray(x)
    if x.ndim != 1:
        raise ParameterError("peak_pick: percept picks peaks of 1-D signals")
    peaks = _A.peak_pick(x, float(pre_max), float(post_max), float(pre_avg), float(post_avg), float(delta),
                         float(wait))
    if sparse:
        return peaks
    dense = np.zeros(x.shape, dtype=bool)
    dense[peaks] = True
    return dense


class BandStandardizer:
    """Per-band standardisation for deep learning: ``(X - mean) / (std + eps)`` with mean and std of
    every band (axis -2 of ``(..., bands, frames)`` features) accumulated over any number of arrays.

    ``partial_fit`` merges statistics exactly (Chan et al.'s parallel update in float64), so fitting
    on a whole data set chunk by chunk, or streaming frames, gives the same result as one pass.
    Statistics are stored with ``save``/``load`` (npz) or ``state_dict``/``load_state_dict``.
    """

    def __init__(self, eps: float = 1e-8):
        if eps < 0:
            raise ParameterError("eps must be non-negative")
        self.eps = float(eps)
        self.count_ = 0
        self.mean_: Optional[np.ndarray] = None
        self._m2: Optional[np.ndarray] = None

    @staticmethod
    def _bands_frames(X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim < 2:
            raise ParameterError("BandStandardizer expects (..., bands, frames) features")
        if not np.all(np.isfinite(X)):
            raise ParameterError("BandStandardizer: the features are not finite everywhere")
        return np.moveaxis(X, -2, 0).reshape(X.shape[-2], -1)

    def partial_fit(self, X) -> "BandStandardizer":
        B = self._bands_frames(X).astype(np.float64)
        n = B.shape[1]
        if n == 0:
            return self
        mean = B.mean(axis=1)
        m2 = ((B - mean[:, None]) ** 2).sum(axis=1)
        if self.mean_ is None:
            self.count_, self.mean_, self._m2 = n, mean, m2
            return self
        if self.mean_.shape != mean.shape:
            raise ParameterError(f"BandStandardizer: fitted on {self.mean_.shape[0]} bands, got {mean.shape[0]}")
        total = self.count_ + n
        delta = mean - self.mean_
        self.mean_ = self.mean_ + delta * (n / total)
        self._m2 = self._m2 + m2 + delta**2 * (self.count_ * n / total)
        self.count_ = total
        return self

    def fit(self, X: Union[np.ndarray, Iterable[np.ndarray]]) -> "BandStandardizer":
        self.count_, self.mean_, self._m2 = 0, None, None
        if isinstance(X, np.ndarray):
            return self.partial_fit(X)
        for x in X:
            self.partial_fit(x)
        return self

    @property
    def var_(self) -> np.ndarray:
        self._check()
        return self._m2 / max(self.count_, 1)

    @property
    def std_(self) -> np.ndarray:
        return np.sqrt(self.var_)

    def _check(self):
        if self.mean_ is None:
            raise ParameterError("BandStandardizer is not fitted yet")

    def _shape(self, X, v):
        shape = [1] * X.ndim
        shape[-2] = -1
        return v.reshape(shape)

    def transform(self, X) -> np.ndarray:
        self._check()
        X = np.asarray(X)
        if X.shape[-2] != self.mean_.shape[0]:
            raise ParameterError(f"BandStandardizer: fitted on {self.mean_.shape[0]} bands, got {X.shape[-2]}")
        dt = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float32
        mean = self._shape(X, self.mean_.astype(dt))
        scale = self._shape(X, (1.0 / (self.std_ + self.eps)).astype(dt))
        return ((X - mean) * scale).astype(dt, copy=False)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        self._check()
        Z = np.asarray(Z)
        dt = Z.dtype if np.issubdtype(Z.dtype, np.floating) else np.float32
        return (Z * self._shape(Z, (self.std_ + self.eps).astype(dt)) + self._shape(Z, self.mean_.astype(dt))).astype(
            dt, copy=False)

    def state_dict(self) -> dict:
        self._check()
        return {"count": np.int64(self.count_), "mean": self.mean_.copy(), "m2": self._m2.copy(),
                "eps": np.float64(self.eps)}

    def load_state_dict(self, state: dict) -> "BandStandardizer":
        mean = np.asarray(state["mean"], dtype=np.float64)
        m2 = np.asarray(state["m2"], dtype=np.float64)
        if mean.shape != m2.shape or mean.ndim != 1:
            raise ParameterError("BandStandardizer: inconsistent statistics")
        self.count_, self.mean_, self._m2 = int(state["count"]), mean, m2
        self.eps = float(state.get("eps", self.eps))
        return self

    def to_native(self):
        """The C++ ``percept._percept.analysis.BandStandardizer`` with these statistics (for C++
        pipelines and the real-time path)."""
        self._check()
        native = _A.BandStandardizer(self.eps)
        native.set_statistics(int(self.count_), self.mean_.tolist(), self._m2.tolist())
        return native

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        np.savez(os.fspath(path), **self.state_dict())

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "BandStandardizer":
        try:
            with np.load(os.fspath(path)) as z:
                return cls().load_state_dict({k: z[k] for k in z.files})
        except FileNotFoundError as e:
            raise _percept.FileError(f"{os.fspath(path)}: {e.strerror}") from e
        except (KeyError, ValueError) as e:
            raise _percept.FormatError(f"{os.fspath(path)}: not a BandStandardizer file ({e})") from e


def to_dlpack(x):
    """A DLPack capsule for the numpy array x, sharing its memory (no copy)."""
    x = np.asarray(x)
    if not x.flags.aligned or any(s < 0 for s in x.strides):
        x = np.ascontiguousarray(x)
    return x.__dlpack__()


def to_torch(x, device=None):
    """A torch tensor sharing the numpy array's memory (torch.from_dlpack); moved to ``device`` if given
    (which copies). Requires Debian's python3-torch."""
    try:
        import torch
    except ImportError as e:  # pragma: no cover - torch is a Debian package here
        raise ImportError("percept.util.to_torch needs torch (Debian: python3-torch)") from e
    x = np.asarray(x)
    if any(s < 0 for s in x.strides):
        x = np.ascontiguousarray(x)
    t = torch.from_dlpack(x)
    return t if device is None else t.to(device)


def from_dlpack(t) -> np.ndarray:
    """A numpy array sharing the memory of a CPU DLPack producer (a torch tensor, ...)."""
    return np.from_dlpack(t)
