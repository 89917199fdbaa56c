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
from ._spectral import (  # noqa: F401  (librosa-compatible analysis, percept.feature & co.)
    amplitude_to_db,
    db_to_amplitude,
    db_to_power,
    fft_frequencies,
    frames_to_samples,
    frames_to_time,
    hz_to_mel,
    istft,
    magphase,
    mel_frequencies,
    mel_to_hz,
    power_to_db,
    samples_to_frames,
    stft,
    time_to_frames,
)
from . import feature, filters  # noqa: F401,E402  (the other submodules load on first use, see below)
from ._percept import CQTProcessor  # noqa: F401,E402
from ._analysis_b import (  # noqa: F401,E402  (analysis part B: constant-Q, tuning, YIN, streaming CQT)
    StreamingChromaCQT, StreamingCQT, cqt, cqt_frequencies, estimate_tuning, pitch_tuning, vqt, yin,
)

__version__ = "0.1.0"

# Audio devices, the engine, video and vision need FFmpeg / PortAudio / JACK (percept._percept_media and
# ~200 shared libraries): imported on first use (PEP 562), so that `import percept` stays light. The
# analysis submodules other than feature and filters are imported on first use as well (a few ms).
_LAZY_STREAMS = ("Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "engine_chain", "host_apis")
_LAZY_MODULES = ("video", "vision", "batch", "beat", "onset", "streaming", "util", "dsp", "decompose", "display",
                 "effects")


def __getattr__(name):
    import importlib

    if name in _LAZY_STREAMS:
        value = getattr(importlib.import_module("._streams", __name__), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module("." + name, __name__)
    else:
        raise AttributeError(f"module 'percept' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_STREAMS) | set(_LAZY_MODULES))

__all__ = [
    "AudioFile", "AudioInfo", "DeviceError", "Error", "FileError", "FormatError", "ParameterError", "Processor",
    "ReadableAudioFile", "StreamError", "TimeoutError", "WritableAudioFile", "clock", "clock_ns",
    "get_duration", "info", "load", "resample", "write",
    "Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "engine_chain", "host_apis",
    "video", "vision",
    "amplitude_to_db", "batch", "beat", "db_to_amplitude", "db_to_power", "feature", "fft_frequencies", "filters",
    "frames_to_samples", "frames_to_time", "hz_to_mel", "istft", "magphase", "mel_frequencies", "mel_to_hz",
    "onset", "power_to_db", "samples_to_frames", "stft", "streaming", "time_to_frames", "util",
    "dsp", "get_duration", "info", "load", "resample", "write",
    "CQTProcessor", "StreamingCQT", "StreamingChromaCQT", "cqt", "cqt_frequencies", "decompose", "display", "effects",
    "estimate_tuning", "pitch_tuning", "vqt", "yin",
]
