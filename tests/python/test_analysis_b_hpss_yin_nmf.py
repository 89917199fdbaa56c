"""percept.decompose.hpss / decompose and percept.yin against librosa 0.10.2 fixtures."""
import os

import numpy as np
import pytest

import percept
import percept.decompose

DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def load(name):
    return np.load(os.path.join(DATA, name))


def stft_np(y, n_fft=2048, hop=512):
    """librosa.stft's definition (hann, centred, zero padding) in numpy float64, rounded to complex64."""
    yp = np.pad(y.astype(np.float64), (n_fft // 2, n_fft // 2))
    n = 1 + (len(yp) - n_fft) // hop
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop][:n]
    return np.fft.rfft(frames * w, axis=1).T.astype(np.complex64)


@pytest.mark.parametrize("order", ["C", "F"])
def test_hpss_parity(order):
    D = np.asarray(stft_np(load("in_music.npy")), order=order)
    H, P = percept.decompose.hpss(D)
    assert H.dtype == np.complex64 and H.shape == D.shape
    for X, name in [(H, "H"), (P, "P")]:
        ref = load(f"hpss_music_{name}_mag.npy")
        assert np.all(np.abs(np.abs(X) - ref) <= 1e-4 * np.abs(ref) + 1e-6 * ref.max())
    mh, mp = percept.decompose.hpss(np.abs(D), mask=True)
    np.testing.assert_allclose(mh + mp, 1.0, atol=1e-6)


def test_hpss_margin_and_errors():
    S = np.abs(stft_np(load("in_music.npy")[:22050]))
    H1, P1 = percept.decompose.hpss(S)
    H2, P2 = percept.decompose.hpss(S, margin=3.0)
    assert np.sum(H2) < np.sum(H1) and np.sum(P2) < np.sum(P1)
    with pytest.raises(percept.ParameterError):
        percept.decompose.hpss(S, margin=0.5)
    with pytest.raises(percept.ParameterError):
        percept.decompose.hpss(-S)


def test_yin_parity():
    f0 = percept.yin(load("in_music.npy"), fmin=65, fmax=2093, sr=22050)
    ref = load("yin_music.npy")
    assert f0.dtype == np.float64
    np.testing.assert_allclose(f0, ref, rtol=1e-6)


def test_nmf_deterministic_and_good_fit():
    S = np.abs(stft_np(load("in_music.npy")[:44100]))
    W1, H1 = percept.decompose.decompose(S, n_components=8)
    W2, H2 = percept.decompose.decompose(S, n_components=8)
    assert W1.shape == (1025, 8) and H1.shape == (8, S.shape[1])
    assert np.array_equal(W1, W2) and np.array_equal(H1, H2)
    assert W1.min() >= 0 and H1.min() >= 0
    rel = np.linalg.norm(S - W1 @ H1) / np.linalg.norm(S)
    assert rel < 0.5
    Hfix, = [percept.decompose.decompose(S, transformer=W1, fit=False)[1]]
    assert Hfix.shape == H1.shape
    with pytest.raises(percept.ParameterError):
        percept.decompose.decompose(-S)


def test_effects_hpss_parity():
    y = load("in_music.npy")
    yh, yp = percept.effects.hpss(y)
    assert yh.dtype == np.float32 and yh.shape == y.shape
    for X, name in [(yh, "harmonic"), (yp, "percussive")]:
        ref = load(f"hpss_music_y_{name}.npy")
        assert np.max(np.abs(X - ref)) <= 1e-5 * np.max(np.abs(ref))
    assert np.array_equal(percept.effects.harmonic(y), yh)
    np.testing.assert_allclose(yh + yp, y, atol=1e-4)


def test_hpss_on_percept_stft():
    # percept.stft runs in float32 arithmetic: tiny bins differ from librosa's float64 STFT, so compare
    # against the peak (the masks themselves are checked on the exact STFT above).
    D = percept.stft(load("in_music.npy"))
    H, P = percept.decompose.hpss(D)
    for X, name in [(H, "H"), (P, "P")]:
        ref = load(f"hpss_music_{name}_mag.npy")
        assert np.max(np.abs(np.abs(X) - ref)) <= 1e-5 * ref.max()


def test_empty_inputs_raise_parameter_error():
    empty = np.zeros(0, np.float32)
    for fn in (lambda: percept.cqt(empty), lambda: percept.yin(empty, fmin=65, fmax=2000),
               lambda: percept.effects.hpss(empty), lambda: percept.vqt(np.zeros((2, 0), np.float32))):
        with pytest.raises(percept.ParameterError):
            fn()
