"""The percept command: info, convert (streaming, resampling, downmix), errors as one clear line."""
import pathlib
import subprocess

import numpy as np
import pytest

import percept

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "percept"


def run(*args, check=True):
    p = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"percept {args} failed ({p.returncode}): {p.stderr}")
    return p


def test_help_lists_the_commands():
    out = run("--help").stdout
    for cmd in ("info", "convert"):
        assert cmd in out


def test_info_prints_the_header(tmp_path):
    percept.write(tmp_path / "a.flac", np.zeros((2, 4800), np.float32), 48000, subtype="PCM_24")
    out = run("info", tmp_path / "a.flac").stdout
    assert "FLAC" in out and "PCM_24" in out and "48000 Hz" in out and "4800" in out


def test_convert_resamples_downmixes_and_matches_load(tmp_path):
    rng = np.random.default_rng(1)
    y = (0.2 * rng.standard_normal((2, 44100 * 3))).astype(np.float32)
    percept.write(tmp_path / "in.wav", y, 44100, subtype="FLOAT")
    run("convert", tmp_path / "in.wav", tmp_path / "out.wav", "--sr", 22050, "--mono", "--subtype", "FLOAT")
    info = percept.info(tmp_path / "out.wav")
    assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "FLOAT")
    converted, _ = percept.load(tmp_path / "out.wav", sr=None)
    loaded, _ = percept.load(tmp_path / "in.wav", sr=22050)
    assert converted.shape == loaded.shape
    # block-by-block libsoxr equals the one-shot conversion up to float rounding
    assert np.max(np.abs(converted - loaded)) < 1e-5


def test_convert_changes_container_and_keeps_integer_samples(tmp_path):
    codes = np.random.default_rng(2).integers(-32768, 32768, size=(1, 5000)).astype(np.float64) / 32768
    percept.write(tmp_path / "in.wav", codes, 16000)
    run("convert", tmp_path / "in.wav", tmp_path / "out.flac", "-q")
    back, _ = percept.load(tmp_path / "out.flac", sr=None, dtype=np.float64)
    np.testing.assert_array_equal(back, codes[0])


@pytest.mark.parametrize("args,needle", [
    (("info", "/nonexistent/x.wav"), "No such file"),
    (("convert", "/nonexistent/x.wav", "/tmp/y.wav"), "No such file"),
])
def test_errors_are_one_clear_line_and_exit_1(args, needle):
    p = run(*args, check=False)
    assert p.returncode == 1
    assert needle in p.stderr and p.stderr.startswith("percept: error:")


def test_convert_refuses_an_unknown_output_format(tmp_path):
    percept.write(tmp_path / "in.wav", np.zeros(100, np.float32), 8000)
    p = run("convert", tmp_path / "in.wav", tmp_path / "out.xyz", check=False)
    assert p.returncode == 1 and ".xyz" in p.stderr


def test_usage_errors_fail_with_usage_status():
    assert run("convert", check=False).returncode != 0
    assert run("nosuchcommand", check=False).returncode != 0
