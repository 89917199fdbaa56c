import os
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

KINDS: Tuple[str, ...]

def load_many(paths: Sequence[Union[str, "os.PathLike[str]"]], *, sr: Optional[float] = ...,
              n_jobs: Optional[int] = ...) -> List[Tuple[np.ndarray, float]]: ...
def features(inputs: Union[Sequence[Union[str, "os.PathLike[str]"]], Sequence[np.ndarray]],
             kind: Union[str, Callable] = ..., *, sr: float = ..., n_jobs: Optional[int] = ...,
             **params: Any) -> List[np.ndarray]: ...
