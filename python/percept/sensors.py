"""percept.sensors — audio, video and system readings on one clock, read together, recorded together.

Every source runs on its own background thread and stamps each item with its capture time on
``percept.clock()`` (CLOCK_MONOTONIC), so items of different sources align without conversion::

    import percept
    from percept import sensors

    with sensors.Combined({"system": sensors.SystemSource(rate=10),
                           "mic": sensors.AudioSource("virtual:tone")}, policy="window", seconds=1.0) as c:
        data = c.read()          # {"system": (array (n, fields), t), "mic": (array (1, n), t)}

Arrays: audio ``(channels, n)`` float32, video ``(n, H, W, 3)`` uint8 BGR, readings ``(n, fields)``
float64; timestamps are float64 seconds. A source that fails keeps what it captured, is listed in
``Combined.failures`` (and a :class:`SourceFailedWarning` is issued once), and the others keep running.
"""
from __future__ import annotations

import atexit
import os
import warnings
import weakref
from typing import Any, Dict, Iterator, Mapping, Optional, Protocol, Tuple, runtime_checkable

import numpy as np

from ._percept_media import sensors as _s  # the media extension: sensors use the engine and FFmpeg

Source = _s.Source
SystemSource = _s.SystemSource
AudioSource = _s.AudioSource
VideoSource = _s.VideoSource
_PollingSource = _s.PollingSource
_Combined = _s.Combined
_Recorder = _s.Recorder

__all__ = [
    "AVCapture", "AudioSource", "Combined", "PollingSource", "Recorder", "Session", "SensorSource",
    "SourceFailedWarning", "Source", "SystemSource", "VideoSource", "load_session", "open_media", "session_info",
]


@runtime_checkable
class SensorSource(Protocol):
    """What every percept source offers (the C++ ``percept::sensors::Source``)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def read(self) -> Tuple[np.ndarray, np.ndarray]: ...
    def latest(self, n: int = 1) -> Tuple[np.ndarray, np.ndarray]: ...
    def window(self, start: float, end: float) -> Tuple[np.ndarray, np.ndarray]: ...
    @property
    def stats(self) -> Dict[str, Any]: ...
    def __enter__(self) -> Any: ...
    def __exit__(self, *exc: Any) -> Any: ...


class SourceFailedWarning(RuntimeWarning):
    """A source of a Combined failed; the others keep running (see ``Combined.failures``)."""


# Sources calling back into Python must stop before the interpreter goes away.
_polling: "weakref.WeakSet[Any]" = weakref.WeakSet()


@atexit.register
def _stop_polling_sources() -> None:
    for src in list(_polling):
        try:
            src.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def PollingSource(function, rate: float, fields, history: float = 60.0):
    """A custom sensor: ``function()`` is called ``rate`` times a second on the source's thread and
    returns one number per name in ``fields``. An exception fails the source with its message."""
    if callable(fields) and not callable(function):
        function, fields = fields, function
    src = _PollingSource(function, rate, list(fields), history)
    _polling.add(src)
    return src


def open_media(url: str, format: str = "", *, audio: bool = True, video: bool = True, realtime: bool = True,
               timestamps: str = "pts", audio_history: float = 30.0, video_history: float = 3.0,
               timeout: float = 10.0):
    """Opens an FFmpeg input (file, URL, ``lavfi`` graph, device) and returns ``(audio, video)`` sources
    sharing one demuxer; either is None when the input has no such stream. ``lavfi:GRAPH`` is accepted
    as shorthand for ``format="lavfi"``."""
    if url.startswith("lavfi:") and not format:
        url, format = url[len("lavfi:"):], "lavfi"
    return _s.open_media(url, format, audio, video, realtime, timestamps, audio_history, video_history, timeout)


class Combined:
    """Several named sources read together: ``read()`` returns ``{name: (array, timestamps)}``.

    policy ``"latest"``: the reference source's newest item (the newest video frame by default) and,
    for audio, the window of ``seconds`` (default: one reference period) ending at its capture time;
    for readings, the newest one at or before it. ``"window"``: the last ``seconds`` of every source.
    ``"new"``: everything captured since the previous read().
    """

    def __init__(self, sources: Mapping[str, Any], policy: str = "latest", seconds: float = 0.0,
                 reference: Optional[str] = None):
        if not isinstance(sources, Mapping) or not sources:
            raise _parameter_error("Combined needs a non-empty dict of name -> source")
        for name, src in sources.items():
            if not isinstance(src, Source):
                raise _parameter_error(f"Combined: source {name!r} is a {type(src).__name__}, not a percept "
                                       "source (wrap custom sensors in percept.sensors.PollingSource)")
        self._sources = dict(sources)
        self._c = _Combined(list(self._sources.items()), policy, float(seconds), reference)
        self._warned: set = set()
        self.t_ref: Optional[float] = None

    def start(self) -> "Combined":
        self._c.start()
        return self

    def stop(self) -> None:
        self._c.stop()

    def __enter__(self) -> "Combined":
        return self.start()

    def __exit__(self, *exc: Any) -> bool:
        self.stop()
        return False

    def read(self, policy: Optional[str] = None, seconds: Optional[float] = None) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
        data, t_ref, failures = self._c.read(policy, seconds)
        self.t_ref = t_ref
        for name, err in failures.items():
            if name not in self._warned:
                self._warned.add(name)
                warnings.warn(f"source {name!r} failed: {err}", SourceFailedWarning, stacklevel=2)
        return data

    def __getitem__(self, name: str):
        return self._sources[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    @property
    def names(self):
        return self._c.names

    @property
    def reference(self) -> str:
        return self._c.reference

    @property
    def policy(self) -> str:
        return self._c.policy

    @property
    def failures(self) -> Dict[str, str]:
        """name -> error message of every source that failed."""
        return self._c.failures

    @property
    def stats(self) -> Dict[str, Dict[str, Any]]:
        return self._c.stats

    def __repr__(self) -> str:
        return f"<percept.sensors.Combined {list(self._sources)} policy={self.policy!r}>"


def AVCapture(audio: Any = None, video: Any = None, *, media: Optional[str] = None, system: Any = None,
              policy: str = "latest", seconds: float = 0.0, samplerate: float = 48000, channels: int = 1,
              blocksize: int = 256, size: Optional[Tuple[int, int]] = None, fps: Optional[float] = None,
              realtime: bool = True) -> Combined:
    """Audio and video (and optionally system readings) as one :class:`Combined` on one clock.

    ``audio``: an audio device name for the engine (``"virtual:tone"``, ``"jack:NAME"``, an ALSA name;
    None = no audio unless ``media`` has some) or a Source. ``video``: what ``VideoSource`` accepts
    (``/dev/video0``, ``lavfi:testsrc2``, a URL or file) or a Source. ``media``: one FFmpeg input that
    carries both (``lavfi:`` graph with two outputs, a file, a stream); its streams share one demuxer.
    ``system``: True or a rate in Hz for a SystemSource.
    """
    sources: Dict[str, Any] = {}
    if media is not None:
        a, v = open_media(media, realtime=realtime)
        if a is not None:
            sources["audio"] = a
        if v is not None:
            sources["video"] = v
    if audio is not None:
        sources["audio"] = audio if isinstance(audio, Source) else AudioSource(
            audio, channels=channels, samplerate=samplerate, blocksize=blocksize)
    if video is not None:
        sources["video"] = video if isinstance(video, Source) else VideoSource(
            video, size=size, fps=fps, realtime=realtime)
    if system:
        sources["system"] = system if isinstance(system, Source) else SystemSource(
            rate=10.0 if system is True else float(system))
    if not sources:
        raise _parameter_error("AVCapture needs audio, video or media")
    return Combined(sources, policy=policy, seconds=seconds, reference="video" if "video" in sources else None)


class Recorder:
    """Records sources into a session directory (see ``load_session``): audio WAV/FLAC, video MP4,
    readings CSV, and timestamp indexes; every file is readable up to the last ``flush_seconds`` after
    a crash. Sources that are not running are started (and stopped again) by the recorder."""

    def __init__(self, directory: "os.PathLike[str] | str", sources: Any = None, *, audio_format: str = "wav",
                 flush_seconds: float = 1.0, poll_seconds: float = 0.02, video_quality: int = 23):
        self._r = _Recorder(os.fspath(directory), audio_format, flush_seconds, poll_seconds, video_quality)
        self._keep = []
        if sources is not None:
            self.add(sources)

    def add(self, name_or_sources: Any, source: Any = None) -> None:
        if isinstance(name_or_sources, Combined):
            self._r.add_combined(name_or_sources._c)
            self._keep.append(name_or_sources)
        elif isinstance(name_or_sources, Mapping):
            for n, s in name_or_sources.items():
                self._r.add(n, s)
                self._keep.append(s)
        else:
            self._r.add(name_or_sources, source)
            self._keep.append(source)

    def start(self) -> "Recorder":
        self._r.start()
        return self

    def stop(self) -> None:
        self._r.stop()

    def __enter__(self) -> "Recorder":
        return self.start()

    def __exit__(self, *exc: Any) -> bool:
        self.stop()
        return False

    @property
    def running(self) -> bool:
        return self._r.running

    @property
    def directory(self) -> str:
        return self._r.directory

    @property
    def error(self) -> Optional[str]:
        return self._r.error

    @property
    def stats(self) -> Dict[str, Dict[str, Any]]:
        return self._r.stats


def session_info(directory: "os.PathLike[str] | str") -> Dict[str, Any]:
    """The manifest of a recorded session, with each stream's items, first/last time and losses."""
    return _s.session_info(os.fspath(directory))


