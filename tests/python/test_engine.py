"""percept.InputStream / OutputStream / Duplex on the virtual device and on a private JACK dummy server."""
import sys
import time

import numpy as np
import pytest

import percept

SCALE = float(1 << 23)


def device_counter(first, n, channel=0):
    """Frames first..first+n-1 of channel `channel` of the virtual:counter device."""
    k = (np.arange(first, first + n, dtype=np.int64) % (1 << 23)) + channel
    return (k.astype(np.float32) / np.float32(SCALE)).astype(np.float32)


def hold_gil(seconds):
    """Busy-waits in pure Python without letting the GIL go (no other Python thread may run)."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass
    finally:
        sys.setswitchinterval(old)


def test_devices_lists_virtual_devices():
    devs = percept.devices()
    names = [d["name"] for d in devs]
    assert names[:4] == ["virtual", "virtual:tone", "virtual:counter", "virtual:silence"]
    assert devs[0]["max_output_channels"] > 0 and "float32" in devs[0]["formats"]
    apis = {a["name"]: a for a in percept.host_apis()}
    assert apis["virtual"]["available"]


def test_input_stream_is_gapless_and_reports_negotiated_settings():
    with percept.InputStream("virtual:counter", samplerate=48000, channels=2, blocksize=64) as s:
        assert s.negotiated["samplerate"] == 48000 and s.negotiated["blocksize"] == 64
        x = s.read(4800, timeout=2.0)
        assert x.shape == (2, 4800) and x.dtype == np.float32
        np.testing.assert_array_equal(x[0], device_counter(0, 4800, 0))
        np.testing.assert_array_equal(x[1], device_counter(0, 4800, 1))
        assert s.last_read["first_frame"] == 0 and s.last_read["lost_frames"] == 0
        assert s.overflows == 0


def test_python_consumer_stalling_100ms_holding_the_gil_loses_nothing():
    with percept.InputStream("virtual:counter", samplerate=48000, channels=1, blocksize=64,
                             buffer_seconds=0.5) as s:
        got = [s.read(480, timeout=2.0)]
        frames_before = s._engine.stats()["frames"]
        hold_gil(0.1)
        frames_during = s._engine.stats()["frames"]  # read while still holding the GIL
        for _ in range(40):
            got.append(s.read(480, timeout=2.0))
        x = np.concatenate(got)
        np.testing.assert_array_equal(x, device_counter(0, x.size))
        assert s.overflows == 0
        assert s.last_read["lost_frames"] == 0
        # The callback kept running while Python held the GIL: it never needs it.
        assert frames_during > frames_before


def test_stall_longer_than_the_buffer_reports_exactly_what_was_lost():
    with percept.InputStream("virtual:counter", samplerate=48000, channels=1, blocksize=64,
                             buffer_seconds=0.05) as s:
        s.read(480, timeout=2.0)
        time.sleep(0.3)
        x = s.read(480, timeout=2.0)
        info = s.last_read
        assert info["lost_frames"] > 0
        assert info["lost_from"] == 480
        assert info["first_frame"] == 480 + info["lost_frames"]
        np.testing.assert_array_equal(x, device_counter(info["first_frame"], 480))
        assert s.overflows == info["lost_frames"]


def test_latest_and_dtypes():
    with percept.InputStream("virtual:counter", samplerate=48000, channels=1, blocksize=64, dtype="int32") as s:
        s.read(960, timeout=2.0)
        y = s.latest(256)
        assert y.shape == (256,) and y.dtype == np.int32
        d = np.diff(y.astype(np.int64))
        assert np.all(d == 256)  # consecutive counter frames: 1/2^23 apart = 256 int32 steps
    with percept.InputStream("virtual:tone", samplerate=16000, channels=1, blocksize=160, dtype="int16") as s:
        x = s.read(1600, timeout=2.0)
        assert x.dtype == np.int16 and np.abs(x).max() > 100


def test_errors_are_percept_errors():
    with pytest.raises(percept.DeviceError):
        percept.InputStream("no-such-device")
    with pytest.raises(percept.ParameterError):
        percept.InputStream("virtual:tone", dtype="uint8")
    with pytest.raises(percept.ParameterError):
        percept.Duplex(chain=[object()], device="virtual")
    with percept.InputStream("virtual:silence", samplerate=48000, blocksize=64) as s:
        with pytest.raises(percept.TimeoutError):
            s.read(48000, timeout=0.05)
    s = percept.InputStream("virtual:silence", samplerate=48000, blocksize=64)
    with pytest.raises(percept.StreamError, match="not running"):
        s.read(480)  # never started: an error, not a hang
    with s:
        s.read(480, timeout=2.0)
    with pytest.raises(percept.StreamError):
        s.read(48000)  # stopped: what is left, then an error


def test_output_stream_plays_and_counts_underruns():
    with percept.OutputStream("virtual", samplerate=48000, channels=1, blocksize=64, preroll=256) as s:
        s.write(np.full(4800, 0.1, dtype=np.float32), timeout=2.0)
        s.drain(timeout=2.0)
        time.sleep(0.05)
        assert s.underruns > 0  # nothing queued after the tone: silence, counted
        with pytest.raises(percept.ParameterError):
            s.write(np.array([0.0, np.nan], dtype=np.float32))


def test_duplex_on_virtual_device_measures_configured_latency():
    chain = [percept.dsp.Gain(-6.0)]
    with percept.Duplex(chain=chain, device="virtual", samplerate=48000, channels=1, blocksize=64, periods=3) as d:
        lat = d.measure_latency(timeout=5.0)
        assert lat["frames"] == 192 == lat["expected_frames"]
        assert lat["ms"] == pytest.approx(4.0)
        assert d.stats["round_trip"]["frames"] == 192


def test_duplex_counter_through_jack_loopback_and_server_death():
    with percept.JackDummyServer(samplerate=48000, blocksize=64) as server:
        chain = "counter"  # the chain syntax: built by percept.dsp.parse_chain for the stream's rate
        with percept.Duplex(chain=chain, device="jack:" + server.name, samplerate=48000, channels=1, blocksize=64,
                            capture="input", loopback=True) as d:
            assert d.negotiated["host_api"] == "JACK"
            got = [d.read(4800, timeout=5.0) for _ in range(20)]  # 2 s
            hold_gil(0.1)
            got += [d.read(4800, timeout=5.0) for _ in range(5)]
            x = np.concatenate(got)
            start = np.flatnonzero(x)[0]
            k0 = int(round(float(x[start]) * SCALE)) - 1
            expected = ((np.arange(x.size - start, dtype=np.int64) + k0) % (1 << 23) + 1).astype(np.float32) / np.float32(SCALE)
            np.testing.assert_array_equal(x[start:], expected)
            assert d.overflows == 0
            server.kill()
            t0 = time.monotonic()
            with pytest.raises(percept.StreamError, match="shut down"):
                while True:
                    d.read(480, timeout=5.0)
            assert time.monotonic() - t0 < 5.0
