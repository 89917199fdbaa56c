"""percept.vision against OpenCV (Debian's python3-opencv) and numpy."""
import cv2
import numpy as np
import pytest

import percept
from percept import vision

RNG = np.random.default_rng(7)


def smooth_image(w=640, h=480):
    small = RNG.integers(0, 256, (h // 10, w // 10, 3), dtype=np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


NOISE = RNG.integers(0, 256, (97, 131, 3), dtype=np.uint8)


@pytest.mark.parametrize("code,cv", [("bgr2gray", cv2.COLOR_BGR2GRAY), ("rgb2gray", cv2.COLOR_RGB2GRAY),
                                     ("bgr2rgb", cv2.COLOR_BGR2RGB), ("bgr2yuv", cv2.COLOR_BGR2YUV),
                                     ("rgb2yuv", cv2.COLOR_RGB2YUV), ("yuv2bgr", cv2.COLOR_YUV2BGR),
                                     ("yuv2rgb", cv2.COLOR_YUV2RGB)])
def test_cvt_color_is_bit_exact_with_opencv(code, cv):
    np.testing.assert_array_equal(vision.cvt_color(NOISE, code), cv2.cvtColor(NOISE, cv))


def test_gray_to_bgr_and_bad_input():
    g = NOISE[..., 0].copy()
    np.testing.assert_array_equal(vision.cvt_color(g, "gray2bgr"), cv2.cvtColor(g, cv2.COLOR_GRAY2BGR))
    with pytest.raises(percept.ParameterError):
        vision.cvt_color(g, "bgr2gray")  # 1 channel given
    with pytest.raises(percept.ParameterError):
        vision.cvt_color(NOISE.astype(np.float32), "bgr2gray")
    with pytest.raises(percept.ParameterError):
        vision.cvt_color(NOISE, "bgr2lab")
    # Non-contiguous input (a slice) is accepted.
    np.testing.assert_array_equal(vision.cvt_color(NOISE[:, ::2], "bgr2gray"),
                                  cv2.cvtColor(np.ascontiguousarray(NOISE[:, ::2]), cv2.COLOR_BGR2GRAY))


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("bins", [1, 7, 10, 256, 1000])
@pytest.mark.parametrize("rng", [None, (0, 256), (10.5, 200.25), (-3, 7), (5, 5)])
def test_histogram_equals_numpy_bit_for_bit(dtype, bins, rng):
    if dtype == np.uint8:
        x = RNG.integers(0, 256, 20000).astype(dtype)
    else:
        x = RNG.normal(100, 60, 20000).astype(dtype)
        x[:30] = 10.5  # values on edges
        x[30:60] = 200.25
        x[60:90] = 5
    counts, edges = vision.histogram(x, bins, rng)
    ref_counts, ref_edges = np.histogram(x, bins, rng)
    np.testing.assert_array_equal(counts, ref_counts)
    assert edges.dtype == ref_edges.dtype
    np.testing.assert_array_equal(edges, ref_edges)


def test_histogram_errors_and_channels():
    with pytest.raises(percept.ParameterError):
        vision.histogram(np.array([1.0, np.nan]))
    with pytest.raises(percept.ParameterError):
        vision.histogram(np.arange(5.0), 0)
    with pytest.raises(percept.ParameterError):
        vision.histogram(np.arange(5.0), 5, (3, 1))
    ints = RNG.integers(-1000, 1000, 5000).astype(np.int16)
    for got, ref in zip(vision.histogram(ints, 37), np.histogram(ints, 37)):
        np.testing.assert_array_equal(got, ref)
    with pytest.raises(percept.ParameterError):
        vision.histogram(np.arange(5, dtype=np.complex64))
    np.testing.assert_array_equal(vision.histogram(np.array([1.0, np.nan]), 4, (0, 2))[0],
                                  np.histogram(np.array([1.0, np.nan]), 4, (0, 2))[0])
    counts, edges = vision.histogram_channels(NOISE, 32)
    assert counts.shape == (3, 32)
    for c in range(3):
        np.testing.assert_array_equal(counts[c], np.histogram(NOISE[..., c], 32, (0, 256))[0])
    np.testing.assert_array_equal(edges, np.histogram(NOISE[..., 0], 32, (0, 256))[1])


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.6, 4.0])
def test_gaussian_blur_matches_opencv(sigma):
    img = NOISE.astype(np.float32)
    np.testing.assert_allclose(vision.gaussian_blur(NOISE, sigma), cv2.GaussianBlur(img, (0, 0), sigma), atol=2e-4)


