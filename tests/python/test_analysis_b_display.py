"""percept.display.specshow renders PNG pictures of spectrograms."""
import numpy as np
import pytest

import percept
import percept.display


def test_specshow_png(tmp_path):
    rng = np.random.default_rng(0)
    S = rng.random((128, 200)).astype(np.float32) * -80
    out = tmp_path / "mel.png"
    img = percept.display.specshow(S, x_axis="time", y_axis="mel", sr=22050, title="log-mel",
                                   colorbar_label="dB", out=str(out))
    assert img.shape == (450, 900, 3) and img.dtype == np.uint8
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for y_axis in ["linear", "log", "cqt_hz", "chroma", None]:
        percept.display.specshow(np.abs(S[:12] if y_axis == "chroma" else S), x_axis="frames", y_axis=y_axis)


def test_specshow_errors():
    with pytest.raises(percept.ParameterError):
        percept.display.specshow(np.zeros((3, 4, 5)))
    with pytest.raises(percept.ParameterError):
        percept.display.specshow(np.zeros((12, 10)), y_axis="bogus")
    with pytest.raises(percept.ParameterError):
        percept.display.specshow(np.zeros((12, 10), dtype=np.complex64))
