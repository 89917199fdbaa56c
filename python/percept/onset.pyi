from typing import Any, Callable, Optional

import numpy as np

def onset_strength(*, y: Optional[np.ndarray] = ..., sr: float = ..., S: Optional[np.ndarray] = ..., lag: int = ...,
                   max_size: int = ..., ref: Optional[np.ndarray] = ..., detrend: bool = ..., center: bool = ...,
                   feature: Optional[Callable] = ..., aggregate: Optional[Callable] = ...,
                   **kwargs: Any) -> np.ndarray: ...
def onset_backtrack(events: np.ndarray, energy: np.ndarray) -> np.ndarray: ...
def onset_detect(*, y: Optional[np.ndarray] = ..., sr: float = ..., onset_envelope: Optional[np.ndarray] = ...,
                 hop_length: int = ..., backtrack: bool = ..., energy: Optional[np.ndarray] = ..., units: str = ...,
                 normalize: bool = ..., sparse: bool = ..., **kwargs: Any) -> np.ndarray: ...
