"""percept.dsp — real-time processors and scipy-compatible filtering.

Processors (each ``process(x)`` on ``(n,)`` or ``(channels, n)`` float32/float64 arrays returns a new
array and keeps state across calls; ``reset()`` clears it; they run unchanged in chains and in the
real-time engine):

- ``OnePoleLowpass(alpha)``, ``Sos(sos)``, ``Butterworth(order, cutoff_hz, btype, sample_rate)``,
  ``DcBlocker(cutoff_hz)``, ``Gain(gain_db)``, ``Delay(delay_samples)``, ``SoftClip(drive_db)``
- ``DiodeRingCore(sample_rate, k=0.4)`` / ``DiodeRingModulator(sample_rate, oversampling=30, k=0.4,
  input_scale=0.2, output_gain_db=None)`` with ``process(carrier, modulator)``; the modulator needs
  ``sample_rate * oversampling > 1 MHz`` (``min_oversampling(sr)``), applies a makeup gain (full-scale
  sines -> about 0 dBFS peak by default) and counts model runaways (``diverged_blocks``)
- ``Vcs3Filter(sample_rate, control_current=30e-6, feedback=5.175, solver='fixed-point', ...)``
- ``Nlms(taps, step_size)`` with ``process(primary, reference)``; ``SpectralSubtraction(...)``
- ``SaturatingCascade(stages, cutoff_hz, resonance)`` (a fixed benchmark load) and ``Counter()`` (a
  frame counter for gaplessness checks): the chain stages ``cascade`` and ``counter``
- ``Chain([...])``, ``Parallel([...], weights)``, ``Mix(processor, wet)``, ``Oversampled(processor, factor)``
- ``Resampler(source_rate, target_rate, channels)``: streaming libsoxr resampling (arbitrary ratios;
  output blocks follow the ratio, so it is not a same-length Processor)

Functions with scipy.signal's signatures: ``butter``, ``lfilter``, ``lfilter_zi``, ``sosfilt``,
``sosfilt_zi``; and ``parse_chain`` for the chain syntax (the one of ``percept fx``, ``percept duplex``,
``percept demo-live`` and ``percept.Duplex(chain="...")``).
"""
from __future__ import annotations

import numpy as _np

from ._percept import ParameterError as _ParameterError
from ._percept import Processor  # noqa: F401  (re-exported)
from ._percept._dsp import (  # noqa: F401  (re-exported)
    Butterworth,
    Chain,
    Counter,
    DcBlocker,
    Delay,
    DiodeRingCore,
    DiodeRingModulator,
    Gain,
    Mix,
    Nlms,
    OnePoleLowpass,
    Oversampled,
    Parallel,
    Resampler,
    SaturatingCascade,
    Sos,
    SoftClip,
    SpectralSubtraction,
    Vcs3Filter,
    chain_stage_names,
    chain_stage_usage,
    parse_chain,
)
from ._percept import _dsp as _native

__all__ = [
    "Butterworth", "Chain", "Counter", "DcBlocker", "Delay", "DiodeRingCore", "DiodeRingModulator", "Gain", "Mix", "Nlms",
    "OnePoleLowpass", "Oversampled", "Parallel", "Processor", "Resampler", "SaturatingCascade", "Sos", "SoftClip", "SpectralSubtraction",
    "Vcs3Filter", "butter", "chain_stage_names", "chain_stage_usage", "lfilter", "lfilter_zi", "parse_chain", "sosfilt", "sosfilt_zi",
]


def butter(N, Wn, btype="low", analog=False, output="ba", fs=None):
    """Butterworth digital filter design, as ``scipy.signal.butter`` (digital only)."""
    if analog:
        raise _ParameterError("butter: analog designs are not supported; use analog=False")
    w = _np.atleast_1d(_np.asarray(Wn, dtype=float))
    wn = float(w[0]) if w.size == 1 else [float(v) for v in w]
    return _native.butter(int(N), wn, str(btype), str(output), None if fs is None else float(fs))


def _result_dtype(*arrays):
    t = _np.result_type(*[_np.asarray(a).dtype for a in arrays])
    return _np.float32 if t == _np.float32 else _np.float64


def _as_float_array(x, what):
    a = _np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise _ParameterError(f"{what} must be a real numeric array, got dtype {a.dtype}")
    return a


