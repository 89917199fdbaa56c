"""percept — real-time audio and video capture and processing.

Audio I/O follows librosa and soundfile (``load``, ``write``, ``info``, ``get_duration``), file objects
follow pedalboard (``AudioFile``). Arrays are numpy, shaped ``(channels, frames)`` or ``(frames,)``
like librosa. Every error percept raises derives from :class:`percept.Error`.
"""

from ._percept import (  # noqa: F401  (re-exported)
    AudioInfo,
    DeviceError,
    Error,
    FileError,
    FormatError,
    ParameterError,
    Processor,
    ReadableAudioFile,
    StreamError,
    TimeoutError,
    WritableAudioFile,
    clock,
    clock_ns,
)
from ._io import AudioFile, get_duration, info, load, resample, write  # noqa: F401
from ._streams import (  # noqa: F401
    Duplex,
    InputStream,
    JackDummyServer,
    OutputStream,
    devices,
    engine_chain,
    host_apis,
)

__version__ = "0.1.0"

__all__ = [
    "AudioFile", "AudioInfo", "DeviceError", "Error", "FileError", "FormatError", "ParameterError", "Processor",
    "ReadableAudioFile", "StreamError", "TimeoutError", "WritableAudioFile", "clock", "clock_ns",
    "get_duration", "info", "load", "resample", "write",
    "Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "engine_chain", "host_apis",
]
