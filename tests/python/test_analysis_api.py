"""percept's analysis API: streaming analysers from Python, batch processing, normalisation helpers,
torch interop and error handling."""
import os

import numpy as np
import pytest

import percept

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
SR = 22050


def load(name):
    return np.load(os.path.join(DATA, name + ".npy"))


def stream(analyser, y, chunk):
    parts = [analyser.process_chunk(y[i:i + chunk]) for i in range(0, len(y), chunk)]
    parts.append(analyser.flush())
    return np.concatenate(parts, axis=1)


@pytest.mark.parametrize("chunk", [1, 64, 4097, 60 * SR])
def test_streaming_logmel_matches_offline(chunk):
    y = load("in_speech")[:30000] if chunk == 1 else load("in_speech")
    ref = percept.power_to_db(percept.feature.melspectrogram(y=y, sr=SR), ref=1.0, top_db=None)
    out = stream(percept.streaming.StreamingMel(sr=SR), y, chunk)
    assert out.shape == ref.shape
    assert np.max(np.abs(out - ref)) <= 1e-6 * max(1.0, np.max(np.abs(ref)))


def test_streaming_stft_mfcc_onset_chroma_stats_match_offline():
    y = load("in_music")
    D = percept.stft(y)
    np.testing.assert_allclose(stream(percept.streaming.StreamingSTFT(sr=SR), y, 333), D, rtol=0, atol=1e-6 * np.abs(D).max())
    L = percept.power_to_db(percept.feature.melspectrogram(y=y, sr=SR), top_db=None)
    M = percept.feature.mfcc(S=L, n_mfcc=13)
    np.testing.assert_allclose(stream(percept.streaming.StreamingMFCC(sr=SR, n_mfcc=13), y, 1000), M,
                               rtol=0, atol=1e-6 * np.abs(M).max())
    env = percept.onset.onset_strength(S=L, sr=SR)
    out = stream(percept.streaming.StreamingOnsetStrength(sr=SR), y, 257)
    np.testing.assert_allclose(out[0], env, rtol=0, atol=1e-6 * np.abs(env).max())
    C = percept.feature.chroma_stft(y=y, sr=SR, tuning=0.0)
    np.testing.assert_allclose(stream(percept.streaming.StreamingChroma(sr=SR), y, 4096), C, rtol=0, atol=1e-6)
    st = stream(percept.streaming.StreamingSpectralStats(sr=SR), y, 700)
    np.testing.assert_allclose(st[0], percept.feature.spectral_centroid(y=y, sr=SR)[0], rtol=1e-6)
    np.testing.assert_allclose(st[3], percept.feature.spectral_flatness(y=y)[0], rtol=1e-6)


