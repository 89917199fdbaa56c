"""Vision kernels on numpy uint8 images (H, W) or (H, W, C), in C++ without the GIL.

colour conversion (``cvt_color``, bit-exact with OpenCV's cvtColor for gray and YUV), ``resize`` (libswscale),
``histogram`` (numpy.histogram's bins, bit for bit) and ``histogram_channels``, ``gaussian_blur`` and
``difference_of_gaussians`` (OpenCV's kernel and border), polar / log-polar maps from a precomputed look-up
table (``PolarMap``; ``warp_polar`` mirrors cv2.warpPolar), ``hemifields``, ``frame_diff``,
``motion_energy`` and ``MotionDetector``.
"""
from __future__ import annotations

import functools
import math
from typing import Optional, Tuple

import numpy as np

from . import _percept_media as _percept  # the media extension (it re-exports the core names)

__all__ = ["cvt_color", "resize", "histogram", "histogram_channels", "gaussian_blur", "difference_of_gaussians",
           "dog", "PolarMap", "calculate_lut", "convert_image", "warp_polar", "hemifields", "polar_hemifields", "frame_diff",
           "motion_energy", "MotionDetector"]


def cvt_color(image: np.ndarray, code: str) -> np.ndarray:
    """'bgr2rgb', 'rgb2bgr', 'bgr2gray', 'rgb2gray', 'gray2bgr', 'gray2rgb', 'bgr2yuv', 'rgb2yuv',
    'yuv2bgr', 'yuv2rgb' — the same fixed-point arithmetic as cv2.cvtColor."""
    return _percept._vision_cvt_color(image, code)


def resize(image: np.ndarray, size: Tuple[int, int], interpolation: str = "linear") -> np.ndarray:
    """Resizes to ``size=(width, height)`` with libswscale ('nearest', 'linear', 'cubic', 'area',
    'lanczos'); each channel is scaled independently."""
    return _percept._vision_resize(image, (int(size[0]), int(size[1])), interpolation)


def histogram(a, bins: int = 10, range: Optional[Tuple[float, float]] = None):  # noqa: A002  (numpy's name)
    """``numpy.histogram(a, bins, range)`` for integer, float32 and float64 data: ``(counts, edges)``."""
    a = np.asarray(a)
    if a.dtype.kind in "iu" and a.dtype != np.uint8:
        a = a.astype(np.float64)  # numpy bins integer data in float64 too
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)):
        raise _percept.ParameterError("histogram: bins must be an integer (uniform bins)")
    return _percept._vision_histogram(a, int(bins), None if range is None else (float(range[0]), float(range[1])))


def histogram_channels(image: np.ndarray, bins: int = 256, range: Optional[Tuple[float, float]] = (0, 256)):  # noqa: A002
    """Per-channel histograms of a uint8 image: counts (channels, bins) and the shared edges."""
    return _percept._vision_histogram_channels(image, int(bins), None if range is None else
                                               (float(range[0]), float(range[1])))


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur in float32 (cv2.GaussianBlur(img.astype(float32), (0, 0), sigma))."""
    return _percept._vision_gaussian_blur(image, float(sigma))


def difference_of_gaussians(image: np.ndarray, sigma1: float, sigma2: float) -> np.ndarray:
    """G(sigma1) * image - G(sigma2) * image in float32 (a band-pass: edges and blobs)."""
    return _percept._vision_dog(image, float(sigma1), float(sigma2))


dog = difference_of_gaussians


class PolarMap:
    """A precomputed polar / log-polar map ("retina to cortex").

    ``src_size`` (width, height) of the input frames; ``dsize`` (radial samples, angular samples) of the
    output; ``center`` (x, y), default the image centre; ``max_radius`` default half the smaller
    side; ``mode`` 'linear' (cv2.WARP_POLAR_LINEAR), 'log'
    (cv2.WARP_POLAR_LOG) or 'log_fovea' (log(r + fovea) sampled uniformly: linear inside the fovea,
    logarithmic outside). Output rows are angles, columns radii, as cv2.warpPolar.
    """

    def __init__(self, src_size: Tuple[int, int], dsize: Tuple[int, int], center: Optional[Tuple[float, float]] = None,
                 max_radius: Optional[float] = None, mode: str = "linear", fovea: float = 1.0):
        w, h = int(src_size[0]), int(src_size[1])
        if center is None:
            center = (w / 2.0, h / 2.0)
        if max_radius is None:
            max_radius = min(w, h) / 2.0
        self._map = _percept._PolarMap((w, h), (int(dsize[0]), int(dsize[1])), (float(center[0]), float(center[1])),
                                       float(max_radius), mode, float(fovea))
        self.src_size, self.dsize, self.center, self.max_radius = (w, h), tuple(dsize), tuple(center), max_radius
        self.mode, self.fovea = mode, fovea

    def __call__(self, image: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Resamples one image (shape (h, w) or (h, w, C) of src_size) through the table."""
        if out is None:
            return self._map.apply(image)
        self._map.apply_into(image, out)
        return out

    apply = __call__
    convert_image = __call__

    @property
    def map_x(self) -> np.ndarray:
        """Source x of every output pixel (float32, as cv2.remap's map1)."""
        return self._map.map_x

    @property
    def map_y(self) -> np.ndarray:
        return self._map.map_y

    def radius(self, column: int) -> float:
        return self._map.radius(int(column))


