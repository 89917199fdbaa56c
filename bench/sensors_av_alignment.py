#!/usr/bin/env python3
"""A/V alignment: a source whose picture flashes white and whose audio beeps at the same instants
(k + 0.5 s), captured through percept's sources; the capture times of each detected flash and beep are
compared. The peer is PyAV reading the same live stream and stamping frames with time.monotonic() when
they come out of the decoder (what Python capture code usually does).

Run:  PYTHONPATH=build/python /usr/bin/python3 bench/sensors_av_alignment.py [--seconds 8]
"""
import argparse
import os
import socket
import subprocess
import sys
import threading
import time

import numpy as np

import percept
from percept import sensors

GRAPH = ("color=c=black:s=320x240:r=30,format=gray,geq=lum='if(eq(mod(N\\,30)\\,15)\\,255\\,0)',format=yuv420p[out0];"
         "aevalsrc='if(between(mod(t\\,1)\\,0.5\\,0.55)\\,0.8*cos(2*PI*1000*t)\\,0)':s=48000[out1]")
FRAME_PERIOD_MS = 1000.0 / 30


def events(video, tv, audio, ta):
    """Capture times of the flash onsets (frame mean > 128) and of the beep onsets (|x| > 0.1 after
    >= 0.5 s of quiet)."""
    lit = video.reshape(len(video), -1).mean(axis=1) > 128
    flashes = tv[np.flatnonzero(lit & ~np.r_[False, lit[:-1]])]
    x = audio[0] if audio.ndim == 2 else audio
    loud = np.flatnonzero(np.abs(x) > 0.1)
    beeps = ta[loud[np.r_[True, np.diff(ta[loud]) > 0.5]]] if len(loud) else np.array([])
    pairs = []
    for f in flashes:  # pair each flash with the nearest beep
        if len(beeps):
            b = beeps[np.argmin(np.abs(beeps - f))]
            if abs(b - f) < 0.5:
                pairs.append(f - b)
    return np.array(pairs) * 1000.0


def run_percept(url, fmt, timestamps, seconds, realtime=True):
    audio, video = sensors.open_media(url, fmt, timestamps=timestamps, realtime=realtime, video_history=seconds + 2,
                                      audio_history=seconds + 2)
    with sensors.Combined({"audio": audio, "video": video}, policy="new") as c:
        time.sleep(seconds)
        d = c.read()
    return events(d["video"][0], d["video"][1], d["audio"][0], d["audio"][1])


def run_pyav(url, seconds):
    import av
    container = av.open(url, options={"fflags": "nobuffer"}, timeout=10)
    vs = container.streams.video[0]
    as_ = container.streams.audio[0]
    frames, tv, chunks, ta = [], [], [], []
    end = time.monotonic() + seconds
    for packet in container.demux(vs, as_):
        for frame in packet.decode():
            now = time.monotonic()
            if isinstance(frame, av.VideoFrame):
                frames.append(frame.to_ndarray(format="gray").mean())
                tv.append(now)
            else:
                x = frame.to_ndarray().astype(np.float32).reshape(-1)
                chunks.append(x)
                # arrival of the block = time of its last sample
                ta.append(now - (np.arange(len(x))[::-1]) / frame.sample_rate)
        if time.monotonic() > end:
            break
    container.close()
    v = np.array(frames).reshape(-1, 1)
    a = np.concatenate(chunks)[None, :]
    t_a = np.concatenate(ta)
    lit = v[:, 0] > 128
    tv = np.array(tv)
    flashes = tv[np.flatnonzero(lit & ~np.r_[False, lit[:-1]])]
    loud = np.flatnonzero(np.abs(a[0]) > 0.1)
    beeps = t_a[loud[np.r_[True, np.diff(t_a[loud]) > 0.5]]]
    pairs = [f - beeps[np.argmin(np.abs(beeps - f))] for f in flashes if len(beeps)]
    return np.array([p for p in pairs if abs(p) < 0.5]) * 1000.0


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def udp_sender(port, seconds):
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", GRAPH, "-t", str(seconds),
           "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-c:a", "mp2", "-b:a", "192k",
           "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def row(name, d):
    if len(d) == 0:
        return f"| {name} | 0 | – | – | – |"
    return (f"| {name} | {len(d)} | {d.mean():+.3f} | {np.abs(d).max():.3f} | "
            f"{'yes' if np.abs(d).max() < FRAME_PERIOD_MS else 'NO'} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    rows = []
    rows.append(row("percept open_media lavfi (paced), pts timestamps", run_percept(GRAPH, "lavfi", "pts", args.seconds)))
    rows.append(row("percept open_media lavfi (paced), arrival timestamps",
                    run_percept(GRAPH, "lavfi", "arrival", args.seconds)))
    for ts in ["pts", "arrival"]:
        port = free_port()
        sender = udp_sender(port, args.seconds + 6)
        time.sleep(0.3)
        try:
            d = run_percept(f"udp://127.0.0.1:{port}", "mpegts", ts, args.seconds, realtime=False)
        finally:
            sender.kill()
            sender.wait()
        rows.append(row(f"percept open_media live mpegts/UDP (H.264 + MP2), {ts} timestamps", d))
    port = free_port()
    sender = udp_sender(port, args.seconds + 6)
    time.sleep(0.3)
    try:
        d = run_pyav(f"udp://127.0.0.1:{port}", args.seconds + 2)
    finally:
        sender.kill()
        sender.wait()
    rows.append(row("peer: PyAV demux+decode, time.monotonic() at decode", d))
    print(f"A/V alignment: flash time - beep time per event (ms); one video frame = {FRAME_PERIOD_MS:.3f} ms\n")
    print("| capture path | events | mean (ms) | max abs (ms) | within one frame |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
