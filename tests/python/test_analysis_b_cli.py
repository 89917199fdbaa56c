"""`percept features` writes librosa-compatible .npy features and PNG pictures."""
import os
import subprocess

import numpy as np
import pytest
import soundfile as sf

import percept

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
CLI = os.path.join(os.path.dirname(percept.__file__), "..", "..", "bin", "percept")


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("feat") / "music.wav"
    sf.write(str(path), np.load(os.path.join(DATA, "in_music.npy")), 22050, subtype="FLOAT")
    return path


@pytest.mark.parametrize("kind,ref,tol", [("cqt", "cqt_music_mag", 1e-5), ("chroma", "chroma_cqt_music", 1e-5),
                                          ("logmel", "logmel_music", 1e-4), ("onset", "onset_env_music", 1e-5)])
def test_features_cli(wav, tmp_path, kind, ref, tol):
    out, png = tmp_path / f"{kind}.npy", tmp_path / f"{kind}.png"
    subprocess.run([CLI, "features", str(wav), "--kind", kind, "--out", str(out), "--png", str(png), "-q"],
                   check=True)
    a, b = np.load(out), np.load(os.path.join(DATA, f"{ref}.npy"))
    assert a.shape == b.shape
    assert np.max(np.abs(a - b)) <= tol * np.max(np.abs(b))
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_features_cli_errors(tmp_path):
    r = subprocess.run([CLI, "features", str(tmp_path / "missing.wav"), "--out", str(tmp_path / "x.npy")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "missing.wav" in (r.stderr + r.stdout)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    r = subprocess.run([CLI, "features", str(bad), "--out", str(tmp_path / "x.npy")], capture_output=True, text=True)
    assert r.returncode != 0