def test_difference_of_gaussians_matches_opencv_and_is_a_band_pass():
    img = NOISE.astype(np.float32)
    ref = cv2.GaussianBlur(img, (0, 0), 1.0) - cv2.GaussianBlur(img, (0, 0), 2.0)
    d = vision.difference_of_gaussians(NOISE, 1.0, 2.0)
    assert d.dtype == np.float32 and d.shape == NOISE.shape
    np.testing.assert_allclose(d, ref, atol=2e-4)
    flat = np.full((40, 50), 77, np.uint8)
    np.testing.assert_allclose(vision.dog(flat, 1.0, 3.0), 0, atol=1e-4)  # no response to a constant
    with pytest.raises(percept.ParameterError):
        vision.dog(img, 0.0, 1.0)
    bad = img.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(percept.ParameterError):
        vision.dog(bad, 1.0, 2.0)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dsize,center,radius", [((640, 480), (320, 240), 240), ((200, 360), (300.5, 200.25), 400),
                                                 ((64, 64), (10, 10), 50), ((640, 480), (639, 479), 800)])
@pytest.mark.parametrize("channels", [1, 3, 2])
def test_warp_polar_is_bit_exact_with_opencv(log, dsize, center, radius, channels):
    img = smooth_image()
    img = img[..., 0].copy() if channels == 1 else np.ascontiguousarray(img[..., :channels])
    flags = cv2.INTER_LINEAR + cv2.WARP_FILL_OUTLIERS + (cv2.WARP_POLAR_LOG if log else 0)
    ref = cv2.warpPolar(img, dsize, center, radius, flags)
    np.testing.assert_array_equal(vision.warp_polar(img, dsize, center, radius, log=log), ref)


def test_polar_map_tables_and_fovea_mode():
    m = vision.PolarMap((640, 480), (640, 480), mode="log")
    img = smooth_image()
    np.testing.assert_array_equal(m(img), cv2.remap(img, m.map_x, m.map_y, cv2.INTER_LINEAR,
                                                    borderMode=cv2.BORDER_CONSTANT))
    f = vision.calculate_lut((640, 480), (200, 360), mode="log_fovea", fovea=20.0, max_radius=240)
    r = [f.radius(j) for j in range(200)]
    assert r[0] == 0 and np.all(np.diff(r) > 0)
    # log(r + a) is sampled uniformly, so radii follow a * q**j - a.
    q = (240 + 20.0) / 20.0
    np.testing.assert_allclose(r, 20.0 * q ** (np.arange(200) / 200) - 20.0, rtol=1e-9, atol=1e-9)
    # Inside the fovea the spacing is nearly constant; outside it grows geometrically.
    steps = np.diff(r)
    assert steps[1] / steps[0] < 1.02 and steps[-1] > 5 * steps[0]
    out = np.empty((360, 200, 3), np.uint8)
    assert vision.convert_image(f, img, out) is out
    np.testing.assert_array_equal(out, cv2.remap(img, f.map_x, f.map_y, cv2.INTER_LINEAR,
                                                 borderMode=cv2.BORDER_CONSTANT))
    with pytest.raises(percept.ParameterError):
        f(img[:100])  # wrong size
    with pytest.raises(percept.ParameterError):
        f(img, np.empty((360, 400, 3), np.uint8)[:, ::2])  # a non-contiguous `out` would be a silent copy
    with pytest.raises(percept.ParameterError):
        f(img, np.empty((360, 200, 3), np.float32))
    with pytest.raises(percept.ParameterError):
        vision.PolarMap((640, 480), (0, 10))
    with pytest.raises(percept.ParameterError):
        vision.PolarMap((640, 480), (10, 10), mode="spiral")
    with pytest.raises(percept.ParameterError):
        vision.PolarMap((640, 480), (10, 10), mode="log_fovea", fovea=0)


