"""`percept capture` and `percept session info` without hardware (virtual audio, lavfi video)."""
import os
import subprocess

import numpy as np
import pytest

from percept import sensors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERCEPT = os.environ.get("PERCEPT_CLI", os.path.join(ROOT, "build", "bin", "percept"))


def run(*args, check=True):
    p = subprocess.run([PERCEPT, *args], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"percept {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def test_capture_records_a_session_and_session_info_reads_it(tmp_path):
    out = tmp_path / "s"
    p = run("capture", "--audio", "virtual:tone", "--video", "lavfi:testsrc2=size=96x72:rate=20", "--system",
            "--seconds", "2", "--out", str(out), "--view", "on")
    assert "captured" in p.stdout
    assert "dBFS" in p.stderr and "fps" in p.stderr and "dropped" in p.stderr  # the live view
    s = sensors.load_session(out)
    assert s.complete and set(s.names) == {"audio", "video", "system"}
    a, ta = s["audio"]
    assert a.shape[0] == 1 and 1.5 * 48000 < a.shape[1] < 2.5 * 48000
    v, tv = s["video"]
    assert v.shape[1:] == (72, 96, 3) and 25 <= len(tv) <= 50
    x, tx = s["system"]
    assert x.shape[1] == len(sensors.SystemSource().fields)
    info = run("session", "info", str(out)).stdout
    for word in ["audio.wav", "video.mp4", "system.csv", "48000.000", "recorded"]:
        assert word in info, info


def test_capture_with_one_media_input_and_flac(tmp_path):
    out = tmp_path / "m"
    run("capture", "--media", "lavfi:testsrc2=size=64x48:rate=25[out0];sine=f=440:r=44100[out1]", "--seconds", "1.5",
        "--out", str(out), "--audio-format", "flac", "--view", "off")
    s = sensors.load_session(out)
    a, ta = s["audio"]
    assert s.stream_info("audio")["file"] == "audio.flac" and s.stream_info("audio")["rate"] == 44100
    f = np.fft.rfft(a[0][:44100 // 2])
    assert abs(np.argmax(np.abs(f)) * 2 - 440) <= 2  # the sine came through


def test_capture_and_session_errors(tmp_path):
    p = run("capture", "--seconds", "1", check=False)
    assert p.returncode == 1 and "nothing to capture" in p.stderr
    p = run("capture", "--audio", "no-such-device-percept", "--seconds", "1", check=False)
    assert p.returncode == 1 and "could not start" in p.stderr
    p = run("session", "info", str(tmp_path / "nothing"), check=False)
    assert p.returncode == 1 and "not a directory" in p.stderr
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    p = run("capture", "--system", "--seconds", "0.5", "--out", str(tmp_path / "busy"), check=False)
    assert p.returncode == 1 and "not an empty directory" in p.stderr
