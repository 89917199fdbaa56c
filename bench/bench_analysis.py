#!/usr/bin/python3
"""Side-by-side analysis benchmark: percept vs librosa-equivalent peers available on Debian.

Peers (run in this same process, single thread):
  numpy/scipy  - librosa 0.10's own definitions re-implemented with numpy/scipy calls exactly as
                 librosa makes them (framing + float64 window product + numpy.fft.rfft into complex64,
                 einsum with the mel basis, power_to_db, scipy.fft.dct, onset spectral flux). librosa
                 itself is not installed here (no PyPI); the issue quotes librosa at ~0.3 s for a 60 s
                 log-mel on this machine, and that figure is printed beside the measured ratios.
  torchaudio   - torchaudio 0.13 transforms (MelSpectrogram with Slaney mel/norm, AmplitudeToDB, MFCC).

Measured:
  1. log-mel, MFCC and onset strength of 60 s at 22.05 kHz (best of N, single thread)
  2. fresh process -> first log-mel of a 5 s file (wall time of the whole process, best of N)
  3. streaming log-mel at 48 kHz fed in 64-sample blocks (CPU share of one core)
  4. batch: (8, 60 s) on all cores vs one core

Usage: PYTHONPATH=build/python /usr/bin/python3 bench/bench_analysis.py [--repeat N] [--markdown FILE]
"""
from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.fft  # noqa: E402
import scipy.signal  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("PERCEPT_BUILD", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(BUILD, "python"))

import percept  # noqa: E402

SR = 22050
LIBROSA_QUOTED = {"log-mel": 0.3, "MFCC": 0.3, "onset strength": 0.3}  # seconds, from the issue (this machine)


# ---------------------------------------------------------------------------------------------
# numpy/scipy peer: librosa 0.10's definitions
def np_mel_basis(sr, n_fft, n_mels=128, fmin=0.0, fmax=None):
    fmax = sr / 2 if fmax is None else fmax

    def hz_to_mel(f):
        f = np.asanyarray(f, dtype=float)
        f_sp = 200.0 / 3
        mels = f / f_sp
        min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)

    def mel_to_hz(m):
        f_sp = 200.0 / 3
        min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
    return weights


