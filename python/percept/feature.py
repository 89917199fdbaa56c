"""Spectral features with librosa.feature's names, parameters and defaults (librosa 0.10).

melspectrogram, mfcc, spectral_centroid / bandwidth / rolloff / flatness / contrast,
zero_crossing_rate, rms, chroma_stft, tempo. Computed in C++ (float32 arithmetic for float32 audio);
``(..., n)`` audio is processed signal by signal across all cores. Results have librosa's shapes
(``(..., n_features, n_frames)``).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from . import _percept
from ._percept import ParameterError
from ._spectral import _audio, _pad_mode, _window_name, power_to_db

_A = _percept.analysis

__all__ = [
    "melspectrogram", "mfcc", "spectral_centroid", "spectral_bandwidth", "spectral_rolloff", "spectral_flatness",
    "spectral_contrast", "zero_crossing_rate", "rms", "chroma_stft", "tempo", "tempogram",
]

_MEL_KEYS = {"n_mels", "fmin", "fmax", "htk", "norm", "dtype"}


def _mel_kwargs(kwargs: dict, sr: float) -> dict:
    unknown = set(kwargs) - _MEL_KEYS
    if unknown:
        raise ParameterError(f"unexpected keyword arguments for the mel filter bank: {sorted(unknown)}")
    norm = kwargs.get("norm", "slaney")
    if norm is not None and not isinstance(norm, str):
        norm = float(norm)
    fmax = kwargs.get("fmax")
    return dict(n_mels=int(kwargs.get("n_mels", 128)), fmin=float(kwargs.get("fmin", 0.0)),
                fmax=None if fmax is None else float(fmax), htk=bool(kwargs.get("htk", False)), norm=norm)


def _spectrogram(*, y=None, S=None, n_fft=2048, hop_length=512, power=1.0, win_length=None, window="hann",
                 center=True, pad_mode="constant", precise=False):
    """librosa's helper: |stft(y)|**power, or S as given (n_fft inferred from it)."""
    if S is not None:
        S = np.asarray(S)
        if S.ndim < 2:
            raise ParameterError("S must be a (..., bins, frames) spectrogram")
        if np.iscomplexobj(S):
            S = np.abs(S) ** power
        if S.dtype not in (np.float32, np.float64):
            S = S.astype(np.float32)
        return S, 2 * (S.shape[-2] - 1)
    y = _audio(y)
    if precise and y.dtype == np.float32:
        # float64 FFT rounded to float32, as librosa computes its STFT (see spectral_contrast)
        D = _A.stft(y.astype(np.float64), int(n_fft), hop_length, win_length, _window_name(window), bool(center),
                    _pad_mode(pad_mode)).astype(np.complex64)
        return np.abs(D) ** np.float32(power) if power != 1 else np.abs(D), n_fft
    S = _A.spectrogram(y, int(n_fft), hop_length, win_length, _window_name(window), bool(center),
                       _pad_mode(pad_mode), float(power))
    return S, n_fft


def melspectrogram(*, y=None, sr: float = 22050, S=None, n_fft: int = 2048, hop_length: int = 512,
                   win_length: Optional[int] = None, window="hann", center: bool = True, pad_mode="constant",
                   power: float = 2.0, **kwargs: Any) -> np.ndarray:
    """Mel-scaled spectrogram (librosa.feature.melspectrogram); mel filter keywords: n_mels, fmin,
    fmax, htk, norm."""
    dtype = kwargs.get("dtype", np.float32)
    mk = _mel_kwargs(kwargs, sr)
    if S is not None:
        S, _ = _spectrogram(S=S, power=power)
        M = _A.mel_from_spectrogram(S, float(sr), mk["n_mels"], mk["fmin"], mk["fmax"], mk["htk"], mk["norm"])
    else:
        y = _audio(y)
        M = _A.melspectrogram(y, float(sr), int(n_fft), hop_length, win_length, _window_name(window), bool(center),
                              _pad_mode(pad_mode), float(power), mk["n_mels"], mk["fmin"], mk["fmax"], mk["htk"],
                              mk["norm"])
    if np.dtype(dtype) == np.float64 and M.dtype != np.float64 and S is not None:
        M = M.astype(np.float64)
    return M


