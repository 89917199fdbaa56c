from typing import Any, Optional, Tuple, Union

import numpy as np

def hpss(S: np.ndarray, *, kernel_size: Union[int, Tuple[int, int]] = ..., power: float = ..., mask: bool = ...,
         margin: Union[float, Tuple[float, float]] = ...) -> Tuple[np.ndarray, np.ndarray]: ...
def decompose(S: np.ndarray, *, n_components: Optional[int] = ..., transformer: Optional[np.ndarray] = ...,
              sort: bool = ..., fit: bool = ..., beta_loss: Union[str, float] = ..., init: str = ...,
              max_iter: int = ..., tol: float = ..., random_state: Optional[int] = ...) -> Tuple[np.ndarray, np.ndarray]: ...
