from typing import Optional

import numpy as np

def specshow(data: np.ndarray, *, x_coords: None = ..., y_coords: None = ..., x_axis: Optional[str] = ...,
             y_axis: Optional[str] = ..., sr: float = ..., hop_length: int = ..., n_fft: Optional[int] = ...,
             win_length: Optional[int] = ..., fmin: Optional[float] = ..., fmax: Optional[float] = ...,
             tuning: float = ..., bins_per_octave: int = ..., htk: bool = ..., cmap: Optional[str] = ...,
             vmin: Optional[float] = ..., vmax: Optional[float] = ..., title: Optional[str] = ..., colorbar: bool = ...,
             colorbar_label: Optional[str] = ..., width: int = ..., height: int = ..., out: Optional[str] = ...,
             ax: None = ...) -> np.ndarray: ...
