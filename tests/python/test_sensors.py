"""percept.sensors without hardware: system readings, custom polling sensors, the engine's virtual
devices, lavfi video, Combined policies, a source failing mid-way, recording and loading sessions,
and a recording process killed with SIGKILL."""
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import percept
from percept import sensors

# One black 160x120 frame at 30 fps that turns white at every t = k + 0.5 s, and a 1 kHz beep
# starting at the same instants: the flash and the beep are simultaneous in the source.
FLASH_BEEP = ("lavfi:color=c=black:s=160x120:r=30,format=gray,geq=lum='if(eq(mod(N\\,30)\\,15)\\,255\\,0)',"
              "format=yuv420p[out0];aevalsrc='if(between(mod(t\\,1)\\,0.5\\,0.55)\\,0.8*cos(2*PI*1000*t)\\,0)'"
              ":s=48000[out1]")


def wait_state(src, state, timeout=10.0):
    end = time.monotonic() + timeout
    while src.state != state and time.monotonic() < end:
        time.sleep(0.01)
    return src.state


def test_system_source_reads_cpu_and_memory_on_the_clock():
    with sensors.SystemSource(rate=50) as s:
        assert s.wait(3, timeout=5)
        x, t = s.read()
    fields = s.format["fields"]
    assert fields[0] == "cpu_percent" and "mem_total_mib" in fields
    assert x.dtype == np.float64 and x.shape == (len(t), len(fields)) and len(t) >= 3
    assert np.all(np.diff(t) > 0)
    assert abs(t[-1] - percept.clock()) < 5
    cpu = x[:, 0][~np.isnan(x[:, 0])]
    assert np.all((cpu >= 0) & (cpu <= 100))
    assert np.all(x[:, fields.index("mem_total_mib")] > 0)
    st = s.stats
    assert st["state"] == "stopped" and st["items"] == len(t) and st["dropped"] == 0
    assert isinstance(s, sensors.SensorSource)  # the Python protocol every source satisfies


def test_polling_source_failing_mid_way_is_reported_and_the_others_keep_running():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) > 5:
            raise RuntimeError("sensor cable pulled")
        return [len(calls), 2.0]

    flaky_src = sensors.PollingSource(flaky, rate=100, fields=["n", "two"])
    system = sensors.SystemSource(rate=50)
    c = sensors.Combined({"flaky": flaky_src, "system": system}, policy="new")
    with c:
        assert wait_state(flaky_src, "failed") == "failed"
        before = system.stats["items"]
        assert system.wait(before + 5, timeout=5)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            data = c.read()
            data2 = c.read()
        assert [x.category for x in w] == [sensors.SourceFailedWarning]  # once, not at every read
        assert "sensor cable pulled" in c.failures["flaky"]
        assert c.stats["flaky"]["state"] == "failed"
        assert c.stats["system"]["state"] == "running"
        x, t = data["flaky"]
        assert x.shape == (5, 2) and list(x[:, 0]) == [1, 2, 3, 4, 5]  # captured before failing
        assert data["system"][0].shape[0] >= before + 5
        assert data2["flaky"][0].shape == (0, 2)
    assert system.state == "stopped"


def test_polling_source_calls_python_while_the_caller_waits_without_the_gil():
    src = sensors.PollingSource(lambda: time.perf_counter(), rate=200, fields=["t"])
    with src:
        assert src.wait(20, timeout=5)  # would deadlock if wait() held the GIL
    x, t = src.read()
    assert x.shape[0] >= 20


def test_combined_latest_and_window_policies():
    slow = sensors.PollingSource(lambda: [1.0], rate=20, fields=["slow"])
    fast = sensors.PollingSource(lambda: [2.0], rate=400, fields=["fast"])
    with sensors.Combined({"slow": slow, "fast": fast}) as c:
        assert c.reference == "slow" and c.policy == "latest"
        assert slow.wait(4, timeout=5)
        d = c.read()
        (xs, ts), (xf, tf) = d["slow"], d["fast"]
        assert xs.shape == (1, 1) and c.t_ref == ts[0]
        assert tf.shape == (1,) and tf[0] <= ts[0] and ts[0] - tf[0] < 0.05
        w = c.read("window", 0.2)
        for name, (x, t) in w.items():
            assert len(t) > 0 and t[0] >= c.t_ref - 0.2 and t[-1] <= c.t_ref
        assert len(w["fast"][1]) >= 40
    with pytest.raises(percept.ParameterError):
        sensors.Combined({"a": slow}, policy="oldest")
    with pytest.raises(percept.ParameterError):
        sensors.Combined({"a": object()})
    with pytest.raises(percept.ParameterError):
        sensors.Combined({"a": slow}, policy="window")  # needs seconds > 0


