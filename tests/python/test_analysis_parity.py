"""Parity of percept's analysis with librosa 0.10.2 (reference outputs in tests/data, produced by the
calls named in /work/shared/fixtures/librosa-0.10.2/manifest.json on float32 input at 22050 Hz).

Tolerance: spectral quantities within 1e-4 of the reference's peak magnitude (float32 arithmetic);
onset frames and beat frames identical; tempo equal.
"""
import os

import numpy as np
import pytest

import percept

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
SIGNALS = ["chirp", "music", "speech"]
SR = 22050


def load(name):
    return np.load(os.path.join(DATA, name + ".npy"))


def rel_err(a, b):
    a = np.asarray(a, dtype=np.float64) if not np.iscomplexobj(a) else np.asarray(a, dtype=np.complex128)
    b = np.asarray(b, dtype=np.float64) if not np.iscomplexobj(b) else np.asarray(b, dtype=np.complex128)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def test_stft_chirp_defaults():
    D = percept.stft(load("in_chirp"))
    ref = load("stft_chirp")
    assert D.dtype == np.complex64
    assert rel_err(D, ref) < 1e-4


def test_stft_hamming_no_center_speech():
    S = np.abs(percept.stft(load("in_speech"), n_fft=1024, hop_length=256, window="hamming", center=False))
    assert rel_err(S, load("stft1024_speech_mag")) < 1e-4


def test_istft_roundtrip_chirp():
    y = load("in_chirp")
    yi = percept.istft(percept.stft(y), length=len(y))
    assert yi.dtype == np.float32
    assert rel_err(yi, load("istft_chirp")) < 1e-4


def test_mel_filterbanks():
    assert rel_err(percept.filters.mel(sr=22050, n_fft=2048), load("melfb_default")) < 1e-6
    W = percept.filters.mel(sr=16000, n_fft=512, n_mels=40, fmin=20, fmax=8000, htk=True, norm=None)
    assert W.dtype == np.float32
    assert rel_err(W, load("melfb_htk40")) < 1e-6


@pytest.mark.parametrize("sig", SIGNALS)
def test_melspectrogram_logmel_mfcc(sig):
    y = load("in_" + sig)
    M = percept.feature.melspectrogram(y=y, sr=SR)
    assert M.dtype == np.float32 and M.shape == load("mel_" + sig).shape
    assert rel_err(M, load("mel_" + sig)) < 1e-4
    L = percept.power_to_db(M, ref=np.max)
    assert rel_err(L, load("logmel_" + sig)) < 1e-4
    C = percept.feature.mfcc(y=y, sr=SR)
    assert rel_err(C, load("mfcc_" + sig)) < 1e-4


@pytest.mark.parametrize("sig", SIGNALS)
def test_spectral_statistics(sig):
    y = load("in_" + sig)
    for name, fn in [("centroid", lambda: percept.feature.spectral_centroid(y=y, sr=SR)),
                     ("bandwidth", lambda: percept.feature.spectral_bandwidth(y=y, sr=SR)),
                     ("rolloff", lambda: percept.feature.spectral_rolloff(y=y, sr=SR)),
                     ("flatness", lambda: percept.feature.spectral_flatness(y=y)),
                     ("contrast", lambda: percept.feature.spectral_contrast(y=y, sr=SR)),
                     ("rms", lambda: percept.feature.rms(y=y)),
                     ("zcr", lambda: percept.feature.zero_crossing_rate(y))]:
        ref = load(f"{name}_{sig}")
        out = fn()
        assert out.shape == ref.shape, name
        assert rel_err(out, ref) < 1e-4, name


def test_rolloff_and_zcr_are_exact():
    for sig in SIGNALS:
        y = load("in_" + sig)
        np.testing.assert_array_equal(percept.feature.zero_crossing_rate(y), load("zcr_" + sig))
        np.testing.assert_array_equal(percept.feature.spectral_rolloff(y=y, sr=SR), load("rolloff_" + sig))


@pytest.mark.parametrize("sig", SIGNALS)
def test_onset_strength(sig):
    env = percept.onset.onset_strength(y=load("in_" + sig), sr=SR)
    assert env.dtype == np.float32
    assert rel_err(env, load("onset_env_" + sig)) < 1e-4


def test_onset_detect_frames_identical():
    onsets = percept.onset.onset_detect(y=load("in_music"), sr=SR)
    np.testing.assert_array_equal(onsets, load("onset_frames_music"))


def test_beat_track_frames_and_tempo():
    tempo, beats = percept.beat.beat_track(y=load("in_music"), sr=SR)
    np.testing.assert_array_equal(beats, load("beat_frames_music"))
    assert tempo.shape == (1,)
    assert tempo[0] == load("tempo_music")[0]


def test_chroma_stft_music():
    C = percept.feature.chroma_stft(y=load("in_music"), sr=SR)
    assert rel_err(C, load("chroma_stft_music")) < 1e-4


def test_spectrogram_input_paths_match_signal_paths():
    y = load("in_speech")
    S = np.abs(percept.stft(y))
    np.testing.assert_allclose(percept.feature.melspectrogram(S=S**2, sr=SR), percept.feature.melspectrogram(y=y),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(percept.feature.spectral_centroid(S=S), percept.feature.spectral_centroid(y=y), rtol=1e-5)
    # Parseval: with a rectangular window, rms from the spectrogram equals rms of the frames
    Sb = np.abs(percept.stft(y, window="boxcar"))
    np.testing.assert_allclose(percept.feature.rms(S=Sb), percept.feature.rms(y=y), rtol=1e-4, atol=1e-7)
    L = percept.power_to_db(percept.feature.melspectrogram(y=y))
    np.testing.assert_allclose(percept.feature.mfcc(S=L), percept.feature.mfcc(y=y), rtol=1e-5, atol=1e-4)
