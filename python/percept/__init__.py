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
    host_apis,
)
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
from . import batch, beat, feature, filters, onset, streaming, util  # noqa: F401,E402
from . import video, vision  # noqa: F401,E402  (percept.video, percept.vision)
from . import dsp  # noqa: F401  (percept.dsp: processors, filter design)
from ._percept import CQTProcessor  # noqa: F401,E402
from ._analysis_b import (  # noqa: F401,E402  (analysis part B: constant-Q, tuning, YIN, streaming CQT)
    StreamingChromaCQT, StreamingCQT, cqt, cqt_frequencies, estimate_tuning, pitch_tuning, vqt, yin,
)
from . import decompose, display, effects  # noqa: F401,E402

__version__ = "0.1.0"

__all__ = [
    "AudioFile", "AudioInfo", "DeviceError", "Error", "FileError", "FormatError", "ParameterError", "Processor",
    "ReadableAudioFile", "StreamError", "TimeoutError", "WritableAudioFile", "clock", "clock_ns",
    "get_duration", "info", "load", "resample", "write",
    "Duplex", "InputStream", "JackDummyServer", "OutputStream", "devices", "host_apis",
    "amplitude_to_db", "batch", "beat", "db_to_amplitude", "db_to_power", "feature", "fft_frequencies", "filters",
    "frames_to_samples", "frames_to_time", "hz_to_mel", "istft", "magphase", "mel_frequencies", "mel_to_hz",
    "onset", "power_to_db", "samples_to_frames", "stft", "streaming", "time_to_frames", "util",
    "dsp", "get_duration", "info", "load", "resample", "write",
    "CQTProcessor", "StreamingCQT", "StreamingChromaCQT", "cqt", "cqt_frequencies", "decompose", "display", "effects",
    "estimate_tuning", "pitch_tuning", "vqt", "yin",
]
