#!/usr/bin/env python3
"""System source overhead, side by side with psutil (Debian's python3-psutil) reading the same things:
CPU per core, memory and swap, temperatures, battery.

1. Cost of one reading on the calling thread: SystemSource.sample() vs the psutil calls.
2. Cost of sampling in the background at RATE Hz for SECONDS: process CPU time / wall time while the
   main thread sleeps — percept's C++ thread vs a Python thread calling psutil.

Run:  PYTHONPATH=build/python /usr/bin/python3 bench/sensors_system_overhead.py [--rate 100 --seconds 5]
"""
import argparse
import threading
import time

import psutil

from percept import sensors


def psutil_reading():
    v = list(psutil.cpu_percent(percpu=True))
    v.append(psutil.cpu_percent())
    m = psutil.virtual_memory()
    s = psutil.swap_memory()
    v += [m.total, m.available, m.percent, s.used]
    for entries in psutil.sensors_temperatures().values():
        v += [e.current for e in entries]
    b = psutil.sensors_battery()
    if b is not None:
        v += [b.percent, b.power_plugged]
    return v


def per_call(fn, n):
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def background(start, stop, seconds):
    c0, w0 = time.process_time(), time.perf_counter()
    start()
    time.sleep(seconds)
    stop()
    return (time.process_time() - c0) / (time.perf_counter() - w0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()

    src = sensors.SystemSource(rate=args.rate, history=args.seconds + 5)
    fields = len(src.fields)
    p = per_call(src.sample, args.calls)
    q = per_call(psutil_reading, args.calls)

    box = {}

    def p_start():
        src.start()

    def p_stop():
        src.stop()
        box["p_items"] = src.stats["items"]

    stop_flag = threading.Event()
    count = [0]

    def loop():
        period = 1.0 / args.rate
        nxt = time.perf_counter()
        while not stop_flag.is_set():
            psutil_reading()
            count[0] += 1
            nxt += period
            stop_flag.wait(max(0.0, nxt - time.perf_counter()))

    th = threading.Thread(target=loop)

    def q_start():
        th.start()

    def q_stop():
        stop_flag.set()
        th.join()

    pb = background(p_start, p_stop, args.seconds)
    qb = background(q_start, q_stop, args.seconds)

    print(f"System source overhead ({fields} fields on this machine; psutil {psutil.__version__})\n")
    print("| measure | percept SystemSource | psutil | ratio (psutil / percept) |")
    print("|---|---|---|---|")
    print(f"| one reading on the caller's thread | {p * 1e6:.1f} us | {q * 1e6:.1f} us | {q / p:.1f}x |")
    print(f"| CPU use sampling at {args.rate:g} Hz in the background ({args.seconds:g} s) | {pb * 100:.2f} % of a core "
          f"({box['p_items']} readings) | {qb * 100:.2f} % of a core ({count[0]} readings) | {qb / pb:.1f}x |")


if __name__ == "__main__":
    main()