def test_streaming_processor_path_queues_frames():
    a = percept.streaming.StreamingMel(sr=48000, n_fft=1024, hop_length=480, n_mels=64)
    y = (0.1 * np.sin(np.arange(48000) * 0.05)).astype(np.float32)
    out = a.process(y, sample_rate=48000)
    np.testing.assert_array_equal(out, y)
    frames = a.read_frames()
    assert frames.shape == (64, 1 + (48000 - 512) // 480)
    assert a.read_frames().shape[1] == 0
    assert isinstance(a, percept._percept.Processor)


def test_batch_rows_equal_single_calls():
    Y = np.stack([load("in_chirp"), load("in_music")[:88200], load("in_speech")[:88200]])
    M = percept.feature.melspectrogram(y=Y, sr=SR)
    assert M.shape == (3, 128, 173)
    for i in range(3):
        np.testing.assert_array_equal(M[i], percept.feature.melspectrogram(y=Y[i], sr=SR))
    C = percept.feature.mfcc(y=Y.reshape(3, 1, -1), sr=SR)
    assert C.shape == (3, 1, 20, 173)
    np.testing.assert_array_equal(C[1, 0], percept.feature.mfcc(y=Y[1], sr=SR))
    D = percept.stft(Y)
    assert D.shape == (3, 1025, 173)
    np.testing.assert_array_equal(D[2], percept.stft(Y[2]))


def test_batch_files(tmp_path):
    paths = []
    for i, name in enumerate(["in_chirp", "in_speech"]):
        p = tmp_path / f"{i}.wav"
        percept.write(str(p), load(name), SR, subtype="FLOAT")
        paths.append(str(p))
    feats = percept.batch.features(paths, "logmel", sr=SR)
    assert len(feats) == 2
    ref = percept.power_to_db(percept.feature.melspectrogram(y=load("in_chirp"), sr=SR), ref=np.max)
    np.testing.assert_allclose(feats[0], ref, atol=1e-4)
    loaded = percept.batch.load_many(paths, sr=16000)
    assert loaded[1][1] == 16000 and loaded[1][0].dtype == np.float32
    with pytest.raises(percept.Error):
        percept.batch.load_many([str(tmp_path / "missing.wav")])


def test_band_standardizer_partial_fit_equals_full_fit(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(4, 40, 300)).astype(np.float32)
    full = percept.util.BandStandardizer().fit(np.concatenate(list(X), axis=-1))
    parts = percept.util.BandStandardizer()
    for x in X:
        parts.partial_fit(x)
    np.testing.assert_allclose(parts.mean_, full.mean_, rtol=1e-10)
    np.testing.assert_allclose(parts.std_, full.std_, rtol=1e-10)
    Z = parts.transform(X)
    assert Z.dtype == np.float32 and Z.shape == X.shape
    flat = np.moveaxis(Z, -2, 0).reshape(40, -1)
    np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(flat.std(axis=1), 1, atol=1e-4)
    np.testing.assert_allclose(parts.inverse_transform(Z), X, rtol=1e-4, atol=1e-4)
    native = parts.to_native()
    np.testing.assert_allclose(native.transform(X), Z, rtol=1e-5, atol=1e-5)
    cxx = percept._percept.analysis.BandStandardizer()
    for x in X:
        cxx.partial_fit(x)
    np.testing.assert_allclose(cxx.mean, parts.mean_, rtol=1e-10)
    np.testing.assert_allclose(cxx.std, parts.std_, rtol=1e-10)
    path = tmp_path / "stats.npz"
    parts.save(path)
    again = percept.util.BandStandardizer.load(path)
    np.testing.assert_array_equal(again.transform(X), Z)
    with pytest.raises(percept.ParameterError):
        again.transform(np.zeros((10, 5), dtype=np.float32))
    with pytest.raises(percept.FileError):
        percept.util.BandStandardizer.load(tmp_path / "nope.npz")


def test_torch_and_dlpack_share_memory():
    import torch
    M = percept.feature.melspectrogram(y=load("in_chirp"), sr=SR)
    t = percept.util.to_torch(M)
    assert tuple(t.shape) == M.shape and t.dtype == torch.float32
    M[0, 0] = 123.0
    assert float(t[0, 0]) == 123.0
    back = percept.util.from_dlpack(t)
    assert np.shares_memory(back, M)
    cap = percept.util.to_dlpack(M)
    assert type(cap).__name__ == "PyCapsule"


def test_normalize_matches_librosa_semantics():
    S = np.array([[1.0, 0.0], [3.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(percept.util.normalize(S), [[1 / 3, 0], [1, 0]])
    np.testing.assert_allclose(percept.util.normalize(S, norm=2, fill=True)[:, 1], [2 ** -0.5, 2 ** -0.5])


def test_errors_are_percept_errors():
    with pytest.raises(percept.ParameterError):
        percept.stft(np.zeros(100, dtype=np.int16))
    with pytest.raises(percept.ParameterError):
        percept.stft(np.array([0.0, np.nan, 1.0], dtype=np.float32))
    with pytest.raises(percept.ParameterError):
        percept.stft(np.zeros(0, dtype=np.float32))
    with pytest.raises(percept.ParameterError):
        percept.stft(np.zeros(4096, dtype=np.float32), window="kaiser")
    with pytest.raises(percept.ParameterError):
        percept.stft(np.zeros(4096, dtype=np.float32), pad_mode="wrap")
    with pytest.raises(percept.ParameterError):
        percept.feature.mfcc(y=np.zeros(4096, dtype=np.float32), n_mfcc=500)
    with pytest.raises(percept.ParameterError):
        percept.power_to_db(np.ones(3), amin=0)
    with pytest.raises(percept.ParameterError):
        percept.power_to_db(np.array([1.0, np.nan]))
    with pytest.raises(percept.ParameterError):
        percept.feature.spectral_centroid(S=np.ones((1, 10), dtype=np.float32))
    with pytest.raises(percept.ParameterError):
        percept.streaming.StreamingMel(sr=22050).process_chunk(np.array([np.inf], dtype=np.float32))
    with pytest.raises(percept.ParameterError):
        percept.filters.mel(sr=22050, n_fft=2048, fmin=20000)
    with pytest.raises(percept.ParameterError):
        percept.beat.beat_track(onset_envelope=np.ones((2, 3), dtype=np.float32))


def test_silence_gives_no_beats_and_no_onsets():
    z = np.zeros(22050, dtype=np.float32)
    tempo, beats = percept.beat.beat_track(y=z, sr=SR)
    assert tempo[0] == 0 and beats.size == 0
    assert percept.onset.onset_detect(y=z, sr=SR).size == 0


def test_dtypes_follow_librosa():
    y32 = load("in_chirp")
    y64 = y32.astype(np.float64)
    assert percept.stft(y32).dtype == np.complex64
    assert percept.stft(y64).dtype == np.complex128
    assert percept.feature.melspectrogram(y=y64).dtype == np.float64
    np.testing.assert_allclose(percept.feature.melspectrogram(y=y64), percept.feature.melspectrogram(y=y32),
                               rtol=1e-4, atol=1e-4)
    mag, phase = percept.magphase(percept.stft(y32))
    assert mag.dtype == np.float32 and phase.dtype == np.complex64
    np.testing.assert_allclose(mag * phase, percept.stft(y32), atol=1e-5)


def test_streaming_double_input_no_center_and_channel_average():
    y = load("in_chirp")
    # float64 chunks are analysed in float32: same frames as the offline call on float32 samples
    ref = percept.feature.melspectrogram(y=y, sr=SR, n_fft=1024, hop_length=300, center=False, n_mels=40)
    a = percept.streaming.StreamingMel(sr=SR, n_fft=1024, hop_length=300, center=False, n_mels=40, log=False)
    out = stream(a, y.astype(np.float64), 999)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-6 * ref.max())
    # process() averages the channels: a stereo pair (y, y) gives the frames of y
    b = percept.streaming.StreamingMel(sr=SR)
    b.set_queue_frames(4096)
    b.process(np.stack([y, y]), sample_rate=SR)
    c = percept.streaming.StreamingMel(sr=SR)
    c.set_queue_frames(4096)
    c.process(y, sample_rate=SR)
    np.testing.assert_array_equal(b.read_frames(), c.read_frames())
    assert a.latency == 1024 and b.latency == 1024


def test_zero_crossing_options_and_other_dct_types():
    import scipy.fft

    y = load("in_speech")
    base = percept.feature.zero_crossing_rate(y)
    # pad=True counts the first sample of each frame as a crossing: exactly +1/frame_length
    np.testing.assert_allclose(percept.feature.zero_crossing_rate(y, pad=True), base + 1 / 2048, atol=1e-12)
    assert percept.feature.zero_crossing_rate(y, zero_pos=False).shape == base.shape
    L = percept.power_to_db(percept.feature.melspectrogram(y=y))
    M3 = percept.feature.mfcc(y=y, dct_type=3, n_mfcc=13)
    np.testing.assert_allclose(M3, scipy.fft.dct(L, axis=-2, type=3, norm="ortho")[:13], rtol=1e-5, atol=1e-3)
    with pytest.raises(percept.ParameterError):
        percept.feature.mfcc(y=y, dct_type=4)


def test_streaming_spectral_stats_rows_and_stft_outputs():
    y = load("in_speech")
    st = stream(percept.streaming.StreamingSpectralStats(sr=SR), y, 1234)
    S = percept.feature._spectrogram(y=y)[0]  # float32 magnitude, the streaming analyser's input
    A = percept._percept.analysis
    np.testing.assert_allclose(st[1], A.spectral_stat("bandwidth", S, SR)[0], rtol=1e-6)
    np.testing.assert_array_equal(st[2], A.spectral_stat("rolloff", S, SR)[0])
    contrast = A.spectral_contrast(S, SR, 200.0, 6, 0.02, False, None)
    np.testing.assert_allclose(st[4:], contrast, rtol=0, atol=1e-6 * np.abs(contrast).max())
    mag = stream(percept.streaming.StreamingSTFT(sr=SR, output="magnitude"), y, 4096)
    ref = np.abs(percept.stft(y))
    np.testing.assert_allclose(mag, ref, rtol=0, atol=1e-6 * ref.max())
    pw = stream(percept.streaming.StreamingSTFT(sr=SR, output="power"), y, 4096)
    np.testing.assert_allclose(pw, ref**2, rtol=0, atol=1e-6 * (ref**2).max())
    with pytest.raises(percept.ParameterError):
        percept.streaming.StreamingSTFT(output="phase")