def test_hemifields_are_views_and_share_the_meridian():
    img = NOISE[:, :131]
    left, right = vision.hemifields(img)
    assert left.shape[1] == 66 and right.shape[1] == 66
    np.testing.assert_array_equal(left[:, -1], right[:, 0])  # the middle column belongs to both
    assert np.shares_memory(left, img)
    l2, r2 = vision.hemifields(np.zeros((4, 10)), overlap=2)
    assert l2.shape[1] == 7 and r2.shape[1] == 7
    with pytest.raises(percept.ParameterError):
        vision.hemifields(np.zeros((4, 10)), overlap=6)


@pytest.mark.parametrize("rows", [360, 361, 362, 363, 8])
def test_polar_hemifields_split_by_angle(rows):
    img = smooth_image()
    polar = vision.warp_polar(img, (100, rows), (320, 240), 200)
    left, right = vision.polar_hemifields(polar)
    angles = 360.0 * np.arange(rows) / rows
    in_left = (angles >= 90) & (angles < 270)
    np.testing.assert_array_equal(left, polar[in_left])
    order = np.r_[np.nonzero(angles >= 270)[0], np.nonzero(angles < 90)[0]]
    np.testing.assert_array_equal(right, polar[order])
    assert left.shape[0] + right.shape[0] == rows
    # The left hemifield samples only the left half of the image (x < centre) and vice versa.
    m = vision.PolarMap((640, 480), (100, rows), (320, 240), 200)
    assert np.all(m.map_x[in_left][:, 1:] <= 320 + 1e-3)
    assert np.all(m.map_x[~in_left][:, 1:] >= 320 - 1e-3)
    gl, gr = vision.polar_hemifields(polar[..., 0].copy())
    assert gl.ndim == 2 and gr.ndim == 2


def test_frame_difference_and_motion_energy():
    a = NOISE
    b = np.roll(NOISE, 3, axis=1)
    np.testing.assert_array_equal(vision.frame_diff(a, b), cv2.absdiff(a, b))
    e = vision.motion_energy(a, b, threshold=30)
    d = np.abs(a.astype(int) - b.astype(int))
    assert e["mean_abs"] == pytest.approx(d.mean())
    assert e["mean_square"] == pytest.approx((d ** 2).mean())
    assert e["changed"] == pytest.approx((d > 30).any(axis=2).mean())
    assert vision.motion_energy(a, a)["mean_square"] == 0
    with pytest.raises(percept.ParameterError):
        vision.motion_energy(a, a[:10])
    det = vision.MotionDetector(threshold=30)
    assert det.update(a)["mean_abs"] == 0
    assert det.update(b)["mean_abs"] == pytest.approx(d.mean())


def test_resize_with_swscale():
    img = smooth_image(320, 240)
    same = vision.resize(img, (320, 240), "cubic")
    assert np.abs(same.astype(int) - img).max() <= 1
    up = vision.resize(img, (640, 480), "linear")
    ref = cv2.resize(img, (640, 480), interpolation=cv2.INTER_LINEAR)
    assert up.shape == (480, 640, 3)
    assert np.abs(up.astype(int) - ref).mean() < 1.0
    down = vision.resize(img, (160, 120), "area")
    ref = cv2.resize(img, (160, 120), interpolation=cv2.INTER_AREA)
    assert np.abs(down.astype(int) - ref).mean() < 1.0
    g = vision.resize(img[..., 1].copy(), (100, 50), "nearest")
    assert g.shape == (50, 100)
    with pytest.raises(percept.ParameterError):
        vision.resize(img, (0, 10))
    with pytest.raises(percept.ParameterError):
        vision.resize(img, (10, 10), "sinc")
