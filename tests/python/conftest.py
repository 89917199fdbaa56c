import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
if str(ROOT / "build" / "python") not in sys.path and "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(ROOT / "build" / "python"))


@pytest.fixture
def data_dir():
    return DATA
