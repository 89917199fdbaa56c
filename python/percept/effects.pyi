from typing import Optional, Tuple, Union

import numpy as np

def hpss(y: np.ndarray, *, kernel_size: Union[int, Tuple[int, int]] = ..., power: float = ..., mask: bool = ...,
         margin: Union[float, Tuple[float, float]] = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
         win_length: Optional[int] = ..., window: str = ..., center: bool = ..., pad_mode: str = ...) -> Tuple[np.ndarray, np.ndarray]: ...
def harmonic(y: np.ndarray, *, kernel_size: Union[int, Tuple[int, int]] = ..., power: float = ...,
             margin: Union[float, Tuple[float, float]] = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
             win_length: Optional[int] = ..., window: str = ..., center: bool = ..., pad_mode: str = ...) -> np.ndarray: ...
def percussive(y: np.ndarray, *, kernel_size: Union[int, Tuple[int, int]] = ..., power: float = ...,
               margin: Union[float, Tuple[float, float]] = ..., n_fft: int = ..., hop_length: Optional[int] = ...,
               win_length: Optional[int] = ..., window: str = ..., center: bool = ..., pad_mode: str = ...) -> np.ndarray: ...