def mfcc(*, y=None, sr: float = 22050, S=None, n_mfcc: int = 20, dct_type: int = 2, norm: Optional[str] = "ortho",
         lifter: float = 0, **kwargs: Any) -> np.ndarray:
    """Mel-frequency cepstral coefficients (librosa.feature.mfcc): DCT-II of power_to_db(melspectrogram)."""
    if dct_type not in (1, 2, 3):
        raise ParameterError(f"dct_type={dct_type} must be 1, 2 or 3")
    if norm not in (None, "ortho"):
        raise ParameterError(f"norm={norm!r} must be 'ortho' or None")
    if lifter < 0:
        raise ParameterError("MFCC lifter=%s must be a non-negative number" % lifter)
    if dct_type != 2:
        # DCT-I / DCT-III: scipy's transform on percept's log-mel (the DCT-II runs in C++)
        import scipy.fft

        if S is None:
            S = power_to_db(melspectrogram(y=y, sr=sr, **kwargs))
        M = scipy.fft.dct(np.asarray(S), axis=-2, type=dct_type, norm=norm)[..., :n_mfcc, :]
        if lifter > 0:
            LI = np.sin(np.pi * np.arange(1, 1 + n_mfcc, dtype=M.dtype) / lifter)
            shape = [1] * M.ndim
            shape[-2] = n_mfcc
            M *= 1 + (lifter / 2) * LI.reshape(shape)
        return M
    if S is not None:
        S = np.asarray(S)
        if S.dtype not in (np.float32, np.float64):
            S = S.astype(np.float32)
        return _A.mfcc_from_db(S, int(n_mfcc), 2, norm == "ortho", float(lifter))
    stft_keys = {"n_fft", "hop_length", "win_length", "window", "center", "pad_mode"}
    st = {k: kwargs.pop(k) for k in list(kwargs) if k in stft_keys}
    if "power" in kwargs and kwargs["power"] != 2.0:
        M = melspectrogram(y=y, sr=sr, **st, **kwargs)
        return _A.mfcc_from_db(power_to_db(M), int(n_mfcc), 2, norm == "ortho", float(lifter))
    kwargs.pop("power", None)
    mk = _mel_kwargs(kwargs, sr)
    y = _audio(y)
    return _A.mfcc(y, float(sr), int(n_mfcc), 2, norm == "ortho", float(lifter), int(st.get("n_fft", 2048)),
                   st.get("hop_length", 512), st.get("win_length"), _window_name(st.get("window", "hann")),
                   bool(st.get("center", True)), _pad_mode(st.get("pad_mode", "constant")), mk["n_mels"], mk["fmin"],
                   mk["fmax"], mk["htk"], mk["norm"], 1.0, 1e-10, 80.0)


def _freq_given(freq, S) -> np.ndarray:
    freq = np.asarray(freq)
    if freq.ndim == 1:
        if freq.shape[0] != S.shape[-2]:
            raise ParameterError("freq must have one entry per frequency bin of S")
        return freq.reshape((-1, 1))
    return freq


def _l1_normalize(S):
    length = np.sum(np.abs(S), axis=-2, keepdims=True).astype(float)
    length[length < np.finfo(S.dtype).tiny] = 1.0
    return S / length


def spectral_centroid(*, y=None, sr: float = 22050, S=None, n_fft: int = 2048, hop_length: int = 512, freq=None,
                      win_length=None, window="hann", center: bool = True, pad_mode="constant") -> np.ndarray:
    """Spectral centroid ``(..., 1, frames)`` (librosa.feature.spectral_centroid)."""
    S, n_fft = _spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0, win_length=win_length,
                            window=window, center=center, pad_mode=pad_mode)
    if not np.isrealobj(S) or np.any(S < 0):
        raise ParameterError("Spectral centroid is only defined with non-negative energies")
    if freq is not None:
        return np.sum(_freq_given(freq, S) * _l1_normalize(S), axis=-2, keepdims=True)
    return _A.spectral_stat("centroid", S, float(sr))


