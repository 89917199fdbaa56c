"""percept.display — librosa.display.specshow-like pictures, rendered to PNG without matplotlib.

``specshow(data, x_axis=..., y_axis=..., out='spec.png')`` draws the matrix (bins, frames) with a colour
map (librosa's choice by default: magma for one-signed data, coolwarm otherwise), a time axis, a
frequency / note / chroma axis, an optional title and a colour bar, and returns the RGB image as a
(height, width, 3) uint8 array. Text uses a built-in bitmap font.
"""
from __future__ import annotations

import numpy as np

from . import _percept as _p

__all__ = ["specshow"]

NOTE_C1 = 32.70319566257483


def specshow(data, *, x_coords=None, y_coords=None, x_axis=None, y_axis=None, sr=22050, hop_length=512,
             n_fft=None, win_length=None, fmin=None, fmax=None, tuning=0.0, bins_per_octave=12, htk=False,
             cmap=None, vmin=None, vmax=None, title=None, colorbar=True, colorbar_label=None, width=900,
             height=450, out=None, ax=None, **kwargs):
    """Render ``data`` (shape (bins, frames)) like librosa.display.specshow; write a PNG to ``out``.

    Axis types: None, 'time', 's', 'frames', 'linear'/'hz'/'fft', 'log', 'mel', 'cqt_note', 'cqt_hz',
    'chroma'. Returns the image as a uint8 array (height, width, 3).
    """
    if ax is not None or x_coords is not None or y_coords is not None or kwargs:
        raise _p.ParameterError("specshow: matplotlib arguments (ax, coords, **kwargs) are not supported")
    data = np.asarray(data)
    if np.iscomplexobj(data):
        raise _p.ParameterError("specshow: complex data; pass np.abs(data) or a dB scale")
    if data.ndim != 2:
        raise _p.ParameterError(f"specshow: data must be 2-D, got shape {data.shape}")
    data = np.ascontiguousarray(data, dtype=np.float32)
    if fmin is None:
        cqt_fmin = NOTE_C1 * 2.0 ** (tuning / bins_per_octave)
        mel_fmin = None
    else:
        cqt_fmin = float(fmin)
        mel_fmin = float(fmin)
    return _p._specshow(data, str(x_axis or "none"), str(y_axis or "none"), float(sr), int(hop_length),
                        int(n_fft or 0), float(cqt_fmin), None if fmax is None else float(fmax), mel_fmin,
                        int(bins_per_octave), bool(htk), str(cmap or "auto"),
                        None if vmin is None else float(vmin), None if vmax is None else float(vmax),
                        str(title or ""), bool(colorbar), str(colorbar_label or ""), int(width), int(height),
                        None if out is None else str(out))