def np_stft(y, n_fft=2048, hop=512):
    window = scipy.signal.get_window("hann", n_fft, fftbins=True)
    yp = np.pad(y, n_fft // 2, mode="constant")
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop].T  # (n_fft, T), like util.frame
    out = np.empty((1 + n_fft // 2, frames.shape[1]), dtype=np.complex64, order="F")
    out[...] = np.fft.rfft(window[:, None] * frames, axis=0)
    return out


def np_power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec -= 10.0 * np.log10(np.maximum(amin, ref))
    return np.maximum(log_spec, log_spec.max() - top_db)


def np_melspectrogram(y, sr=SR):
    S = np.abs(np_stft(y)) ** 2
    return np.einsum("...ft,mf->...mt", S, np_mel_basis(sr, 2048), optimize=True)


def np_logmel(y):
    M = np_melspectrogram(y)
    return np_power_to_db(M, ref=np.max(M))


def np_mfcc(y):
    return scipy.fft.dct(np_power_to_db(np_melspectrogram(y)), axis=-2, type=2, norm="ortho")[:20]


def np_onset_strength(y):
    S = np_power_to_db(np_melspectrogram(y))
    env = np.maximum(0.0, S[:, 1:] - S[:, :-1]).mean(axis=0)
    return np.pad(env, (1 + 2048 // (2 * 512), 0))[: S.shape[1]]


# ---------------------------------------------------------------------------------------------
# torchaudio peer
def torch_peers():
    try:
        import torch
        import torchaudio.transforms as T
    except Exception as e:  # pragma: no cover
        print(f"torchaudio unavailable: {e}")
        return None
    torch.set_num_threads(1)
    melkw = dict(n_fft=2048, hop_length=512, n_mels=128, center=True, pad_mode="constant", norm="slaney",
                 mel_scale="slaney", power=2.0)
    mel = T.MelSpectrogram(sample_rate=SR, **melkw)
    to_db = T.AmplitudeToDB(stype="power", top_db=80.0)
    mfcc = T.MFCC(sample_rate=SR, n_mfcc=20, dct_type=2, norm="ortho", log_mels=False, melkwargs=melkw)

    def logmel(y):
        with torch.no_grad():
            M = mel(torch.from_numpy(y))
            return to_db(M / M.max()).numpy()

    def mfcc_fn(y):
        with torch.no_grad():
            return mfcc(torch.from_numpy(y)).numpy()

    def onset(y):
        with torch.no_grad():
            S = to_db(mel(torch.from_numpy(y)))
            env = torch.clamp(S[:, 1:] - S[:, :-1], min=0).mean(dim=0)
            return torch.nn.functional.pad(env, (3, 0))[: S.shape[1]].numpy()

    return {"log-mel": logmel, "MFCC": mfcc_fn, "onset strength": onset}


# ---------------------------------------------------------------------------------------------
def best_of(fn, repeat, cpu=False):
    """Best of `repeat` runs after a warm-up: wall seconds, or CPU seconds of this process (cpu=True,
    steadier on a loaded machine for single-threaded work)."""
    clock = time.process_time if cpu else time.perf_counter
    fn()  # warm-up (plans, caches)
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def fresh_process(cmd, repeat, env=None):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--markdown", default=None, help="append the tables to this markdown file")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    t = np.arange(60 * SR) / SR
    y = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1234 * t * (1 + t / 120))
         + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    lines = []

    def out(s=""):
        print(s)
        lines.append(s)

    out(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; best of {args.repeat}")
    out()
    out("### 1. 60 s at 22.05 kHz, single thread (CPU seconds of the process, best of N; wall in brackets)")
    out()
    out("| feature | percept | numpy/scipy (librosa's definitions) | torchaudio 0.13 | vs numpy/scipy | vs torchaudio "
        "| vs librosa as quoted (~0.3 s) |")
    out("|---|---|---|---|---|---|---|")
    ours = {
        "log-mel": lambda: percept.power_to_db(percept.feature.melspectrogram(y=y, sr=SR), ref=np.max),
        "MFCC": lambda: percept.feature.mfcc(y=y, sr=SR),
        "onset strength": lambda: percept.onset.onset_strength(y=y, sr=SR),
    }
    peers = {"log-mel": lambda: np_logmel(y), "MFCC": lambda: np_mfcc(y), "onset strength": lambda: np_onset_strength(y)}
    tp = torch_peers()
    for name in ours:
        rp = max(3, args.repeat // 2)
        a, aw = best_of(ours[name], args.repeat, True), best_of(ours[name], args.repeat)
        b, bw = best_of(peers[name], rp, True), best_of(peers[name], rp)
        if tp:
            c, cw = best_of(lambda: tp[name](y), rp, True), best_of(lambda: tp[name](y), rp)
        else:
            c = cw = float("nan")
        q = LIBROSA_QUOTED[name]
        out(f"| {name} | {a:.4f} ({aw:.4f}) | {b:.4f} ({bw:.4f}) | {c:.4f} ({cw:.4f}) | {b / a:.1f}x | {c / a:.1f}x "
            f"| {q / a:.1f}x (wall {q / aw:.1f}x) |")
    # numerical agreement with the peer, as a sanity check of the comparison
    d = np.max(np.abs(ours["log-mel"]() - np_logmel(y)))
    out()
    out(f"max |percept - numpy peer| on the log-mel: {d:.2e} dB")

    # 2. fresh process
    out()
    out("### 2. Fresh process to the first log-mel of a 5 s file (wall seconds, best of N)")
    out()
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "five.wav")
        percept.write(wav, y[: 5 * SR], SR, subtype="FLOAT")
        env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"))
        py_cmd = [sys.executable, "-c",
                  "import numpy as np, percept; y, sr = percept.load(%r, sr=None); "
                  "percept.power_to_db(percept.feature.melspectrogram(y=y, sr=sr), ref=np.max)" % wav]
        np_cmd = [sys.executable, "-c",
                  "import sys; sys.path.insert(0, %r); import bench_analysis as b, soundfile as sf; "
                  "y, sr = sf.read(%r, dtype='float32'); b.np_logmel(y)" % (HERE, wav)]
        bare_cmd = [sys.executable, "-c", "import numpy"]
        out("| process | wall s |")
        out("|---|---|")
        cxx = os.path.join(BUILD, "bin", "bench_analysis")
        if os.path.exists(cxx):
            out(f"| C++ (bench_analysis --first-logmel: read WAV, log-mel) | "
                f"{fresh_process([cxx, '--first-logmel', wav], args.repeat):.3f} |")
        out(f"| python3 + import percept + percept.load + log-mel | {fresh_process(py_cmd, args.repeat, env):.3f} |")
        out(f"| python3 + numpy/scipy peer (import scipy, soundfile) | {fresh_process(np_cmd, args.repeat, env):.3f} |")
        out(f"| for reference: python3 -c 'import numpy' alone | {fresh_process(bare_cmd, args.repeat):.3f} |")

    # 3. streaming
    out()
    out("### 3. Streaming log-mel at 48 kHz in 64-sample blocks (process(), the real-time path)")
    out()
    sr48 = 48000
    y48 = (0.3 * np.sin(2 * np.pi * 440 * np.arange(60 * sr48) / sr48)).astype(np.float32)
    m = percept.streaming.StreamingMel(sr=sr48, n_fft=2048, hop_length=512, n_mels=128)
    m.set_queue_frames(8192)
    m.prepare(sr48, 64, 1)
    best_cpu = float("inf")
    for _ in range(3):
        m.reset()
        c0 = time.process_time()
        m.process(y48, sample_rate=sr48)
        best_cpu = min(best_cpu, time.process_time() - c0)
        m.read_frames()
    share = 100.0 * best_cpu / 60.0
    out(f"60 s of audio in 64-sample blocks: {best_cpu:.3f} s CPU -> {share:.3f} % of one core "
        f"({60.0 / best_cpu:.0f}x real time)")

    # 4. batch
    out()
    out("### 4. Batch: (8, 60 s) log-mel, all cores vs one")
    out()
    Y = np.stack([np.roll(y, 1000 * i) for i in range(8)])
    t_all = best_of(lambda: percept.feature.melspectrogram(y=Y, sr=SR), 3)  # wall: several threads
    t_one = best_of(lambda: [percept.feature.melspectrogram(y=Y[i], sr=SR) for i in range(8)], 3)
    out(f"one row at a time: {t_one:.3f} s; (8, n) array on {os.cpu_count()} cores: {t_all:.3f} s "
        f"-> {t_one / t_all:.2f}x")
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