def spectral_bandwidth(*, y=None, sr: float = 22050, S=None, n_fft: int = 2048, hop_length: int = 512,
                       win_length=None, window="hann", center: bool = True, pad_mode="constant", freq=None,
                       centroid=None, norm: bool = True, p: float = 2) -> np.ndarray:
    """p-th order spectral bandwidth ``(..., 1, frames)`` (librosa.feature.spectral_bandwidth)."""
    S, n_fft = _spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0, win_length=win_length,
                            window=window, center=center, pad_mode=pad_mode)
    if not np.isrealobj(S) or np.any(S < 0):
        raise ParameterError("Spectral bandwidth is only defined with non-negative energies")
    if freq is None and centroid is None:
        return _A.spectral_stat("bandwidth", S, float(sr), float(p), bool(norm))
    f = _freq_given(freq, S) if freq is not None else _A.fft_frequencies(float(sr), n_fft).reshape((-1, 1))
    if centroid is None:
        centroid = spectral_centroid(sr=sr, S=S, freq=freq)
    deviation = np.abs(f - np.asarray(centroid))
    if norm:
        S = _l1_normalize(S)
    return np.sum(S * deviation**p, axis=-2, keepdims=True) ** (1.0 / p)


def spectral_rolloff(*, y=None, sr: float = 22050, S=None, n_fft: int = 2048, hop_length: int = 512,
                     win_length=None, window="hann", center: bool = True, pad_mode="constant", freq=None,
                     roll_percent: float = 0.85) -> np.ndarray:
    """Roll-off frequency ``(..., 1, frames)`` (librosa.feature.spectral_rolloff)."""
    if not 0.0 < roll_percent < 1.0:
        raise ParameterError("roll_percent must lie in the range (0, 1)")
    S, n_fft = _spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0, win_length=win_length,
                            window=window, center=center, pad_mode=pad_mode)
    if not np.isrealobj(S) or np.any(S < 0):
        raise ParameterError("Spectral rolloff is only defined with non-negative energies")
    if freq is not None:
        f = _freq_given(freq, S)
        total = np.cumsum(S, axis=-2)
        threshold = np.expand_dims(roll_percent * total[..., -1, :], axis=-2)
        ind = np.where(total < threshold, np.nan, 1)
        return np.nanmin(ind * f, axis=-2, keepdims=True)
    return _A.spectral_stat("rolloff", S, float(sr), roll_percent=float(roll_percent))


def spectral_flatness(*, y=None, S=None, n_fft: int = 2048, hop_length: int = 512, win_length=None, window="hann",
                      center: bool = True, pad_mode="constant", amin: float = 1e-10, power: float = 2.0) -> np.ndarray:
    """Spectral flatness ``(..., 1, frames)`` (librosa.feature.spectral_flatness)."""
    if amin <= 0:
        raise ParameterError("amin must be strictly positive")
    S, n_fft = _spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0, win_length=win_length,
                            window=window, center=center, pad_mode=pad_mode)
    if not np.isrealobj(S) or np.any(S < 0):
        raise ParameterError("Spectral flatness is only defined with non-negative energies")
    return _A.spectral_stat("flatness", S, 22050.0, amin=float(amin), power=float(power))


def spectral_contrast(*, y=None, sr: float = 22050, S=None, n_fft: int = 2048, hop_length: int = 512,
                      win_length=None, window="hann", center: bool = True, pad_mode="constant", freq=None,
                      fmin: float = 200.0, n_bands: int = 6, quantile: float = 0.02,
                      linear: bool = False) -> np.ndarray:
    """Spectral contrast ``(..., n_bands + 1, frames)`` (librosa.feature.spectral_contrast).

    The valleys of tonal signals lie at the floor of the FFT's rounding noise, so for y= the
    spectrogram is computed with a float64 FFT and rounded to float32, as librosa does.
    """
    if freq is not None:
        raise ParameterError("spectral_contrast: percept uses the FFT bin frequencies (freq=None)")
    if not isinstance(n_bands, (int, np.integer)) or n_bands < 1:
        raise ParameterError("n_bands must be a positive integer")
    S, n_fft = _spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0, win_length=win_length,
                            window=window, center=center, pad_mode=pad_mode, precise=True)
    return _A.spectral_contrast(S, float(sr), float(fmin), int(n_bands), float(quantile), bool(linear), 80.0)


