"""percept — real-time audio and video capture and processing.

Audio I/O follows librosa and soundfile (``load``, ``write``, ``info``, ``get_duration``), file objects
follow pedalboard (``AudioFile``). Arrays are numpy, shaped ``(channels, frames)`` or ``(frames,)``
like librosa. Every error percept raises derives from :class:`percept.Error`.
"""

from ._percept import (  # noqa: F401  (re-exported)
    AudioInfo,
    CQTProcessor,
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
from ._analysis_b import (  # noqa: F401,E402  (analysis part B: constant-Q, tuning, YIN, streaming CQT)
    StreamingChromaCQT, StreamingCQT, cqt, cqt_frequencies, estimate_tuning, pitch_tuning, vqt, yin,
)

__version__ = "0.1.0"

# Audio devices, the engine, video and vision need FFmpeg / PortAudio / JACK (percept._percept_media and
# ~200 shared libraries): imported on first use (PEP 562), so that `import percept` stays light. The
# analysis submodules other than feature and filters are imported on first use as well (a few ms).
_LAZY_STREAMS = ("Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "host_apis")
_LAZY_MODULES = ("video", "vision", "sensors", "batch", "beat", "onset", "streaming", "util", "dsp", "decompose",
                 "display", "effects")


def __getattr__(name):
    import importlib

    if name in _LAZY_STREAMS:
        value = getattr(importlib.import_module("._streams", __name__), name)
    elif name == "AVCapture":
        value = importlib.import_module(".sensors", __name__).AVCapture
    elif name in _LAZY_MODULES:
        value = importlib.import_module("." + name, __name__)
    else:
        raise AttributeError(f"module 'percept' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_STREAMS) | set(_LAZY_MODULES) | {"AVCapture"})

__all__ = [
    # core
    "Error", "ParameterError", "FileError", "FormatError", "DeviceError", "StreamError", "TimeoutError",
    "Processor", "clock", "clock_ns",
    # audio files
    "AudioFile", "AudioInfo", "ReadableAudioFile", "WritableAudioFile", "get_duration", "info", "load",
    "resample", "write",
    # streams (loaded on first use)
    "Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "host_apis",
    # analysis
    "amplitude_to_db", "db_to_amplitude", "db_to_power", "fft_frequencies", "frames_to_samples",
    "frames_to_time", "hz_to_mel", "istft", "magphase", "mel_frequencies", "mel_to_hz", "power_to_db",
    "samples_to_frames", "stft", "time_to_frames", "CQTProcessor", "StreamingCQT", "StreamingChromaCQT", "cqt",
    "cqt_frequencies", "estimate_tuning", "pitch_tuning", "vqt", "yin",
    # capture of everything on one clock (loaded on first use)
    "AVCapture",
    # namespaces
    "batch", "beat", "decompose", "display", "dsp", "effects", "feature", "filters", "onset", "sensors",
    "streaming", "util", "video", "vision",
]