class Session:
    """A recorded session loaded back: ``session[name]`` is ``(array, timestamps)`` exactly as the
    source delivered it (loaded on first use); ``window(start, end)`` aligns every stream on the clock."""

    def __init__(self, directory: "os.PathLike[str] | str"):
        self.directory = os.fspath(directory)
        self.info = session_info(self.directory)
        self._cache: Dict[str, Tuple[np.ndarray, np.ndarray, Dict[str, Any]]] = {}

    @property
    def names(self):
        return [s["name"] for s in self.info["streams"]]

    @property
    def complete(self) -> bool:
        return bool(self.info["complete"])

    def _load(self, name: str):
        if name not in self._cache:
            self._cache[name] = _s.load_session_stream(self.directory, name)
        return self._cache[name]

    def __getitem__(self, name: str) -> Tuple[np.ndarray, np.ndarray]:
        data, t, _ = self._load(name)
        return data, t

    def stream_info(self, name: str) -> Dict[str, Any]:
        return self._load(name)[2]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def window(self, start: float, end: float) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
        """Every stream's items captured in [start, end] (percept.clock() seconds)."""
        out = {}
        for name in self.names:
            data, t, info = self._load(name)
            lo, hi = np.searchsorted(t, start, "left"), np.searchsorted(t, end, "right")
            out[name] = (data[..., lo:hi] if info["continuous"] else data[lo:hi], t[lo:hi])
        return out

    def __repr__(self) -> str:
        return f"<percept.sensors.Session {self.directory!r} streams={self.names} complete={self.complete}>"


def load_session(directory: "os.PathLike[str] | str") -> Session:
    """Opens a session written by :class:`Recorder` (also one cut short by a crash)."""
    return Session(directory)


def _parameter_error(msg: str) -> Exception:
    from ._percept import ParameterError
    return ParameterError(msg)
