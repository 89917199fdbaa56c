"""percept.cqt / vqt / feature.chroma_cqt against librosa 0.10.2 fixtures."""
import os

import numpy as np
import pytest

import percept
chroma_cqt = percept.feature.chroma_cqt

DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def load(name):
    return np.load(os.path.join(DATA, name))


def close(a, b, rtol=1e-3, atol_rel=1e-6):
    return np.all(np.abs(a - b) <= rtol * np.abs(b) + atol_rel * np.max(np.abs(b)))


@pytest.mark.parametrize("name", ["chirp", "music"])
def test_cqt_parity(name):
    C = percept.cqt(load(f"in_{name}.npy"), sr=22050)
    assert C.dtype == np.complex64 and C.shape == (84, load(f"cqt_{name}_mag.npy").shape[1])
    assert close(np.abs(C), load(f"cqt_{name}_mag.npy"))


def test_vqt_parity():
    V = percept.vqt(load("in_music.npy"), sr=22050)
    assert close(np.abs(V), load("vqt_music_mag.npy"))


def test_chroma_cqt_parity_and_from_C():
    y = load("in_music.npy")
    ref = load("chroma_cqt_music.npy")
    ch = chroma_cqt(y=y, sr=22050)
    assert ch.shape == ref.shape and close(ch, ref)
    tuning = percept.estimate_tuning(y=y, sr=22050, bins_per_octave=36)
    C = np.abs(percept.cqt(y, sr=22050, n_bins=252, bins_per_octave=36, tuning=tuning))
    assert close(chroma_cqt(C=C), ref)


def test_multichannel_and_errors():
    y = load("in_chirp.npy")[:22050]
    C2 = percept.cqt(np.stack([y, y]))
    assert C2.shape[0] == 2 and np.array_equal(C2[0], C2[1])
    with pytest.raises(percept.ParameterError):
        percept.cqt(y, n_bins=200)
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(percept.ParameterError):
        percept.cqt(bad)
    with pytest.raises(percept.ParameterError):
        percept.cqt(np.arange(10))


def test_streaming_cqt_matches_offline():
    y = load("in_music.npy")[:40000]
    ref = percept.cqt(y)
    s = percept.StreamingCQT()
    parts = [s.process(y[i:i + 333]) for i in range(0, len(y), 333)] + [s.flush()]
    C = np.concatenate(parts, axis=1)
    assert C.shape == ref.shape
    assert np.max(np.abs(C - ref)) <= 1e-6 * np.max(np.abs(ref))
    s.reset()
    assert s.process(y[:100]).shape[0] == 84


def test_streaming_chroma_matches_offline():
    y = load("in_music.npy")[:40000]
    ref = chroma_cqt(y=y, tuning=0.0)
    s = percept.StreamingChromaCQT(tuning=0.0)
    parts = [s.process(y[i:i + 4096]) for i in range(0, len(y), 4096)] + [s.flush()]
    ch = np.concatenate(parts, axis=1)
    assert ch.shape == ref.shape
    np.testing.assert_allclose(ch, ref, atol=1e-6)


def test_cqt_processor_contract():
    y = load("in_music.npy")
    p = percept.CQTProcessor(sr=22050)
    out = np.concatenate([p.process(y[i:i + 512], sample_rate=22050) for i in range(0, len(y), 512)])
    assert np.array_equal(out, y)  # audio passes through
    F = p.pop_frames()
    assert F.shape[0] == 84 and F.shape[1] > 0
    ref = np.abs(percept.cqt(y))[:, :F.shape[1]]
    assert np.max(np.abs(F - ref)) <= 1e-6 * np.max(ref)