def calculate_lut(src_size, dsize, center=None, max_radius=None, mode: str = "log_fovea", fovea: float = 1.0) -> PolarMap:
    """Builds the look-up table once (see :class:`PolarMap`)."""
    return PolarMap(src_size, dsize, center, max_radius, mode, fovea)


def convert_image(lut: PolarMap, image: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Applies a table from :func:`calculate_lut` to one image."""
    return lut(image, out)


@functools.lru_cache(maxsize=16)
def _cached_map(src_size, dsize, center, max_radius, mode):
    return PolarMap(src_size, dsize, center, max_radius, mode)


def warp_polar(image: np.ndarray, dsize: Tuple[int, int], center: Tuple[float, float], max_radius: float,
               log: bool = False) -> np.ndarray:
    """cv2.warpPolar(image, dsize, center, max_radius, INTER_LINEAR | WARP_FILL_OUTLIERS [| WARP_POLAR_LOG]),
    with the map cached between calls of the same geometry."""
    image = np.asarray(image)
    src_size = (int(image.shape[1]), int(image.shape[0]))
    m = _cached_map(src_size, (int(dsize[0]), int(dsize[1])), (float(center[0]), float(center[1])),
                    float(max_radius), "log" if log else "linear")
    return m(image)


def hemifields(image: np.ndarray, overlap: int = 0):
    """Left and right visual hemifields: views (no copy) of columns [0, ceil(w/2) + overlap) and
    [floor(w/2) - overlap, w); an odd middle column (the vertical meridian) belongs to both."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.shape[0] == 0 or image.shape[1] == 0:
        raise _percept.ParameterError("hemifields: expected a non-empty (H, W) or (H, W, C) image")
    w = image.shape[1]
    if not 0 <= overlap <= w // 2:
        raise _percept.ParameterError(f"hemifields: overlap must be in [0, {w // 2}], got {overlap}")
    return image[:, : (w + 1) // 2 + overlap], image[:, w // 2 - overlap:]


def polar_hemifields(polar_image: np.ndarray):
    """Left and right visual hemifields of a polar image (PolarMap / cv2.warpPolar layout, rows = angles):
    left = angles [90, 270) degrees, right = [270, 360) + [0, 90), each a new array."""
    return _percept._vision_polar_hemifields(polar_image)


def frame_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| per element, uint8 (cv2.absdiff)."""
    return _percept._vision_frame_diff(a, b)


def motion_energy(a: np.ndarray, b: np.ndarray, threshold: int = 25) -> dict:
    """Motion between two frames: mean |a - b|, mean (a - b)^2 (the energy), and the fraction of pixels
    where some channel changed by more than ``threshold``."""
    return _percept._vision_motion_energy(a, b, int(threshold))


class MotionDetector:
    """Motion energy of each frame against the previous one (the first frame gives zeros)."""

    def __init__(self, threshold: int = 25):
        self.threshold = int(threshold)
        self._previous = None

    def update(self, frame) -> dict:
        image = np.ascontiguousarray(getattr(frame, "image", frame))
        if self._previous is None or self._previous.shape != image.shape:
            self._previous = image.copy()
            return {"mean_abs": 0.0, "mean_square": 0.0, "changed": 0.0}
        e = motion_energy(image, self._previous, self.threshold)
        self._previous = image.copy()
        return e

    def reset(self) -> None:
        self._previous = None
