"""Real-time audio streams: devices, gapless input, output with pre-roll, duplex processing.

The audio callback runs in native code only (no Python, no GIL): captured audio goes into a lock-free
ring that the Python side reads at its own pace. ``read(n)`` returns the next ``n`` frames with no gap;
if the reader fell so far behind that the ring overwrote frames, the loss is reported exactly
(``last_read['lost_frames']`` from ``last_read['lost_from']``, and ``overflows`` in total) — never a
silent skip. Arrays are ``(frames,)`` for one channel, ``(channels, frames)`` otherwise.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import _percept_media as _percept  # the media extension (it re-exports the core names)

_DTYPES = ("float32", "float64", "int16", "int32")


def devices(jack_server: Optional[str] = None) -> List[Dict[str, Any]]:
    """Audio devices that can be opened now: name, host API, channels, rates, formats, default latencies."""
    return _percept.devices(jack_server or "")


def host_apis(jack_server: Optional[str] = None) -> List[Dict[str, Any]]:
    """Host APIs (virtual, JACK, ALSA) and whether each can be used now."""
    return _percept.host_apis(jack_server or "")


def _convert(x: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "float32":
        return x
    if dtype == "float64":
        return x.astype(np.float64)
    if dtype == "int16":
        return np.clip(np.rint(x * 32768.0), -32768, 32767).astype(np.int16)
    return np.clip(np.rint(x.astype(np.float64) * 2147483648.0), -2147483648, 2147483647).astype(np.int32)


def _to_float32(data) -> np.ndarray:
    a = np.asarray(data)
    if a.dtype == np.int16:
        return (a.astype(np.float32) / 32768.0).astype(np.float32)
    if a.dtype == np.int32:
        return (a.astype(np.float64) / 2147483648.0).astype(np.float32)
    if a.dtype not in (np.float32, np.float64):
        raise _percept.ParameterError(f"audio must be float32, float64, int16 or int32, got {a.dtype}")
    return np.ascontiguousarray(a, dtype=np.float32)


def _chain_list(chain, samplerate) -> list:
    """The processors the engine runs, from a chain text (the ``percept fx`` syntax, built for
    ``samplerate``), one Processor (a ``percept.dsp.Chain`` included) or a sequence of Processors."""
    if chain is None:
        return []
    if isinstance(chain, str):
        if not chain.strip():
            return []
        from . import dsp
        return [dsp.parse_chain(chain, float(samplerate))]
    if isinstance(chain, _percept.Processor):
        return [chain]
    chain = list(chain)
    for p in chain:
        if not isinstance(p, _percept.Processor):
            raise _percept.ParameterError(f"chain entries must be percept Processor objects, got {type(p).__name__}")
    return chain


class _Stream:
    """Common part: opening, context management, statistics."""

    def __init__(self, *, device, samplerate, input_channels, output_channels, blocksize, periods, dtype,
                 allow_mismatch, jack_server, jack_loopback, capture, playback, buffer_seconds, chain,
                 preroll):
        if dtype not in _DTYPES:
            raise _percept.ParameterError(f"dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
        if samplerate is None or not np.isfinite(samplerate) or samplerate <= 0:
            raise _percept.ParameterError(f"samplerate must be a positive number, got {samplerate!r}")
        if buffer_seconds <= 0:
            raise _percept.ParameterError("buffer_seconds must be positive")
        chain = _chain_list(chain, samplerate)
        self.dtype = dtype
        ring = int(round(buffer_seconds * samplerate))
        self._engine = _percept._Engine(
            "" if device is None else str(device), int(input_channels), int(output_channels), float(samplerate),
            int(blocksize), int(periods), "float32", bool(allow_mismatch), jack_server or "", bool(jack_loopback),
            capture, playback, ring, ring, int(preroll), chain)
        self.last_read: Optional[Dict[str, Any]] = None
        self._chain = chain  # the processors the callback runs (kept alive with the stream)
        # The capture ring has one consumer: reads from several Python threads are serialised here.
        self._read_lock = threading.Lock()

    # -- lifecycle --
    def start(self):
        self._engine.start()
        return self

    def stop(self) -> None:
        self._engine.stop()

    close = stop

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def active(self) -> bool:
        return self._engine.running

    # -- what the device gave us --
    @property
    def negotiated(self) -> Dict[str, Any]:
        """What the device actually runs at (rate, format, blocksize, buffer, latencies)."""
        return self._engine.negotiated

    @property
    def samplerate(self) -> float:
        return self.negotiated["samplerate"]

    @property
    def blocksize(self) -> int:
        return self.negotiated["blocksize"]

    @property
    def latency(self):
        n = self.negotiated
        return (n["input_latency"], n["output_latency"])

    @property
    def stats(self) -> Dict[str, Any]:
        """Frames, callbacks, load (fraction of the period: mean/p50/p99/p999/max), deadline misses,
        xruns, frames lost, underruns, round trip."""
        return self._engine.stats()

    # -- capture side --
    def _shape(self, x: np.ndarray) -> np.ndarray:
        x = x[0] if x.shape[0] == 1 else x
        return _convert(x, self.dtype)

    def read(self, frames: int, timeout: Optional[float] = None) -> np.ndarray:
        """The next ``frames`` frames, waiting up to ``timeout`` seconds (None: forever) with the GIL
        released. Gapless unless frames were lost: then ``last_read`` says how many and from where."""
        if frames <= 0:
            raise _percept.ParameterError(f"frames must be positive, got {frames}")
        with self._read_lock:
            x, info = self._engine.read(int(frames), timeout)
            self.last_read = info
        return self._shape(x)

    def read_available(self, max_frames: int) -> np.ndarray:
        """Up to ``max_frames`` frames available now (never waits)."""
        with self._read_lock:
            x, info = self._engine.read_available(int(max_frames))
            self.last_read = info
        return self._shape(x)

    def latest(self, frames: int) -> np.ndarray:
        """The newest ``frames`` frames (the momentary state) without consuming them; zero-padded at the
        start while fewer have been captured."""
        x, _ = self._engine.latest(int(frames))
        return self._shape(x)

    @property
    def read_available_frames(self) -> int:
        return self._engine.available

    @property
    def overflows(self) -> int:
        """Total frames lost because the reader fell behind by more than the ring holds (0 = none)."""
        return self._engine.overflows


class InputStream(_Stream):
    """Gapless capture. ``with InputStream(samplerate=48000, channels=1) as s: x = s.read(4800)``.

    ``device``: a name or index from ``devices()``, or None for the default (a running JACK server, else
    the sound card, else the virtual tone device). ``buffer_seconds``: the ring the reader may fall behind
    by without losing anything. The device must give exactly ``samplerate``/``blocksize`` unless
    ``allow_mismatch``; what it gives is in ``negotiated``.
    """

    def __init__(self, device=None, samplerate: float = 48000, channels: int = 1, blocksize: int = 256,
                 dtype: str = "float32", *, periods: int = 2, buffer_seconds: float = 2.0,
                 allow_mismatch: bool = False, jack_server: Optional[str] = None):
        super().__init__(device=device, samplerate=samplerate, input_channels=channels, output_channels=0,
                         blocksize=blocksize, periods=periods, dtype=dtype, allow_mismatch=allow_mismatch,
                         jack_server=jack_server, jack_loopback=False, capture="input", playback="silence",
                         buffer_seconds=buffer_seconds, chain=None, preroll=0)
        self.channels = channels


class OutputStream(_Stream):
    """Playback through a FIFO with pre-roll: ``write(data)`` queues audio (waiting for space), the
    callback plays it; when the FIFO runs dry it plays silence and counts ``underruns`` (frames)."""

    def __init__(self, device=None, samplerate: float = 48000, channels: int = 1, blocksize: int = 256,
                 dtype: str = "float32", *, periods: int = 2, buffer_seconds: float = 1.0,
                 preroll: Optional[int] = None, allow_mismatch: bool = False, jack_server: Optional[str] = None):
        super().__init__(device=device, samplerate=samplerate, input_channels=0, output_channels=channels,
                         blocksize=blocksize, periods=periods, dtype=dtype, allow_mismatch=allow_mismatch,
                         jack_server=jack_server, jack_loopback=False, capture="none", playback="fifo",
                         buffer_seconds=buffer_seconds, chain=None, preroll=preroll or 0)
        self.channels = channels

    def write(self, data, timeout: Optional[float] = None) -> int:
        """Queues ``(frames,)`` or ``(channels, frames)`` audio; waits (GIL released) for space."""
        return self._engine.write(_to_float32(data), timeout)

    @property
    def write_available(self) -> int:
        return self._engine.write_available

    @property
    def underruns(self) -> int:
        return self.stats["underrun_frames"]

    def drain(self, timeout: float = 10.0) -> None:
        """Waits until everything queued has been played."""
        import time
        end = time.monotonic() + timeout
        while self._engine.queued > 0:
            self._engine.check()
            if time.monotonic() > end:
                raise _percept.TimeoutError(f"output did not drain within {timeout} s")
            time.sleep(0.005)


class Duplex(_Stream):
    """Capture -> processor chain -> playback in one native callback.

    ``chain``: what runs on the audio thread (natively; never Python code): a sequence of percept
    Processor objects (``percept.dsp.Vcs3Filter(48000)``, ...), one Processor (e.g. a
    ``percept.dsp.Chain``), or a chain text in the ``percept fx`` syntax, e.g.
    ``"butterworth(order=2,cutoff_hz=3000) | vcs3(feedback=4)"``. The engine prepares the processors for
    the stream (rate, blocksize, channels) and runs them in one ``percept.dsp.Chain``.
    ``capture``: what ``read()``/``latest()`` see: 'output' (after the chain, default), 'input' or 'none'.
    ``loopback``: for JACK, connect the outputs to the inputs (a loop for measurements).
    ``measure_latency()`` sends an impulse and times its return (needs the output looped to the input).
    """

    def __init__(self, chain: Sequence = (), device=None, samplerate: float = 48000, channels: int = 1,
                 blocksize: int = 256, dtype: str = "float32", *, input_channels: Optional[int] = None,
                 periods: int = 2, buffer_seconds: float = 2.0, capture: str = "output", loopback: bool = False,
                 allow_mismatch: bool = False, jack_server: Optional[str] = None):
        super().__init__(device=device, samplerate=samplerate,
                         input_channels=channels if input_channels is None else input_channels,
                         output_channels=channels, blocksize=blocksize, periods=periods, dtype=dtype,
                         allow_mismatch=allow_mismatch, jack_server=jack_server, jack_loopback=loopback,
                         capture=capture, playback="input", buffer_seconds=buffer_seconds, chain=chain,
                         preroll=0)
        self.channels = channels
        self.chain = self._chain  # the very objects the callback runs (a chain text parsed once)

    def measure_latency(self, timeout: float = 3.0) -> Dict[str, Any]:
        """Round trip measured with an impulse: {'frames', 'ms', 'expected_frames', 'expected_ms'}."""
        return self._engine.measure_round_trip(timeout)

    def levels(self) -> List[float]:
        """Peak |sample| per output channel since the previous call (for level meters)."""
        return list(self._engine.take_peaks())


JackDummyServer = _percept.JackDummyServer
