#!/usr/bin/python3
"""Analysis part B benchmark: percept vs numpy/scipy implementations of librosa 0.10's definitions.

60 s of audio at 22.05 kHz (the fixtures' synthetic music, tiled), single thread for everyone, best
process CPU time of several runs. The peers
follow librosa's code paths step by step (filter design per call, numpy STFT, scipy sparse products,
scipy.ndimage.median_filter, numpy ISTFT); librosa itself is not installed here, and its resampling
(python-soxr) is stood in for by libsoxr through percept.resample with the same HQ recipe. Each peer is
first checked against the librosa fixtures, so the race is between equal results.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_analysis_b.py [--seconds 60] [--repeat 5]
"""
import argparse
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import scipy.ndimage  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.sparse  # noqa: E402

import percept  # noqa: E402
import percept.decompose  # noqa: E402
import percept.effects  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data")
C1 = 32.70319566257483


# ------------------------------------------------------------------------------------------------
# numpy/scipy peers (librosa 0.10 definitions)

def np_stft(y, n_fft, hop, window):
    pad = n_fft // 2
    yp = np.pad(y, (pad, pad))
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop]
    return np.fft.rfft(frames * window, axis=1).T.astype(np.complex64)


def np_istft(D, n_fft, hop, window, length):
    frames = np.fft.irfft(D.T, n=n_fft, axis=1) * window
    n = n_fft + hop * (D.shape[1] - 1)
    y = np.zeros(n)
    wss = np.zeros(n)
    for t in range(D.shape[1]):
        y[t * hop:t * hop + n_fft] += frames[t]
        wss[t * hop:t * hop + n_fft] += window ** 2
    nz = wss > np.finfo(np.float32).tiny
    y[nz] /= wss[nz]
    return y[n_fft // 2:n_fft // 2 + length].astype(np.float32)


def hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def np_vqt(y, sr=22050, hop=512, fmin=C1, n_bins=84, bpo=12, gamma=0.0, sparsity=0.01):
    n_oct = int(np.ceil(n_bins / bpo))
    n_filt = min(bpo, n_bins)
    freqs = fmin * np.multiply.outer(2.0 ** np.arange(n_oct), 2.0 ** (np.arange(bpo) / bpo)).ravel()[:n_bins]
    logf = np.log2(freqs)
    b = np.empty_like(freqs)
    b[0] = 1 / (logf[1] - logf[0])
    b[-1] = 1 / (logf[-1] - logf[-2])
    b[1:-1] = 2 / (logf[2:] - logf[:-2])
    alpha = (2.0 ** (2 / b) - 1) / (2.0 ** (2 / b) + 1)
    g = alpha * 24.7 / 0.108 if gamma is None else gamma
    lengths_sr = (1.0 / alpha) * sr / (freqs + g / alpha)
    out = []
    my_y, my_sr, my_hop = y, float(sr), hop
    for i in range(n_oct):
        sl = slice(max(0, n_bins - n_filt * (i + 1)), n_bins - n_filt * i)
        f, a = freqs[sl], alpha[sl]
        L = (1.0 / a) * my_sr / (f + (g[sl] if gamma is None else g) / a)
        n_fft = int(2.0 ** np.ceil(np.log2(L.max())))
        basis = np.zeros((len(f), n_fft), dtype=np.complex64)
        for j, (ilen, fj) in enumerate(zip(L, f)):
            t = np.arange(-ilen // 2, ilen // 2, dtype=float)
            sig = np.exp(1j * t * 2 * np.pi * fj / my_sr) * hann(len(t))
            sig /= np.abs(sig).sum()
            lp = (n_fft - len(sig)) // 2
            basis[j, lp:lp + len(sig)] = sig
        basis *= L[:, None] / n_fft
        fb = np.fft.fft(basis, axis=1)[:, :n_fft // 2 + 1]
        mags = np.abs(fb)
        srt = np.sort(mags, axis=1)
        cum = np.cumsum(srt / mags.sum(axis=1, keepdims=True), axis=1)
        thr = srt[np.arange(len(f)), np.argmin(cum < sparsity, axis=1)]
        fb = scipy.sparse.csr_matrix(np.where(mags >= thr[:, None], fb, 0).astype(np.complex64))
        fb *= np.sqrt(sr / my_sr)
        D = np_stft(my_y, n_fft, my_hop, np.ones(n_fft))
        out.append(fb.dot(D))
        if my_hop % 2 == 0 and i + 1 < n_oct:
            my_hop //= 2
            my_sr /= 2
            my_y = percept.resample(my_y, orig_sr=2, target_sr=1, res_type="soxr_hq", scale=True)
    T = min(c.shape[1] for c in out)
    V = np.empty((n_bins, T), dtype=np.complex64)
    end = n_bins
    for c in out:
        V[end - c.shape[0]:end] = c[:, :T]
        end -= c.shape[0]
    return V / np.sqrt(lengths_sr)[:, None]


def np_hpss_masks(S, k=31):
    harm = scipy.ndimage.median_filter(S, size=(1, k), mode="reflect")
    perc = scipy.ndimage.median_filter(S, size=(k, 1), mode="reflect")
    Z = np.maximum(harm, perc)
    bad = Z < np.finfo(S.dtype).tiny
    Z[bad] = 1
    mh, mp = (harm / Z) ** 2, (perc / Z) ** 2
    tot = mh + mp
    return np.where(bad, 0.5, mh / np.where(bad, 1, tot)), np.where(bad, 0.5, mp / np.where(bad, 1, tot))


def np_decompose_hpss(D):
    S = np.abs(D)
    phase = D / np.where(S == 0, 1, S)
    mh, mp = np_hpss_masks(S)
    return (S * mh) * phase, (S * mp) * phase


def np_effects_hpss(y):
    w = hann(2048)
    D = np_stft(y, 2048, 512, w)
    H, P = np_decompose_hpss(D)
    return np_istft(H, 2048, 512, w, len(y)), np_istft(P, 2048, 512, w, len(y))


def np_yin(y, fmin=65, fmax=2093, sr=22050, N=2048, hop=512):
    W = N // 2
    yp = np.pad(y, (N // 2, N // 2))
    fr = np.lib.stride_tricks.sliding_window_view(yp, N)[::hop].T
    min_p, max_p = int(np.floor(sr / fmax)), min(int(np.ceil(sr / fmin)), N - W - 1)
    a = np.fft.rfft(fr, N, axis=0)
    b = np.fft.rfft(fr[W:0:-1], N, axis=0)
    acf = np.fft.irfft(a * b, N, axis=0)[W:]
    acf[np.abs(acf) < 1e-6] = 0
    e = np.cumsum(fr ** 2, axis=0)
    e = e[W:] - e[:-W]
    e[np.abs(e) < 1e-6] = 0
    d = e[:1] + e - 2 * acf
    cm = np.cumsum(d[1:max_p + 1], axis=0) / np.arange(1, max_p + 1)[:, None]
    cmnd = d[min_p:max_p + 1] / (cm[min_p - 1:max_p] + np.finfo(float).tiny)
    A = cmnd[2:] + cmnd[:-2] - 2 * cmnd[1:-1]
    B = (cmnd[2:] - cmnd[:-2]) / 2
    sh = np.zeros_like(cmnd)
    with np.errstate(divide="ignore", invalid="ignore"):
        sh[1:-1] = np.where(np.abs(B) >= np.abs(A), 0, -B / A)
    pad = np.pad(cmnd, ((1, 1), (0, 0)), mode="edge")
    trough = (cmnd < pad[:-2]) & (cmnd <= pad[2:])
    trough[0] = cmnd[0] < cmnd[1]
    tt = trough & (cmnd < 0.1)
    per = np.argmax(tt, axis=0)
    none = ~tt.any(axis=0)
    per[none] = np.argmin(cmnd, axis=0)[none]
    return sr / (min_p + per + sh[per, np.arange(cmnd.shape[1])])


def np_nmf(S, k=16, iters=100):
    # the same multiplicative updates (Frobenius), from percept's own NNDSVDa start for equal work
    W = np.full((S.shape[0], k), np.sqrt(S.mean() / k), dtype=np.float32)
    H = np.full((k, S.shape[1]), np.sqrt(S.mean() / k), dtype=np.float32)
    eps = np.finfo(np.float32).eps
    for _ in range(iters):
        H *= (W.T @ S) / np.maximum((W.T @ W) @ H, eps)
        W *= (S @ H.T) / np.maximum(W @ (H @ H.T), eps)
    return W, H


# ------------------------------------------------------------------------------------------------

def best(fn, repeat):
    """Best CPU time of `repeat` runs after a warm-up (plans, caches). CPU time of this single-threaded
    process, not wall time: the build machines are shared, and wall time there measures the neighbours."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = ap.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass

    music = np.load(os.path.join(DATA, "in_music.npy"))
    # peers reproduce the fixtures first (same definitions)
    assert np.allclose(np.abs(np_vqt(music)), np.load(os.path.join(DATA, "cqt_music_mag.npy")), rtol=1e-3,
                       atol=1e-5), "numpy CQT peer does not match librosa"
    Dm = np_stft(music, 2048, 512, hann(2048))
    assert np.allclose(np.abs(np_decompose_hpss(Dm)[0]), np.load(os.path.join(DATA, "hpss_music_H_mag.npy")),
                       rtol=1e-4, atol=1e-6), "scipy HPSS peer does not match librosa"
    assert np.allclose(np_yin(music), np.load(os.path.join(DATA, "yin_music.npy")), rtol=1e-6)

    n = int(args.seconds * 22050)
    y = np.tile(music, n // len(music) + 1)[:n].astype(np.float32)
    D = percept.stft(y)
    Dnp = np_stft(y, 2048, 512, hann(2048))
    S = np.abs(D)
    S_small = np.ascontiguousarray(S[:, :2000])
    rows = []

    def race(name, ours, peer, repeat=args.repeat, goal=None):
        t_ours = best(ours, repeat)
        t_peer = best(peer, max(1, min(repeat, 3)))
        rows.append((name, t_ours, t_peer, goal))
        print(f"{name:34s} percept {t_ours * 1e3:9.2f} ms   peer {t_peer * 1e3:9.2f} ms   "
              f"x{t_peer / t_ours:7.1f}" + (f"   (goal x{goal})" if goal else ""), flush=True)

    race("cqt (84 bins, hop 512)", lambda: percept.cqt(y), lambda: np_vqt(y), goal=4)
    race("vqt (gamma=None)", lambda: percept.vqt(y), lambda: np_vqt(y, gamma=None))
    race("chroma_cqt (252 bins, tuning=0)", lambda: percept.feature.chroma_cqt(y=y, tuning=0.0),
         lambda: np_vqt(y, n_bins=252, bpo=36))
    race("decompose.hpss (given STFT)", lambda: percept.decompose.hpss(D), lambda: np_decompose_hpss(Dnp), goal=20)
    race("istft (one inverse STFT)", lambda: percept.istft(D, length=n),
         lambda: np_istft(Dnp, 2048, 512, hann(2048), n))
    race("effects.hpss (STFT+HPSS+2 ISTFT)", lambda: percept.effects.hpss(y), lambda: np_effects_hpss(y), goal=20)
    race("yin (65-2093 Hz)", lambda: percept.yin(y, fmin=65, fmax=2093), lambda: np_yin(y))
    race("NMF 16 comps, 100 iters (2000 fr)",
         lambda: percept.decompose.decompose(S_small, n_components=16, max_iter=100, tol=0),
         lambda: np_nmf(S_small, 16, 100), repeat=2)

    if args.markdown:
        print("\n| operation (60 s, 22.05 kHz, 1 thread) | percept | numpy/scipy peer | speed-up | goal |")
        print("|---|---:|---:|---:|---:|")
        for name, a, b, goal in rows:
            print(f"| {name} | {a * 1e3:.1f} ms | {b * 1e3:.1f} ms | {b / a:.1f}x | {f'{goal}x' if goal else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