def zero_crossing_rate(y, *, frame_length: int = 2048, hop_length: int = 512, center: bool = True,
                       **kwargs: Any) -> np.ndarray:
    """Zero-crossing rate ``(..., 1, frames)`` (librosa.feature.zero_crossing_rate)."""
    y = _audio(y)
    threshold = kwargs.pop("threshold", 1e-10)
    ref_magnitude = kwargs.pop("ref_magnitude", None)
    pad = bool(kwargs.pop("pad", False))
    zero_pos = bool(kwargs.pop("zero_pos", True))
    kwargs.pop("axis", None)
    if kwargs:
        raise ParameterError(f"zero_crossing_rate: unexpected keyword arguments {sorted(kwargs)}")
    if threshold is None:
        threshold = 0.0
    if not pad and zero_pos and not callable(ref_magnitude):
        if ref_magnitude is not None:
            threshold = threshold * ref_magnitude
        return _A.zero_crossing_rate(y, int(frame_length), int(hop_length), bool(center), float(threshold))
    # general case (pad=True, zero_pos=False or a callable reference, applied per frame as librosa does)
    from .util import frame as _frame

    if center:
        padding = [(0, 0) for _ in range(y.ndim)]
        padding[-1] = (int(frame_length // 2), int(frame_length // 2))
        y = np.pad(y, padding, mode="edge")
    frames = np.swapaxes(_frame(y, frame_length=frame_length, hop_length=hop_length), -1, -2)  # (..., T, L)
    if callable(ref_magnitude):
        threshold = threshold * ref_magnitude(np.abs(frames), axis=-1, keepdims=True)
    elif ref_magnitude is not None:
        threshold = threshold * ref_magnitude
    frames = np.where(np.abs(frames) <= threshold, 0, frames) if np.any(np.asarray(threshold) > 0) else frames
    sign = np.signbit(frames) if zero_pos else np.sign(frames)
    crossings = sign[..., 1:] != sign[..., :-1]
    first = np.full(crossings.shape[:-1] + (1,), pad)
    crossings = np.concatenate([first, crossings], axis=-1)
    return np.mean(crossings, axis=-1)[..., np.newaxis, :]


def rms(*, y=None, S=None, frame_length: int = 2048, hop_length: int = 512, center: bool = True,
        pad_mode="constant", dtype=np.float32) -> np.ndarray:
    """Root-mean-square energy ``(..., 1, frames)`` (librosa.feature.rms), from y or a magnitude S."""
    if y is not None:
        y = _audio(y)
        out = _A.rms(y, int(frame_length), int(hop_length), bool(center), _pad_mode(pad_mode))
    elif S is not None:
        S = np.abs(np.asarray(S))
        if S.dtype not in (np.float32, np.float64):
            S = S.astype(np.float32)
        if S.shape[-2] != frame_length // 2 + 1:
            raise ParameterError(f"Since S.shape[-2] is {S.shape[-2]}, frame_length is expected to be "
                                 f"{S.shape[-2] * 2 - 2} or {S.shape[-2] * 2 - 1}; found {frame_length}")
        out = _A.rms_from_spectrogram(S, int(frame_length))
    else:
        raise ParameterError("Either `y` or `S` must be input.")
    return out.astype(dtype, copy=False)


def chroma_stft(*, y=None, sr: float = 22050, S=None, norm: Optional[float] = np.inf, n_fft: int = 2048,
                hop_length: int = 512, win_length=None, window="hann", center: bool = True, pad_mode="constant",
                tuning: Optional[float] = None, n_chroma: int = 12, **kwargs: Any) -> np.ndarray:
    """Chromagram from a power spectrogram (librosa.feature.chroma_stft); tuning estimated when None."""
    S, n_fft = _spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=2.0, win_length=win_length,
                            window=window, center=center, pad_mode=pad_mode)
    ctroct = float(kwargs.pop("ctroct", 5.0))
    octwidth = kwargs.pop("octwidth", 2)
    fb_norm = 2.0
    base_c = bool(kwargs.pop("base_c", True))
    kwargs.pop("dtype", None)
    if kwargs:
        raise ParameterError(f"chroma_stft: unexpected keyword arguments {sorted(kwargs)}")
    return _A.chroma_from_spectrogram(S, float(sr), None if tuning is None else float(tuning),
                                      0.0 if norm is None else float(norm), int(n_chroma), ctroct,
                                      None if octwidth is None else float(octwidth), float(fb_norm), base_c)


def tempogram(*, y=None, sr: float = 22050, onset_envelope=None, hop_length: int = 512, win_length: int = 384,
              center: bool = True, window="hann", norm=np.inf) -> np.ndarray:
    """Autocorrelation tempogram ``(win_length, frames)`` of a 1-D onset envelope (center, hann, norm=inf)."""
    if not center or _window_name(window) not in ("hann", "hanning") or norm != np.inf:
        raise ParameterError("tempogram: percept provides center=True, window='hann', norm=np.inf")
    if onset_envelope is None:
        from .onset import onset_strength
        onset_envelope = onset_strength(y=y, sr=sr, hop_length=hop_length)
    env = np.asarray(onset_envelope)
    if env.ndim != 1:
        raise ParameterError("tempogram: a 1-D onset envelope is expected")
    return _A.tempogram(env, int(win_length))


def tempo(*, y=None, sr: float = 22050, onset_envelope=None, tg=None, hop_length: int = 512,
          start_bpm: float = 120, std_bpm: float = 1.0, ac_size: float = 8.0, max_tempo: Optional[float] = 320.0,
          aggregate: Optional[Callable] = np.mean, prior=None) -> np.ndarray:
    """Tempo estimate in BPM (librosa.feature.tempo): autocorrelation tempogram weighted by a log-normal
    prior around start_bpm (or ``prior.logpdf``). Returns shape (1,) (aggregate) or (frames,)."""
    if start_bpm <= 0:
        raise ParameterError("start_bpm must be strictly positive")
    if onset_envelope is None and tg is None:
        from .onset import onset_strength
        onset_envelope = onset_strength(y=y, sr=sr, hop_length=hop_length)
    if tg is None and aggregate is np.mean and prior is None:
        env = np.asarray(onset_envelope)
        if env.ndim != 1:
            raise ParameterError("tempo: a 1-D onset envelope is expected")
        return np.array([_A.tempo(env, float(sr), int(hop_length), float(start_bpm), float(std_bpm), float(ac_size),
                                  None if max_tempo is None else float(max_tempo))])
    if tg is None:
        win_length = int((np.asarray(ac_size) * sr).astype(int) // hop_length)
        tg = tempogram(onset_envelope=onset_envelope, sr=sr, hop_length=hop_length, win_length=win_length)
    else:
        win_length = tg.shape[-2]
    if aggregate is not None:
        tg = aggregate(tg, axis=-1, keepdims=True)
    bpms = np.zeros(win_length, dtype=np.float64)
    bpms[0] = np.inf
    bpms[1:] = 60.0 * sr / (hop_length * np.arange(1.0, win_length))
    if prior is None:
        logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    else:
        logprior = prior.logpdf(bpms)
    if max_tempo is not None:
        max_idx = int(np.argmax(bpms < max_tempo))
        logprior[:max_idx] = -np.inf
    best_period = np.argmax(np.log1p(1e6 * tg) + logprior[:, np.newaxis], axis=-2)
    return np.take(bpms, best_period)


# chroma_cqt lives with the constant-Q transform (analysis part B)
from ._analysis_b import chroma_cqt  # noqa: E402,F401

__all__.append("chroma_cqt")
