from typing import Any, Callable, Optional

import numpy as np

def melspectrogram(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ...,
                   n_fft: int = ..., hop_length: int = ..., win_length: Optional[int] = ..., window: Any = ...,
                   center: bool = ..., pad_mode: str = ..., power: float = ..., **kwargs: Any) -> np.ndarray: ...
def mfcc(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ..., n_mfcc: int = ...,
         dct_type: int = ..., norm: Optional[str] = ..., lifter: float = ..., **kwargs: Any) -> np.ndarray: ...
def spectral_centroid(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ...,
                      n_fft: int = ..., hop_length: int = ..., freq: Optional[np.ndarray] = ...,
                      win_length: Optional[int] = ..., window: Any = ..., center: bool = ...,
                      pad_mode: str = ...) -> np.ndarray: ...
def spectral_bandwidth(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ...,
                       n_fft: int = ..., hop_length: int = ..., win_length: Optional[int] = ..., window: Any = ...,
                       center: bool = ..., pad_mode: str = ..., freq: Optional[np.ndarray] = ...,
                       centroid: Optional[np.ndarray] = ..., norm: bool = ..., p: float = ...) -> np.ndarray: ...
def spectral_rolloff(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ...,
                     n_fft: int = ..., hop_length: int = ..., win_length: Optional[int] = ..., window: Any = ...,
                     center: bool = ..., pad_mode: str = ..., freq: Optional[np.ndarray] = ...,
                     roll_percent: float = ...) -> np.ndarray: ...
def spectral_flatness(*, y: Optional[np.ndarray] = ..., S: Optional[np.ndarray] = ..., n_fft: int = ...,
                      hop_length: int = ..., win_length: Optional[int] = ..., window: Any = ..., center: bool = ...,
                      pad_mode: str = ..., amin: float = ..., power: float = ...) -> np.ndarray: ...
def spectral_contrast(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ...,
                      n_fft: int = ..., hop_length: int = ..., win_length: Optional[int] = ..., window: Any = ...,
                      center: bool = ..., pad_mode: str = ..., freq: None = ..., fmin: float = ...,
                      n_bands: int = ..., quantile: float = ..., linear: bool = ...) -> np.ndarray: ...
def zero_crossing_rate(y: np.ndarray, *, frame_length: int = ..., hop_length: int = ..., center: bool = ...,
                       **kwargs: Any) -> np.ndarray: ...
def rms(*, y: Optional[np.ndarray] = ..., S: Optional[np.ndarray] = ..., frame_length: int = ...,
        hop_length: int = ..., center: bool = ..., pad_mode: str = ..., dtype: np.dtype = ...) -> np.ndarray: ...
def chroma_stft(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ...,
                norm: Optional[float] = ..., n_fft: int = ..., hop_length: int = ..., win_length: Optional[int] = ...,
                window: Any = ..., center: bool = ..., pad_mode: str = ..., tuning: Optional[float] = ...,
                n_chroma: int = ..., **kwargs: Any) -> np.ndarray: ...
def tempogram(*, y: Optional[np.ndarray] = ..., sr: float = ..., onset_envelope: Optional[np.ndarray] = ...,
              hop_length: int = ..., win_length: int = ..., center: bool = ..., window: Any = ...,
              norm: float = ...) -> np.ndarray: ...
def tempo(*, y: Optional[np.ndarray] = ..., sr: float = ..., onset_envelope: Optional[np.ndarray] = ...,
          tg: Optional[np.ndarray] = ..., hop_length: int = ..., start_bpm: float = ..., std_bpm: float = ...,
          ac_size: float = ..., max_tempo: Optional[float] = ..., aggregate: Optional[Callable] = ...,
          prior: Any = ...) -> np.ndarray: ...
