from typing import Any, Optional, Tuple

import numpy as np

from .feature import tempo as tempo

def beat_track(*, y: Optional[np.ndarray] = ..., sr: float = ..., onset_envelope: Optional[np.ndarray] = ...,
               hop_length: int = ..., start_bpm: float = ..., tightness: float = ..., trim: bool = ...,
               bpm: Optional[float] = ..., prior: Any = ..., units: str = ...,
               sparse: bool = ...) -> Tuple[np.ndarray, np.ndarray]: ...