def lfilter(b, a, x, axis=-1, zi=None):
    """Filter along one axis with an IIR or FIR filter, as ``scipy.signal.lfilter``.

    Returns ``y``, or ``(y, zf)`` when ``zi`` is given (the final state, for the next block).
    """
    b = _np.atleast_1d(_as_float_array(b, "b")).astype(float)
    a = _np.atleast_1d(_as_float_array(a, "a")).astype(float)
    x = _as_float_array(x, "x")
    if b.ndim != 1 or a.ndim != 1:
        raise _ParameterError("lfilter: b and a must be 1-D")
    if x.ndim == 0:
        raise _ParameterError("lfilter: x must have at least one dimension")
    out_dtype = _result_dtype(b, a, x)
    xm = _np.moveaxis(x, axis, -1)
    shape = xm.shape
    x2 = _np.ascontiguousarray(xm.reshape(-1, shape[-1]), dtype=float)
    K = max(len(a), len(b)) - 1
    z2 = None
    if zi is not None:
        zi = _np.asarray(zi, dtype=float)
        zshape = shape[:-1] + (K,)
        zim = _np.moveaxis(zi, axis, -1) if zi.ndim == x.ndim else zi
        if zim.shape != zshape:
            raise _ParameterError(f"lfilter: zi must have shape {zshape[:-1] + (K,)} along axis {axis}, got {zi.shape}")
        z2 = _np.ascontiguousarray(zim.reshape(-1, K))
    y2, zf2 = _native.lfilter_rows(b, a, x2, z2)
    y = _np.moveaxis(y2.reshape(shape), -1, axis).astype(out_dtype, copy=False)
    if zi is None:
        return y
    zf = _np.moveaxis(zf2.reshape(shape[:-1] + (K,)), -1, axis) if x.ndim > 1 else zf2.reshape(K)
    return y, zf.astype(out_dtype, copy=False)


def lfilter_zi(b, a):
    """Initial state for lfilter's step-response steady state, as ``scipy.signal.lfilter_zi``."""
    return _native.lfilter_zi(_np.atleast_1d(_np.asarray(b, dtype=float)), _np.atleast_1d(_np.asarray(a, dtype=float)))


def sosfilt(sos, x, axis=-1, zi=None):
    """Filter with cascaded second-order sections, as ``scipy.signal.sosfilt``."""
    sos = _np.atleast_2d(_np.asarray(sos, dtype=float))
    if sos.ndim != 2 or sos.shape[1] != 6:
        raise _ParameterError(f"sosfilt: sos must have shape (n_sections, 6), got {sos.shape}")
    x = _as_float_array(x, "x")
    if x.ndim == 0:
        raise _ParameterError("sosfilt: x must have at least one dimension")
    out_dtype = _result_dtype(sos, x)
    ns = sos.shape[0]
    xm = _np.moveaxis(x, axis, -1)
    shape = xm.shape
    x2 = _np.ascontiguousarray(xm.reshape(-1, shape[-1]), dtype=float)
    rows = x2.shape[0]
    z2 = None
    if zi is not None:
        zi = _np.asarray(zi, dtype=float)
        expect = list(x.shape)
        expect[axis] = 2
        expect = tuple([ns] + expect)
        if zi.shape != expect:
            raise _ParameterError(f"sosfilt: zi must have shape {expect}, got {zi.shape}")
        # (ns, ..., 2 at axis+1, ...) -> (rows, ns, 2)
        zm = _np.moveaxis(zi, (axis % x.ndim) + 1, -1)  # (ns, rest..., 2)
        z2 = _np.ascontiguousarray(_np.moveaxis(zm.reshape(ns, rows, 2), 0, 1).reshape(rows, 2 * ns))
    y2, zf2 = _native.sosfilt_rows(sos, x2, z2)
    y = _np.moveaxis(y2.reshape(shape), -1, axis).astype(out_dtype, copy=False)
    if zi is None:
        return y
    zf = _np.moveaxis(zf2.reshape(rows, ns, 2), 1, 0).reshape((ns,) + shape[:-1] + (2,))
    zf = _np.moveaxis(zf, -1, (axis % x.ndim) + 1)
    return y, zf.astype(out_dtype, copy=False)


def sosfilt_zi(sos):
    """Initial state for sosfilt's step-response steady state, as ``scipy.signal.sosfilt_zi``."""
    return _native.sosfilt_zi(_np.atleast_2d(_np.asarray(sos, dtype=float)))
