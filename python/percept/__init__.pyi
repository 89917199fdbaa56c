from os import PathLike
from typing import Optional, Union

import numpy as np
import numpy.typing as npt

from . import (
    batch as batch,
    beat as beat,
    decompose as decompose,
    display as display,
    dsp as dsp,
    effects as effects,
    feature as feature,
    filters as filters,
    onset as onset,
    sensors as sensors,
    streaming as streaming,
    util as util,
    video as video,
    vision as vision,
)
from ._analysis_b import (
    StreamingChromaCQT as StreamingChromaCQT,
    StreamingCQT as StreamingCQT,
    cqt as cqt,
    cqt_frequencies as cqt_frequencies,
    estimate_tuning as estimate_tuning,
    pitch_tuning as pitch_tuning,
    vqt as vqt,
    yin as yin,
)
from ._percept import (
    AudioInfo as AudioInfo,
    CQTProcessor as CQTProcessor,
    DeviceError as DeviceError,
    Error as Error,
    FileError as FileError,
    FormatError as FormatError,
    ParameterError as ParameterError,
    Processor as Processor,
    ReadableAudioFile as ReadableAudioFile,
    StreamError as StreamError,
    TimeoutError as TimeoutError,
    WritableAudioFile as WritableAudioFile,
    clock as clock,
    clock_ns as clock_ns,
)
from ._spectral import (
    amplitude_to_db as amplitude_to_db,
    db_to_amplitude as db_to_amplitude,
    db_to_power as db_to_power,
    fft_frequencies as fft_frequencies,
    frames_to_samples as frames_to_samples,
    frames_to_time as frames_to_time,
    hz_to_mel as hz_to_mel,
    istft as istft,
    magphase as magphase,
    mel_frequencies as mel_frequencies,
    mel_to_hz as mel_to_hz,
    power_to_db as power_to_db,
    samples_to_frames as samples_to_frames,
    stft as stft,
    time_to_frames as time_to_frames,
)
from ._streams import (
    Duplex as Duplex,
    InputStream as InputStream,
    JackDummyServer as JackDummyServer,
    OutputStream as OutputStream,
    devices as devices,
    host_apis as host_apis,
)
from .sensors import AVCapture as AVCapture


_Path = Union[str, PathLike[str]]
__version__: str

def load(
    path: _Path,
    *,
    sr: Optional[float] = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: Optional[float] = None,
    dtype: npt.DTypeLike = np.float32,
    res_type: str = "soxr_hq",
) -> tuple[npt.NDArray[np.floating], Union[int, float]]: ...
def write(path: _Path, y: npt.ArrayLike, sr: int, subtype: Optional[str] = None, format: Optional[str] = None) -> None: ...
def info(path: _Path) -> AudioInfo: ...
def get_duration(
    *,
    y: Optional[npt.ArrayLike] = None,
    sr: float = 22050,
    path: Optional[_Path] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    center: bool = True,
    S: Optional[npt.ArrayLike] = None,
) -> float: ...
def resample(
    y: npt.NDArray[np.floating],
    *,
    orig_sr: float,
    target_sr: float,
    res_type: str = "soxr_hq",
    fix: bool = True,
    scale: bool = False,
    axis: int = -1,
) -> npt.NDArray[np.floating]: ...
def AudioFile(
    path: _Path,
    mode: str = "r",
    samplerate: Optional[float] = None,
    num_channels: int = 1,
    subtype: Optional[str] = None,
    format: Optional[str] = None,
    *,
    allow_truncated: bool = False,
) -> Union[ReadableAudioFile, WritableAudioFile]: ...
