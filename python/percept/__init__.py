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

# Audio files (librosa / soundfile / pedalboard style)
from ._io import AudioFile, get_duration, info, load, resample, write  # noqa: F401

# Real-time audio: devices and streams (sounddevice style)
from ._streams import (  # noqa: F401
    Duplex,
    InputStream,
    JackDummyServer,
    OutputStream,
    devices,
    host_apis,
)

# Analysis with librosa's names and defaults
from ._spectral import (  # noqa: F401
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
from ._analysis_b import (  # noqa: F401
    StreamingChromaCQT,
    StreamingCQT,
    cqt,
    cqt_frequencies,
    estimate_tuning,
    pitch_tuning,
    vqt,
    yin,
)

# Namespaces: percept.feature, percept.dsp, percept.video, ...
from . import (  # noqa: F401,E402
    batch,
    beat,
    decompose,
    display,
    dsp,
    effects,
    feature,
    filters,
    onset,
    sensors,
    streaming,
    util,
    video,
    vision,
)
from .sensors import AVCapture  # noqa: F401,E402

__version__ = "0.1.0"

__all__ = [
    # core
    "Error", "ParameterError", "FileError", "FormatError", "DeviceError", "StreamError", "TimeoutError",
    "Processor", "clock", "clock_ns",
    # audio files
    "AudioFile", "AudioInfo", "ReadableAudioFile", "WritableAudioFile", "get_duration", "info", "load",
    "resample", "write",
    # streams
    "Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "host_apis",
    # analysis
    "amplitude_to_db", "db_to_amplitude", "db_to_power", "fft_frequencies", "frames_to_samples",
    "frames_to_time", "hz_to_mel", "istft", "magphase", "mel_frequencies", "mel_to_hz", "power_to_db",
    "samples_to_frames", "stft", "time_to_frames", "CQTProcessor", "StreamingCQT", "StreamingChromaCQT", "cqt",
    "cqt_frequencies", "estimate_tuning", "pitch_tuning", "vqt", "yin",
    # capture of everything on one clock
    "AVCapture",
    # namespaces
    "batch", "beat", "decompose", "display", "dsp", "effects", "feature", "filters", "onset", "sensors",
    "streaming", "util", "video", "vision",
]
