"""percept — real-time audio and video capture and processing.

Audio I/O follows librosa and soundfile (``load``, ``write``, ``info``, ``get_duration``), file objects
follow pedalboard (``AudioFile``). Arrays are numpy, shaped ``(channels, frames)`` or ``(frames,)``
like librosa. Every error percept raises derives from :class:`percept.Error`.
"""
from __future__ import annotations

from ._percept import (  # noqa: F401  (re-exported)
    AudioInfo,
    DeviceError,
    Error,
    FileError,
    FormatError,
    ParameterError,
    ReadableAudioFile,
    StreamError,
    TimeoutError,
    WritableAudioFile,
    clock,
    clock_ns,
    info,
)
from ._io import AudioFile, get_duration, load, resample, write  # noqa: F401
from ._streams import (  # noqa: F401
    Duplex,
    InputStream,
    JackDummyServer,
    OutputStream,
    devices,
    engine_chain,
    host_apis,
)
from . import video, vision  # noqa: F401,E402  (percept.video, percept.vision)
from . import sensors  # noqa: F401
from .sensors import AVCapture  # noqa: F401

__version__ = "0.1.0"

__all__ = [
    "AVCapture", "sensors",
    "AudioFile", "AudioInfo", "DeviceError", "Error", "FileError", "FormatError", "ParameterError",
    "ReadableAudioFile", "StreamError", "TimeoutError", "WritableAudioFile", "clock", "clock_ns",
    "get_duration", "info", "load", "resample", "write",
    "Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "engine_chain", "host_apis",
]