def test_avcapture_engine_audio_and_lavfi_video_on_one_clock():
    cap = percept.AVCapture(audio="virtual:tone", video="lavfi:testsrc2=size=64x48:rate=25", system=True,
                            samplerate=48000, blocksize=256)
    with cap:
        assert cap["video"].wait(20, timeout=10)
        d = cap.read()
        a, ta = d["audio"]
        v, tv = d["video"]
        s, ts = d["system"]
        assert v.shape == (1, 48, 64, 3) and v.dtype == np.uint8
        # latest: the audio window of one frame period (40 ms) ending at the frame's capture time
        assert a.dtype == np.float32 and a.shape[0] == 1 and 1800 <= a.shape[1] <= 1921
        assert ta[-1] <= tv[0] and tv[0] - ta[-1] < 0.01
        assert np.max(np.abs(a)) > 0  # the tone
        assert len(ts) <= 1
        w = cap.read("window", 0.5)
        assert 22000 <= w["audio"][0].shape[1] <= 24001  # the newest ~10 ms may still be in the ring
        assert 10 <= w["video"][0].shape[0] <= 14
    assert cap.stats["audio"]["source_dropped"] == 0


def test_flash_and_beep_align_within_one_frame_period():
    audio, video = sensors.open_media(FLASH_BEEP)
    c = sensors.Combined({"audio": audio, "video": video}, policy="new")
    with c:
        time.sleep(2.3)
        d = c.read()
    a, ta = d["audio"]
    v, tv = d["video"]
    lit = v.reshape(len(v), -1).mean(axis=1) > 128
    flashes = tv[np.flatnonzero(lit & ~np.r_[False, lit[:-1]])]
    loud = np.flatnonzero(np.abs(a[0]) > 0.1)
    onsets = ta[loud[np.r_[True, np.diff(ta[loud]) > 0.5]]]
    assert len(flashes) >= 2 and len(onsets) == len(flashes)
    assert np.all(np.abs(flashes - onsets) < 1 / 30)


def test_recorder_and_load_session_round_trip(tmp_path):
    audio, video = sensors.open_media(FLASH_BEEP)
    counter = iter(range(10**9))
    ticks = sensors.PollingSource(lambda: [next(counter)], rate=50, fields=["tick"])
    mic = sensors.AudioSource("virtual:counter", channels=2, blocksize=256)
    out = tmp_path / "session"
    with sensors.Recorder(out, {"cam": video, "media_audio": audio, "ticks": ticks, "mic": mic}) as rec:
        time.sleep(1.6)
        live_ticks = ticks.latest(1000)
    assert rec.error is None
    assert rec.stats["mic"]["items"] > 48000 and rec.stats["mic"]["lost"] == 0
    s = sensors.load_session(out)
    assert s.complete and set(s.names) == {"cam", "media_audio", "ticks", "mic"}
    x, t = s["mic"]
    assert x.shape[0] == 2 and x.shape[1] == len(t) == rec.stats["mic"]["items"]
    idx = np.round(x[0].astype(np.float64) * 2**23)
    assert np.all(np.diff(idx) % 2**23 == 1)  # every frame of the virtual counter, in order
    assert np.all(np.diff(t) > 0)
    tx, tt = s["ticks"]
    lx, lt = live_ticks
    common = np.isin(lx[:, 0], tx[:, 0])
    assert common.sum() > 40
    np.testing.assert_array_equal(tt[np.isin(tx[:, 0], lx[:, 0])], lt[common])  # same times, to the ns
    v, tv = s["cam"]
    assert v.shape[1:] == (120, 160, 3) and len(v) == len(tv) > 30
    info = sensors.session_info(out)
    assert {st["name"]: st["file"] for st in info["streams"]}["cam"] == "cam.mp4"
    w = s.window(tv[10], tv[20])
    assert len(w["cam"][1]) == 11 and w["mic"][0].shape[0] == 2
    assert w["mic"][1][0] >= tv[10] and w["mic"][1][-1] <= tv[20]
    with pytest.raises(percept.FileError):
        sensors.load_session(tmp_path / "nothing-here")
    with pytest.raises(percept.ParameterError):
        s["nope"]


CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {pypath!r})
    from percept import sensors
    audio, video = sensors.open_media({media!r})
    n = iter(range(10**9))
    ticks = sensors.PollingSource(lambda: [next(n)], rate=100, fields=["tick"])
    rec = sensors.Recorder({out!r}, {{"cam": video, "sound": audio, "ticks": ticks,
                           "system": sensors.SystemSource(rate=20)}}, audio_format={fmt!r})
    rec.start()
    print("recording", flush=True)
    time.sleep(60)
