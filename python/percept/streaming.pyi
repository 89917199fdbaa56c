from typing import Optional, Union

import numpy as np

from . import _percept

class StreamingAnalyzer(_percept.Processor):
    feature_size: int
    frames_emitted: int
    frames_dropped: int
    def process_chunk(self, x: np.ndarray) -> np.ndarray: ...
    def flush(self) -> np.ndarray: ...
    def read_frames(self) -> np.ndarray: ...
    def set_queue_frames(self, frames: int) -> None: ...

class StreamingSTFT(StreamingAnalyzer):
    def __init__(self, sr: float = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
                 win_length: Optional[int] = ..., window: str = ..., center: bool = ..., output: str = ...) -> None: ...

class StreamingMel(StreamingAnalyzer):
    def __init__(self, sr: float = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
                 win_length: Optional[int] = ..., window: str = ..., center: bool = ..., power: float = ...,
                 n_mels: int = ..., fmin: float = ..., fmax: Optional[float] = ..., htk: bool = ...,
                 norm: Optional[Union[str, float]] = ..., log: bool = ..., ref: float = ..., amin: float = ...,
                 floor_db: Optional[float] = ...) -> None: ...

class StreamingMFCC(StreamingAnalyzer):
    def __init__(self, sr: float = ..., n_mfcc: int = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
                 win_length: Optional[int] = ..., window: str = ..., center: bool = ..., n_mels: int = ...,
                 fmin: float = ..., fmax: Optional[float] = ..., htk: bool = ...,
                 norm: Optional[Union[str, float]] = ..., lifter: float = ..., ref: float = ..., amin: float = ...,
                 floor_db: Optional[float] = ...) -> None: ...

class StreamingOnsetStrength(StreamingAnalyzer):
    def __init__(self, sr: float = ..., n_fft: int = ..., hop_length: int = ..., lag: int = ..., max_size: int = ...,
                 detrend: bool = ..., center: bool = ..., aggregate: str = ..., n_mels: int = ..., fmin: float = ...,
                 fmax: Optional[float] = ..., htk: bool = ..., ref: float = ..., amin: float = ...,
                 floor_db: Optional[float] = ...) -> None: ...

class StreamingSpectralStats(StreamingAnalyzer):
    def __init__(self, sr: float = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
                 win_length: Optional[int] = ..., window: str = ..., center: bool = ..., roll_percent: float = ...,
                 fmin: float = ..., n_bands: int = ..., quantile: float = ..., linear: bool = ...) -> None: ...

class StreamingChroma(StreamingAnalyzer):
    def __init__(self, sr: float = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
                 win_length: Optional[int] = ..., window: str = ..., center: bool = ..., tuning: float = ...,
                 norm: Optional[float] = ..., n_chroma: int = ...) -> None: ...
