"""Audio files: librosa/soundfile-style functions and a pedalboard-style AudioFile."""
from __future__ import annotations

import os
from typing import Optional, Union

import numpy as np

from . import _percept

PathLike = Union[str, "os.PathLike[str]"]


def load(path: PathLike, *, sr: Optional[float] = 22050, mono: bool = True, offset: float = 0.0,
         duration: Optional[float] = None, dtype=np.float32, res_type: str = "soxr_hq"):
    """Loads an audio file as floating point, like ``librosa.load``.

    Returns ``(y, sr)``: ``y`` has shape ``(n,)`` for mono output or ``(channels, n)``. ``sr=None``
    keeps the file's rate; otherwise the audio is resampled with libsoxr (``res_type`` 'soxr_hq' by
    default, librosa's). ``mono`` averages the channels before resampling. ``offset`` and ``duration``
    are seconds, converted to frames at the file's rate (floor). The GIL is released while working.
    """
    return _percept._load(os.fspath(path), sr, bool(mono), float(offset),
                          None if duration is None else float(duration), dtype, res_type)


def write(path: PathLike, y, sr: int, subtype: Optional[str] = None, format: Optional[str] = None) -> None:
    """Writes ``y`` (``(n,)`` or ``(channels, n)``; float32/float64, or int16/int32) to ``path``.

    The container follows the extension unless ``format`` is given; ``subtype`` defaults to the
    container's (PCM_16 for WAV/FLAC/AIFF, VORBIS for OGG). Integer formats are written exactly
    (``x * 2**(bits-1)``, rounded and clipped); NaN or Inf into an integer format raises FormatError.
    """
    y = np.asarray(y)
    _percept._write(os.fspath(path), y, sr, subtype, format)


def info(path: PathLike) -> "_percept.AudioInfo":
    """Reads a file's header, like ``soundfile.info``: samplerate, channels, frames, duration, format,
    subtype (and their long descriptions ``format_info``/``subtype_info``)."""
    return _percept._info(os.fspath(path))


def get_duration(*, y=None, sr: float = 22050, path: Optional[PathLike] = None, n_fft: int = 2048,
                 hop_length: int = 512, center: bool = True, S=None) -> float:
    """Duration in seconds, like ``librosa.get_duration``: of a file (``path=``, from its header, no
    decoding), of a signal (``y=``, ``sr=``) or of a spectrogram (``S=``)."""
    if path is not None:
        return info(path).duration
    if y is not None:
        return np.asarray(y).shape[-1] / float(sr)
    if S is not None:
        n_frames = np.asarray(S).shape[-1]
        n_samples = hop_length * (n_frames - 1)
        if not center:
            n_samples += n_fft - 1
        return n_samples / float(sr)
    raise _percept.ParameterError("get_duration: give one of path=, y= or S=")


def resample(y, *, orig_sr: float, target_sr: float, res_type: str = "soxr_hq", fix: bool = True,
             scale: bool = False, axis: int = -1):
    """Resamples along ``axis`` like ``librosa.resample`` (libsoxr recipes 'soxr_qq' ... 'soxr_vhq')."""
    y = np.asarray(y)
    if y.dtype not in (np.float32, np.float64):
        raise _percept.ParameterError(f"resample: y must be float32 or float64, got {y.dtype}")
    if orig_sr <= 0 or target_sr <= 0:
        raise _percept.ParameterError(f"resample: rates must be positive (got {orig_sr} -> {target_sr})")
    moved = np.moveaxis(y, axis, -1)
    out = _percept._resample(np.ascontiguousarray(moved), float(orig_sr), float(target_sr), res_type, fix, scale)
    return np.moveaxis(out, -1, axis)


def AudioFile(path: PathLike, mode: str = "r", samplerate: Optional[float] = None, num_channels: int = 1,
              subtype: Optional[str] = None, format: Optional[str] = None, *, allow_truncated: bool = False):
    """Opens an audio file like ``open()`` (pedalboard's AudioFile): mode 'r' gives a
    :class:`ReadableAudioFile` (``read(n)``, ``seek``, ``tell``, ``frames``, ``samplerate``,
    ``channels``), mode 'w' a :class:`WritableAudioFile` (``write(array)``, ``flush``). Both are
    context managers."""
    path = os.fspath(path)
    if mode == "r":
        return _percept.ReadableAudioFile(path, allow_truncated)
    if mode == "w":
        if samplerate is None:
            raise _percept.ParameterError(f"'{path}': AudioFile(..., 'w') needs samplerate=")
        return _percept.WritableAudioFile(path, samplerate, num_channels, subtype, format)
    raise _percept.ParameterError(f"AudioFile mode must be 'r' or 'w', got {mode!r}")
