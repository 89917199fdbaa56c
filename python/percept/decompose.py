"""percept.decompose — librosa.decompose: median-filtering HPSS and NMF decomposition.

``decompose`` factorises with beta-divergence multiplicative updates and a deterministic NNDSVD(a)
initialisation (no sklearn; see docs/design.md (analysis, part B)): the same input gives the same factors.
"""
from __future__ import annotations

import numpy as np

from . import _percept as _p

__all__ = ["hpss", "decompose"]


def _pair(v):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise _p.ParameterError("expected a scalar or a pair (harmonic, percussive)")
        return v[0], v[1]
    return v, v


def hpss(S, *, kernel_size=31, power=2.0, mask=False, margin=1.0):
    """librosa.decompose.hpss: harmonic and percussive parts (or soft masks) of a spectrogram.

    S is complex (the phase is kept) or a non-negative magnitude, shape (..., bins, frames).
    """
    S = np.asarray(S)
    if S.ndim < 2:
        raise _p.ParameterError("hpss: S must have at least 2 dimensions (bins, frames)")
    kh, kp = _pair(kernel_size)
    mh, mp = _pair(margin)
    if mh < 1 or mp < 1:
        raise _p.ParameterError("hpss: margins must be >= 1.0. A typical range is between 1 and 10.")
    if not np.iscomplexobj(S) and np.any(S < 0):
        raise _p.ParameterError("hpss: magnitude spectrogram must be non-negative")
    args = (int(kh), int(kp), float(power), float(mh), float(mp), bool(mask))
    if S.ndim == 2:
        return _p._hpss(S, *args)
    flat = S.reshape((-1,) + S.shape[-2:])
    parts = [_p._hpss(s, *args) for s in flat]
    H = np.stack([h for h, _ in parts]).reshape(S.shape)
    P = np.stack([p for _, p in parts]).reshape(S.shape)
    return H, P


_BETA = {"frobenius": 2.0, "kullback-leibler": 1.0, "itakura-saito": 0.0}


def decompose(S, *, n_components=None, transformer=None, sort=False, fit=True, beta_loss="frobenius",
              init="nndsvda", max_iter=200, tol=1e-4, random_state=0, **kwargs):
    """librosa.decompose.decompose with a built-in NMF (deterministic).

    Returns (components [shape=(..., n_features, n_components)], activations [shape=(n_components, n_frames)]).
    ``transformer`` may be a ``components`` array to project onto (fit=False), since sklearn
    transformers are not available. ``beta_loss`` is 'frobenius', 'kullback-leibler', 'itakura-saito' or a
    number; ``init`` is 'nndsvda' (default), 'nndsvd', 'nndsvdar' or 'random' (seeded by random_state).
    """
    if kwargs:
        raise _p.ParameterError(f"decompose: unsupported arguments {sorted(kwargs)}")
    S = np.asarray(S)
    if S.ndim < 2:
        raise _p.ParameterError("decompose: S must have at least 2 dimensions")
    orig = S.shape
    if S.ndim > 2:
        # librosa: channels stacked along the feature axis
        S = S.reshape((-1, S.shape[-1]))
    if np.iscomplexobj(S):
        raise _p.ParameterError("decompose: S must be real and non-negative")
    beta = _BETA.get(beta_loss, beta_loss) if isinstance(beta_loss, str) else float(beta_loss)
    if isinstance(beta, str):
        raise _p.ParameterError(f"decompose: unknown beta_loss {beta_loss!r}")
    S32 = np.ascontiguousarray(S, dtype=np.float32)
    if transformer is not None or not fit:
        if transformer is None:
            raise _p.ParameterError("decompose: fit=False requires components passed as `transformer`")
        W = np.ascontiguousarray(np.asarray(transformer, dtype=np.float32).reshape(S32.shape[0], -1))
        H = _p._nmf_transform(S32, W, float(beta), int(max_iter))
        comps = W
    else:
        k = S32.shape[0] if n_components is None else int(n_components)
        comps, H, _, _ = _p._nmf(S32, k, float(beta), int(max_iter), float(tol), str(init),
                                 int(random_state or 0))
    if sort:
        idx = np.argsort(np.argmax(comps, axis=0))
        comps = comps[:, idx]
        H = H[idx]
    if len(orig) > 2:
        comps = comps.reshape(orig[:-1] + (comps.shape[-1],))
    return comps, H
