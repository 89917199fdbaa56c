"""`percept fx` runs the same chain as percept.dsp.parse_chain, block by block, latency compensated."""
import os
import subprocess

import numpy as np
import soundfile as sf

import percept
import percept.dsp as dsp

PERCEPT = os.path.join(os.path.dirname(percept.__file__), "..", "..", "bin", "percept")


def _run(*args):
    return subprocess.run([PERCEPT, *args], capture_output=True, text=True, timeout=120)


def test_fx_equals_the_python_chain(tmp_path):
    sr = 44100
    t = np.arange(sr // 2) / sr
    x = np.stack([0.4 * np.sin(2 * np.pi * 300 * t), 0.3 * np.sin(2 * np.pi * 1200 * t)]).astype(np.float32)
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, x.T, sr, subtype="FLOAT")
    spec = "butterworth(order=4,cutoff_hz=2000) | vcs3(feedback=4, solver=newton) | gain(gain_db=-3)"
    r = _run("fx", str(src), str(dst), "--chain", spec, "--subtype", "FLOAT", "--block", "1000", "-q")
    assert r.returncode == 0, r.stderr
    y, sr2 = sf.read(dst, dtype="float64", always_2d=True)
    assert sr2 == sr and y.shape == (x.shape[1], 2)
    ref = dsp.parse_chain(spec, sr).process(x.astype(np.float64))
    np.testing.assert_allclose(y.T, ref, atol=1e-6)


def test_fx_compensates_latency(tmp_path):
    sr = 16000
    x = np.random.default_rng(0).uniform(-0.5, 0.5, sr).astype(np.float32)
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, x, sr, subtype="FLOAT")
    r = _run("fx", str(src), str(dst), "--chain", "delay(delay_samples=100) | gain(gain_db=0)", "--subtype", "FLOAT", "-q")
    assert r.returncode == 0, r.stderr
    y, _ = sf.read(dst, dtype="float32")
    np.testing.assert_array_equal(y, x)


def test_fx_errors_are_clear(tmp_path):
    r = _run("fx", str(tmp_path / "missing.wav"), str(tmp_path / "o.wav"), "--chain", "gain")
    assert r.returncode != 0 and "missing.wav" in r.stderr
    sf.write(tmp_path / "in.wav", np.zeros(100, dtype=np.float32), 8000)
    r = _run("fx", str(tmp_path / "in.wav"), str(tmp_path / "o.wav"), "--chain", "vcs3(feedbak=2)")
    assert r.returncode != 0 and "feedbak" in r.stderr
    r = _run("fx", "--list")
    assert r.returncode == 0 and "vcs3" in r.stdout.split()