""")


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_sigkill_mid_recording_leaves_every_file_readable(tmp_path, fmt):
    out = tmp_path / "crashed"
    pypath = os.path.dirname(os.path.dirname(percept.__file__))
    code = CHILD.format(pypath=pypath, media=FLASH_BEEP, out=str(out), fmt=fmt)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "recording", proc.stderr.read()
        time.sleep(2.7)
        killed_at = percept.clock()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    s = sensors.load_session(out)
    assert not s.complete
    for name in ["cam", "sound", "ticks", "system"]:
        data, t = s[name]
        assert len(t) > 0, name
        # readable up to the last flush: at most a flush interval (1 s) plus one poll before the kill
        assert t[-1] > killed_at - 1.5, (name, killed_at - t[-1])
        assert t[-1] <= killed_at
        assert np.all(np.diff(t) > 0), name
    x, t = s["ticks"]
    assert np.all(np.diff(x[:, 0]) == 1)
    a, ta = s["sound"]
    assert a.shape == (1, len(ta)) and len(ta) > 48000
    v, tv = s["cam"]
    assert v.shape[1:] == (120, 160, 3)
    info = sensors.session_info(out)
    assert info["complete"] is False and info["stopped"] is None


def test_live_stream_aligned_then_dying_mid_way_is_reported(tmp_path):
    """A live MPEG-TS stream over UDP from an ffmpeg process: flash and beep agree within a frame
    period; when the sender dies, the media sources fail with a clear error and the system source
    keeps running."""
    import socket
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    graph = FLASH_BEEP[len("lavfi:"):]
    sender = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", graph, "-t", "30",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-c:a", "mp2",
         "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        audio, video = sensors.open_media(f"udp://127.0.0.1:{port}", "mpegts", timeout=2.0, video_history=10,
                                          audio_history=10)
        system = sensors.SystemSource(rate=20)
        c = sensors.Combined({"audio": audio, "video": video, "system": system}, policy="new")
        with c:
            time.sleep(4.2)
            d = c.read()
            sender.kill()
            sender.wait()
            assert wait_state(video, "failed", 10) == "failed"
            assert wait_state(audio, "failed", 10) == "failed"
            n = system.stats["items"]
            assert system.wait(n + 5, timeout=5)
            assert system.state == "running"
            assert "no data for 2" in c.failures["video"], c.failures
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
    a, ta = d["audio"]
    v, tv = d["video"]
    lit = v.reshape(len(v), -1).mean(axis=1) > 128
    flashes = tv[np.flatnonzero(lit & ~np.r_[False, lit[:-1]])]
    loud = np.flatnonzero(np.abs(a[0]) > 0.1)
    onsets = ta[loud[np.r_[True, np.diff(ta[loud]) > 0.5]]]
    # Pair each flash with its beep; after the first second the offset estimate has settled.
    diffs = [f - onsets[np.argmin(np.abs(onsets - f))] for f in flashes if f > tv[0] + 1.0]
    assert len(diffs) >= 2
    assert np.all(np.abs(diffs) < 1 / 30), diffs


def test_recording_goes_on_when_a_source_fails_and_the_session_says_so(tmp_path):
    calls = []

    def dying():
        calls.append(1)
        if len(calls) > 10:
            raise OSError("I2C bus error")
        return [float(len(calls))]

    out = tmp_path / "s"
    with sensors.Recorder(out, {"imu": sensors.PollingSource(dying, rate=100, fields=["x"]),
                                "system": sensors.SystemSource(rate=50)}):
        time.sleep(0.8)
    s = sensors.load_session(out)
    x, t = s["imu"]
    assert list(x[:, 0]) == [float(i) for i in range(1, 11)]  # everything before the failure
    assert len(s["system"][1]) >= 30  # the other stream kept recording
    imu = {st["name"]: st for st in s.info["streams"]}["imu"]
    assert "I2C bus error" in imu["error"]
    assert {st["name"]: st for st in s.info["streams"]}["system"]["error"] is None


def test_dropping_running_sources_without_stop_does_not_deadlock():
    """The last reference to a running PollingSource (or to a Combined holding it) may go away while its
    thread waits for the GIL to call the function: deletion releases the GIL while joining."""
    code = textwrap.dedent("""
        import sys, time
        sys.path.insert(0, {pypath!r})
        from percept import sensors
        for i in range(10):
            s = sensors.PollingSource(lambda: (time.sleep(0.001), [1.0])[1], rate=5000, fields=["t"])
            s.start()
            time.sleep(0.03)
            c = sensors.Combined({{"a": s}})
            del s, c
        print("ok")
    """).format(pypath=os.path.dirname(os.path.dirname(percept.__file__)))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr
