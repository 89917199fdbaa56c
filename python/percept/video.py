"""Video capture, files and streams into numpy arrays.

``VideoSource`` opens a camera (``/dev/video0`` or an int), a file, a network URL (rtsp/udp/tcp/http) or an
FFmpeg test source (``"lavfi:testsrc2=size=640x480:rate=30"``) and decodes it on a background thread.
``mode='latest'`` keeps only the newest frame (older unread frames are counted in ``stats['dropped']``);
``mode='every'`` queues frames (a live source drops and counts what does not fit; a file waits for the
reader). A file or lavfi source in 'latest' mode plays at its own frame rate, like a camera
(``realtime=None`` → paced in 'latest', as fast as the reader in 'every'). Frames are :class:`VideoFrame` objects: ``frame.image`` is a read-only uint8 numpy view of the
frame's own buffer (no copy), ``frame.pts`` the stream time in seconds and ``frame.capture_time`` the arrival
time on :func:`percept.clock` — the clock audio uses.

Camera requests (size, fps, input pixel format) are read back after opening; one that was not granted
emits a :class:`RequestNotGrantedWarning` (or raises DeviceError with ``strict=True``).
"""
from __future__ import annotations

import math
import os
import warnings
from typing import Dict, Iterator, Optional, Tuple, Union

from . import _percept_media as _percept  # the media extension (it re-exports the core names)
from ._percept_media import VideoFrame, VideoWriter  # noqa: F401  (re-exported)

__all__ = ["VideoSource", "VideoFrame", "VideoWriter", "RequestNotGrantedWarning", "frames", "probe"]


class RequestNotGrantedWarning(UserWarning):
    """A camera did not grant a requested size, frame rate or pixel format."""


def _source_name(source) -> str:
    if isinstance(source, bool):
        raise TypeError("video source must be a path, URL, device or camera index")
    if isinstance(source, int):
        return f"/dev/video{source}"
    return os.fspath(source)


def _size(size) -> Optional[Tuple[int, int]]:
    if size is None:
        return None
    w, h = size
    return int(w), int(h)


class VideoSource:
    """A video source decoded on a background thread. Use as a context manager or call :meth:`close`."""

    def __init__(self, source: Union[str, int, "os.PathLike[str]"], size: Optional[Tuple[int, int]] = None,
                 fps: Optional[float] = None, pixel_format: str = "bgr", mode: str = "latest", *,
                 queue_size: int = 8, input_format: Optional[str] = None, input_pixel_format: Optional[str] = None,
                 options: Optional[Dict[str, str]] = None, open_timeout: float = 10.0, read_timeout: float = 5.0,
                 threads: int = 0, realtime: Optional[bool] = None, reconnect: int = 0, strict: bool = False):
        self._src = None
        self._src = _percept._VideoSource(
            _source_name(source), _size(size), None if fps is None else float(fps), pixel_format, mode,
            int(queue_size), input_format, input_pixel_format,
            None if options is None else {str(k): str(v) for k, v in options.items()},
            float(open_timeout), float(read_timeout), int(threads), None if realtime is None else bool(realtime), int(reconnect), bool(strict))
        for note in self._src.info["notes"]:
            warnings.warn(f"{self._src.info['source']}: {note}", RequestNotGrantedWarning, stacklevel=2)

    # -- frames -------------------------------------------------------------------------------------
    def read(self, timeout: Optional[float] = None) -> Optional[VideoFrame]:
        """The next frame (in 'latest' mode: the newest one not yet read), waiting up to ``timeout``
        seconds (None: until one comes). None at the end of the stream; TimeoutError if nothing came in
        time; a stream that failed raises its error (StreamError, TimeoutError, ...) once, at its end.
        The GIL is released while waiting."""
        return self._live().read(timeout)

    def latest(self) -> Optional[VideoFrame]:
        """The newest frame decoded so far, without waiting (it may have been read already); None before
        the first frame."""
        return self._live().latest()

    def __iter__(self) -> Iterator[VideoFrame]:
        while True:
            frame = self.read()
            if frame is None:
                return
            yield frame

    # -- state --------------------------------------------------------------------------------------
    @property
    def stats(self) -> dict:
        """decoded, delivered, dropped, decode_errors, reconnects, queued, running, ended (also after close)."""
        return self._opened().stats

    @property
    def info(self) -> dict:
        """source, format, codec, native_size, size, fps, duration, frame_count, live, notes, ..."""
        return self._opened().info

    @property
    def size(self) -> Tuple[int, int]:
        return self.info["size"]

    @property
    def width(self) -> int:
        return self.info["width"]

    @property
    def height(self) -> int:
        return self.info["height"]

    @property
    def fps(self) -> float:
        return self.info["fps"]

    @property
    def closed(self) -> bool:
        return self._src is None or self._src.closed

    def close(self) -> None:
        """Stops the grab thread, joins it and closes the device/file/connection. Idempotent."""
        if self._src is not None:
            self._src.close()

    def _opened(self):
        if self._src is None:
            raise _percept.StreamError("video source was not opened")
        return self._src

    def _live(self):
        if self._src is None or self._src.closed:
            raise _percept.StreamError("video source is closed")
        return self._src

    def __enter__(self) -> "VideoSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass

    def __repr__(self) -> str:
        if self._src is None:
            return "<percept.video.VideoSource (not opened)>"
        i = self._src.info
        state = "closed" if self._src.closed else "open"
        return f"<percept.video.VideoSource {i['source']!r} {i['width']}x{i['height']} {i['pixel_format']} {state}>"


def probe(source: Union[str, int, "os.PathLike[str]"], *, input_format: Optional[str] = None,
          open_timeout: float = 10.0) -> dict:
    """Opens a source, reads its header and returns format, codec, size, fps, duration, frame count."""
    return _percept._probe_video(_source_name(source), input_format, float(open_timeout))


def frames(path: Union[str, "os.PathLike[str]"], every_seconds: Optional[float] = None, *, start: float = 0.0,
           end: Optional[float] = None, size: Optional[Tuple[int, int]] = None,
           pixel_format: str = "bgr") -> Iterator[VideoFrame]:
    """Extracts frames from a file: every frame from ``start`` (seconds), or with ``every_seconds`` the
    first frame at or after start, start + every_seconds, ... up to ``end``. Far targets are reached by
    seeking (to the key frame before, then decoding forward); near ones by decoding forward."""
    if every_seconds is not None and not (every_seconds > 0 and math.isfinite(every_seconds)):
        raise _percept.ParameterError(f"every_seconds must be a positive number, got {every_seconds}")
    if not (start >= 0 and math.isfinite(start)):
        raise _percept.ParameterError(f"start must be >= 0 seconds, got {start}")
    reader = _percept._VideoReader(_source_name(path), _size(size), pixel_format)
    if start > 0:
        reader.seek(start)
    target = start
    last_pts = -math.inf
    while True:
        if end is not None and target > end + 1e-9:
            return
        if every_seconds is not None and target - last_pts > 2.0 and last_pts > -math.inf:
            reader.seek(target)
        while True:
            frame = reader.read()
            if frame is None:
                return
            last_pts = frame.pts
            if every_seconds is None or math.isnan(frame.pts) or frame.pts >= target - 1e-6:
                break
        if end is not None and frame.pts > end + 1e-9:
            return
        yield frame
        if every_seconds is None:
            target = frame.pts
        else:
            k = math.floor((frame.pts - start) / every_seconds + 1e-9) + 1
            target = start + k * every_seconds
