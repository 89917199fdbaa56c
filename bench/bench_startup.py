#!/usr/bin/python3
"""Fresh-process start-up: from `python3 -c ...` to the first log-mel spectrogram of 5 s of audio.

Each contender runs in a new /usr/bin/python3 process (nothing cached in the interpreter; the OS page
cache is warm after the first run, as for any user who runs a script twice):

    numpy only       import numpy                           (the floor every contender pays)
    percept          import percept; load; feature.melspectrogram; power_to_db
    numpy/scipy peer import numpy, scipy.signal, soundfile; read; STFT; Slaney mel bank; dB
    torchaudio       import torch, torchaudio; load; transforms.MelSpectrogram; AmplitudeToDB

Wall time (what a user waits) and CPU time (user + sys of the child: on the shared build machine the
wall time also measures the neighbours) per run; best and median of --repeat runs.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_startup.py [--repeat 7] [--markdown]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

CONTENDERS = {
    "numpy only (floor)": "import numpy",
    "percept": (
        "import percept\n"
        "y, sr = percept.load(PATH)\n"
        "S = percept.power_to_db(percept.feature.melspectrogram(y=y, sr=sr))\n"
        "assert S.shape[0] == 128\n"
    ),
    "numpy/scipy peer": (
        "import numpy as np, scipy.signal, soundfile\n"
        "y, sr = soundfile.read(PATH, dtype='float32')\n"
        "n_fft, hop = 2048, 512\n"
        "w = scipy.signal.get_window('hann', n_fft)\n"
        "yp = np.pad(y, n_fft // 2)\n"
        "fr = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop]\n"
        "P = np.abs(np.fft.rfft(fr * w, axis=1)) ** 2\n"
        "def hz2mel(f):\n"
        "    f = np.asarray(f, float); m = f / (200.0 / 3)\n"
        "    return np.where(f >= 1000, 15 + np.log(np.maximum(f, 1e-10) / 1000) / (np.log(6.4) / 27), m)\n"
        "def mel2hz(m):\n"
        "    m = np.asarray(m, float); f = m * 200.0 / 3\n"
        "    return np.where(m >= 15, 1000 * np.exp(np.log(6.4) / 27 * (m - 15)), f)\n"
        "mf = mel2hz(np.linspace(hz2mel(0), hz2mel(sr / 2), 130))\n"
        "ff = np.fft.rfftfreq(n_fft, 1 / sr)\n"
        "lo = (ff[None] - mf[:-2, None]) / np.diff(mf)[:-1, None]\n"
        "hi = (mf[2:, None] - ff[None]) / np.diff(mf)[1:, None]\n"
        "fb = np.maximum(0, np.minimum(lo, hi)) * (2 / (mf[2:] - mf[:-2]))[:, None]\n"
        "M = fb @ P.T\n"
        "S = 10 * np.log10(np.maximum(M, 1e-10)); S = np.maximum(S, S.max() - 80)\n"
        "assert S.shape[0] == 128\n"
    ),
    "torchaudio": (
        "import torch, torchaudio\n"
        "torch.set_num_threads(1)\n"
        "y, sr = torchaudio.load(PATH)\n"
        "M = torchaudio.transforms.MelSpectrogram(sr, n_fft=2048, hop_length=512, n_mels=128, norm='slaney',\n"
        "                                         mel_scale='slaney')(y)\n"
        "S = torchaudio.transforms.AmplitudeToDB('power', top_db=80)(M)\n"
        "assert S.shape[1] == 128\n"
    ),
}


def run_once(code, path, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", f"PATH = {path!r}\n" + code], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        return None, None, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    import numpy as np
    import percept

    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.wav")
        sr = 22050
        t = np.arange(int(args.seconds * sr)) / sr
        y = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * np.random.default_rng(0).standard_normal(len(t)))
        percept.write(path, y.astype(np.float32), sr)
        for name, code in CONTENDERS.items():
            walls, cpus, err = [], [], None
            for _ in range(args.repeat + 1):  # the first run warms the page cache and is not counted
                w, c, err = run_once(code, path, env)
                if err:
                    break
                walls.append(w)
                cpus.append(c)
            if err:
                print(f"{name:22s} not available: {err}", flush=True)
                rows.append((name, None, None, None, None))
                continue
            walls, cpus = walls[1:], cpus[1:]
            rows.append((name, min(walls), statistics.median(walls), min(cpus), statistics.median(cpus)))
            print(f"{name:22s} wall best {min(walls) * 1e3:7.1f} ms  median {statistics.median(walls) * 1e3:7.1f} ms"
                  f"   cpu best {min(cpus) * 1e3:7.1f} ms  median {statistics.median(cpus) * 1e3:7.1f} ms", flush=True)
    base = {r[0]: r for r in rows}
    ours = base["percept"]
    if ours[1] is not None:
        for name, wb, _, cb, _ in rows:
            if name != "percept" and wb is not None:
                print(f"  percept vs {name}: wall x{wb / ours[1]:.1f}, cpu x{cb / ours[3]:.1f}")
        floor = base["numpy only (floor)"]
        if floor[1] is not None:
            print(f"  percept on top of the numpy import: wall {(ours[1] - floor[1]) * 1e3:.1f} ms, "
                  f"cpu {(ours[3] - floor[3]) * 1e3:.1f} ms (best runs)")
    if args.markdown:
        print("\n| fresh process, 5 s log-mel | wall best | wall median | CPU best | CPU median |")
        print("|---|---:|---:|---:|---:|")
        for name, wb, wm, cb, cm in rows:
            if wb is None:
                print(f"| {name} | n/a | | | |")
            else:
                print(f"| {name} | {wb * 1e3:.0f} ms | {wm * 1e3:.0f} ms | {cb * 1e3:.0f} ms | {cm * 1e3:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
