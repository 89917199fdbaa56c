"""percept.video without a camera: lavfi test sources, files written here, and live streams served by an
ffmpeg process each test starts and always stops."""
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import percept
from percept import video

FFMPEG = shutil.which("ffmpeg")
PERCEPT_CLI = Path(percept.__file__).resolve().parents[2] / "bin" / "percept"
GRAPH = "testsrc2=size=320x240:rate=30"


def ffmpeg_raw(graph, frames, pix_fmt, extra=()):
    out = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", graph, "-frames:v", str(frames),
                          *extra, "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"], check=True, capture_output=True)
    return np.frombuffer(out.stdout, np.uint8)


class Server:
    """An ffmpeg process serving a stream; killed and reaped on exit."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def free_port():
    return random.randint(20000, 60000)


def make_clip(path, n=30, fps=15.0, size=(160, 120)):
    w, h = size
    frames = []
    with video.VideoWriter(str(path), size, fps) as wr:
        for t in range(n):
            img = np.zeros((h, w, 3), np.uint8)
            img[..., 0] = (np.arange(w) * 2 + 5 * t) % 256
            img[..., 1] = (np.arange(h)[:, None] * 2) % 256
            img[..., 2] = (60 + 6 * t) % 256
            wr.write(img)
            frames.append(img)
        assert wr.frames_written == n
    return frames


def psnr(a, b):
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return 99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def open_fds():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("pixel_format,pix_fmt", [("bgr", "bgr24"), ("rgb", "rgb24"), ("gray", "gray")])
def test_testsrc2_pixels_equal_ffmpeg_rawvideo(pixel_format, pix_fmt):
    raw = ffmpeg_raw(GRAPH, 3, pix_fmt)
    with video.VideoSource("lavfi:" + GRAPH, pixel_format=pixel_format, mode="every") as src:
        got = [src.read(timeout=10) for _ in range(3)]
    shape = (240, 320, 3) if pixel_format != "gray" else (240, 320)
    ref = raw.reshape((3,) + shape)
    for i, f in enumerate(got):
        assert f.image.shape == shape and f.image.dtype == np.uint8
        np.testing.assert_array_equal(f.image, ref[i])
        assert f.pts == pytest.approx(i / 30.0)
        assert f.index == i


def test_yuv420p_planes_equal_ffmpeg_rawvideo():
    raw = ffmpeg_raw(GRAPH, 1, "yuv420p")
    with video.VideoSource("lavfi:" + GRAPH, pixel_format="yuv420p", mode="every") as src:
        y, u, v = src.read(timeout=10).image
    assert y.shape == (240, 320) and u.shape == (120, 160) and v.shape == (120, 160)
    np.testing.assert_array_equal(np.concatenate([y.ravel(), u.ravel(), v.ravel()]), raw)


def test_frames_are_zero_copy_readonly_views_with_times_on_percept_clock():
    before = percept.clock()
    with video.VideoSource("lavfi:" + GRAPH, mode="every") as src:
        f = src.read(timeout=10)
        after = percept.clock()
        img = f.image
        assert not img.flags.writeable and not img.flags.owndata
        assert np.asarray(f).shape == (240, 320, 3)
        assert before <= f.capture_time <= after
        assert f.capture_ns == pytest.approx(f.capture_time * 1e9, abs=1e3)
    # The array keeps the frame alive after the source is gone.
    del src, f
    assert int(img.sum()) > 0


def test_writer_roundtrip_iteration_and_every_mode_loses_nothing(tmp_path):
    clip = tmp_path / "clip.mp4"
    ref = make_clip(clip)
    info = video.probe(clip)
    assert info["codec"] == "h264" and info["size"] == (160, 120)
    assert info["fps"] == pytest.approx(15.0) and info["duration"] == pytest.approx(2.0, abs=0.1)
    with video.VideoSource(clip, mode="every", queue_size=2) as src:
        got = []
        for f in src:
            if len(got) < 3:
                time.sleep(0.02)  # a slow reader: the decoder waits, nothing is dropped
            got.append(f)
        stats = src.stats
    assert len(got) == len(ref)
    assert stats["dropped"] == 0 and stats["delivered"] == len(ref) and stats["ended"]
    for i, f in enumerate(got):
        assert f.pts == pytest.approx(i / 15.0)
        assert psnr(f.image, ref[i]) > 28


def test_frames_every_seconds_seeks_by_time(tmp_path):
    clip = tmp_path / "clip.mp4"
    ref = make_clip(clip, n=30, fps=10.0)
    got = list(video.frames(clip, every_seconds=0.5))
    assert [round(f.pts, 6) for f in got] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    for f in got:
        assert psnr(f.image, ref[round(f.pts * 10)]) > 28
    # Targets 2.5 s apart are reached by seeking; a target between frames gives the next frame.
    far = list(video.frames(clip, every_seconds=2.5, start=0.25, end=2.8))
    assert [round(f.pts, 6) for f in far] == [0.3, 2.8]
    assert psnr(far[1].image, ref[28]) > 28
    assert len(list(video.frames(clip))) == 30
    with pytest.raises(percept.ParameterError):
        list(video.frames(clip, every_seconds=0))


def test_latest_mode_skips_and_counts_never_stale():
    with video.VideoSource("lavfi:testsrc2=size=64x48:rate=1000") as src:
        a = src.read(timeout=10)
        time.sleep(0.05)
        b = src.read(timeout=10)
        assert b.index > a.index + 1
        assert src.latest().index >= b.index
    s = src.stats  # final counts stay readable after close
    assert s["dropped"] > 0 and not s["running"]
    assert s["decoded"] == s["delivered"] + s["dropped"] + s["queued"]
    with pytest.raises(percept.StreamError):
        src.read()


def test_a_generated_source_in_latest_mode_plays_at_its_frame_rate():
    # Paced like a camera: a prompt reader sees every frame (unpaced, lavfi would race ahead and skip).
    with video.VideoSource("lavfi:testsrc2=size=64x48:rate=5") as src:
        got = [src.read(timeout=10) for _ in range(4)]
        assert [f.index for f in got] == [0, 1, 2, 3]
        assert src.stats["dropped"] == 0
    with video.VideoSource("lavfi:testsrc2=size=64x48:rate=5", realtime=False) as src:
        src.read(timeout=10)
        time.sleep(0.1)
        assert src.read(timeout=10).index > 1


def test_read_timeout_raises_instead_of_hanging():
    with video.VideoSource("lavfi:testsrc2=size=64x48:rate=1", realtime=True) as src:
        assert src.read(timeout=10) is not None
        with pytest.raises(percept.TimeoutError):
            src.read(timeout=0.05)  # the next frame is due in a second


def test_ctrl_c_interrupts_a_waiting_read_and_other_threads_run():
    import signal
    import threading
    with video.VideoSource("lavfi:testsrc2=size=64x48:rate=0.1") as src:  # a frame every 10 s
        assert src.read(timeout=10) is not None
        ticks = []
        worker = threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) for _ in range(10)])
        timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
        worker.start()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            src.read()  # waits without the GIL; the signal ends the wait
        worker.join()
        timer.join()
        assert len(ticks) == 10  # the other thread ran while read() waited
    assert src.closed


def test_context_manager_and_exception_release_everything(tmp_path):
    clip = tmp_path / "clip.mp4"
    make_clip(clip, n=10)
    baseline = open_fds()
    with pytest.raises(ZeroDivisionError):
        with video.VideoSource(clip, mode="every", queue_size=1) as src:
            src.read(timeout=10)
            assert open_fds() > baseline
            1 / 0  # the reading code crashes while the decoder waits for room
    assert src.closed
    assert open_fds() == baseline
    # The destructor also releases: no context manager, just dropping the last reference.
    s2 = video.VideoSource(clip, mode="every", queue_size=1)
    s2.read(timeout=10)
    del s2
    assert open_fds() == baseline


def test_live_udp_stream_latest_frame_age_is_measured():
    port = free_port()
    with Server("-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-c:v", "mpeg2video", "-q:v", "5",
                "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"):
        with video.VideoSource(f"udp://127.0.0.1:{port}?overrun_nonfatal=1&fifo_size=50000", mode="latest") as src:
            assert src.info["live"]
            last = None
            ages = []
            for _ in range(6):
                time.sleep(0.2)
                f = src.read(timeout=5)
                ages.append((percept.clock() - f.capture_time) * 1e3)
                if last is not None:
                    assert f.index > last.index and f.pts > last.pts
                last = f
            assert src.stats["dropped"] > 0
    print(f"latest-frame age over 6 reads every 200 ms: max {max(ages):.1f} ms, mean {np.mean(ages):.1f} ms")


def test_http_stream():
    port = free_port()
    with Server("-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-c:v", "mpeg2video", "-f", "mpegts",
                "-listen", "1", f"http://127.0.0.1:{port}/live.ts"):
        src = None
        for _ in range(50):
            try:
                src = video.VideoSource(f"http://127.0.0.1:{port}/live.ts", mode="every", open_timeout=3)
                break
            except percept.StreamError:
                time.sleep(0.1)
        assert src is not None
        with src:
            got = [src.read(timeout=5) for _ in range(5)]
            assert src.info["live"] and src.info["size"] == (160, 120)
    assert [f.index for f in got] == [0, 1, 2, 3, 4]
    assert all(b.pts > a.pts for a, b in zip(got, got[1:]))


def test_tcp_stream_that_dies_ends_cleanly_and_never_hangs():
    port = free_port()
    with Server("-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-c:v", "mpeg2video", "-f", "mpegts",
                f"tcp://127.0.0.1:{port}?listen=1") as server:
        src = None
        for _ in range(50):
            try:
                src = video.VideoSource(f"tcp://127.0.0.1:{port}", mode="every", read_timeout=2, open_timeout=3)
                break
            except percept.StreamError:
                time.sleep(0.1)
        assert src is not None
        with src:
            assert src.read(timeout=5) is not None
            server.stop()  # dies mid-way
            try:
                while src.read(timeout=10) is not None:
                    pass
            except (percept.StreamError, percept.TimeoutError):
                pass
            assert src.stats["ended"]


def test_reconnect_after_the_server_restarts():
    port = free_port()
    args = ("-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-c:v", "mpeg2video", "-f", "mpegts",
            f"tcp://127.0.0.1:{port}?listen=1")
    first = Server(*args)
    try:
        src = None
        for _ in range(50):
            try:
                src = video.VideoSource(f"tcp://127.0.0.1:{port}", mode="every", reconnect=20, read_timeout=2,
                                        open_timeout=2)
                break
            except percept.StreamError:
                time.sleep(0.1)
        assert src is not None
        with src:
            before = src.read(timeout=5)
            first.stop()
            with Server(*args):
                deadline = time.monotonic() + 20
                while src.stats["reconnects"] == 0 and time.monotonic() < deadline:
                    f = src.read(timeout=5)
                    assert f is not None
                after = src.read(timeout=10)
                assert src.stats["reconnects"] >= 1
                assert after.index > before.index  # numbering continues over the reconnect
    finally:
        first.stop()


def test_clear_errors_for_missing_device_file_and_bad_arguments(tmp_path):
    with pytest.raises(percept.DeviceError, match="/dev/video97"):
        video.VideoSource("/dev/video97")
    with pytest.raises(percept.DeviceError, match="/dev/video96"):
        video.VideoSource(96)
    with pytest.raises(percept.FileError):
        video.VideoSource(tmp_path / "missing.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(percept.FormatError):
        video.VideoSource(bad)
    with pytest.raises(percept.ParameterError):
        video.VideoSource("lavfi:" + GRAPH, mode="sometimes")
    with pytest.raises(percept.ParameterError):
        video.VideoSource("lavfi:" + GRAPH, pixel_format="bgra")
    with pytest.raises(percept.ParameterError):
        video.VideoSource("lavfi:" + GRAPH, size=(0, 10))
    with pytest.raises(percept.TimeoutError):
        video.VideoSource(f"udp://127.0.0.1:{free_port()}", open_timeout=0.5)


def test_requests_that_do_not_apply_are_reported(tmp_path):
    with pytest.warns(video.RequestNotGrantedWarning, match="fps"):
        src = video.VideoSource("lavfi:" + GRAPH, fps=10)
    src.close()


def test_size_request_scales_frames():
    with video.VideoSource("lavfi:" + GRAPH, size=(160, 120), mode="every") as src:
        f = src.read(timeout=10)
    assert f.image.shape == (120, 160, 3) and src.size == (160, 120)


def test_writer_rejects_bad_frames(tmp_path):
    with video.VideoWriter(str(tmp_path / "x.mp4"), (64, 48), 25) as wr:
        with pytest.raises(percept.ParameterError):
            wr.write(np.zeros((48, 64, 3), np.float32))
        with pytest.raises(percept.ParameterError):
            wr.write(np.zeros((48, 60, 3), np.uint8))
        wr.write(np.zeros((48, 64, 3), np.uint8), pts=0.0)
        with pytest.raises(percept.ParameterError):
            wr.write(np.zeros((48, 64, 3), np.uint8), pts=0.0)  # time must advance
    with pytest.raises(percept.ParameterError):
        video.VideoWriter(str(tmp_path / "odd.mp4"), (63, 48), 25)
    with video.VideoWriter(str(tmp_path / "m.avi"), (64, 48), 25, codec="mpeg4") as wr:
        assert wr.codec == "mpeg4"
        wr.write(np.zeros((48, 64, 3), np.uint8))


@pytest.mark.parametrize("pixel_format", ["yuv420p", "bgr", "gray"])
def test_writer_takes_video_frames_directly(tmp_path, pixel_format):
    out = tmp_path / f"copy_{pixel_format}.mkv"
    with video.VideoSource("lavfi:" + GRAPH, pixel_format=pixel_format, mode="every") as src:
        frames = [src.read(timeout=10) for _ in range(10)]
    with video.VideoWriter(str(out), (320, 240), 30, pixel_format=pixel_format) as wr:
        for f in frames:
            wr.write(f)
    gray = pixel_format == "gray"
    back = list(video.frames(out, pixel_format="gray" if gray else "bgr"))
    assert len(back) == 10
    ref = ffmpeg_raw(GRAPH, 10, "gray" if gray else "bgr24").reshape((10, 240, 320) if gray else (10, 240, 320, 3))
    assert psnr(back[9].image, ref[9]) > 30
    with video.VideoWriter(str(tmp_path / "small.mkv"), (160, 120), 30, pixel_format=pixel_format) as wr:
        with pytest.raises(percept.ParameterError):
            wr.write(frames[0])  # wrong size


def test_cli_probe_grab_record(tmp_path):
    assert PERCEPT_CLI.exists(), f"build the percept command first ({PERCEPT_CLI})"
    out = subprocess.run([str(PERCEPT_CLI), "video", "probe", "lavfi:" + GRAPH], capture_output=True, text=True,
                         check=True).stdout
    assert "320x240" in out and "lavfi" in out
    subprocess.run([str(PERCEPT_CLI), "video", "grab", "lavfi:" + GRAPH, "--frames", "3", "--out",
                    str(tmp_path / "g"), "--format", "npy"], check=True, capture_output=True)
    raw = ffmpeg_raw(GRAPH, 3, "bgr24").reshape(3, 240, 320, 3)
    for i in range(3):
        np.testing.assert_array_equal(np.load(tmp_path / "g" / f"frame_{i:06d}.npy"), raw[i])
    subprocess.run([str(PERCEPT_CLI), "video", "grab", "lavfi:" + GRAPH, "-n", "1", "-o", str(tmp_path / "p")],
                   check=True, capture_output=True)
    assert (tmp_path / "p" / "frame_000000.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    subprocess.run([str(PERCEPT_CLI), "video", "record", "lavfi:" + GRAPH, str(tmp_path / "r.mp4"), "--seconds",
                    "1"], check=True, capture_output=True)
    info = video.probe(tmp_path / "r.mp4")
    assert info["frame_count"] == 30 and info["codec"] == "h264"
    r = subprocess.run([str(PERCEPT_CLI), "video", "probe", "/dev/video97"], capture_output=True, text=True)
    assert r.returncode != 0 and "/dev/video97" in r.stderr
