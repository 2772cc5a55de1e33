"""Optical-flow face motion: recovers a known similarity, calls a still face still, refuses blanks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facefilter.landmarks.motion import (
    IDENTITY,
    FlowConfig,
    apply_motion,
    estimate_motion,
    motion_scale_roll,
    velocity_motion,
)
from facefilter.landmarks.smoothing import LandmarkSmoother, OneEuroFilter
from tests.conftest import mean_face_points


def textured(size: tuple[int, int] = (480, 640), seed: int = 0) -> np.ndarray:
    """HxW uint8 grey texture with features at every scale (blurred noise)."""
    rng = np.random.default_rng(seed)
    img = rng.uniform(0, 255, size).astype(np.float32)
    img = cv2.GaussianBlur(img, (0, 0), 2.0) * 0.6 + cv2.GaussianBlur(img, (0, 0), 6.0) * 3.0
    return np.clip(img - img.mean() + 128, 0, 255).astype(np.uint8)


def similarity(scale: float, roll_deg: float, shift: tuple[float, float], center: tuple[float, float]) -> np.ndarray:
    """2x3 similarity: turn clockwise on screen by ``roll_deg`` (y down), scale about ``center``, shift."""
    m = cv2.getRotationMatrix2D(center, -roll_deg, scale)  # cv2's angle turns counter-clockwise
    m[:, 2] += shift
    return m


@pytest.mark.parametrize(("scale", "roll", "shift", "iod"), [
    (1.0, 0.0, (6.0, -3.0), 60.0), (1.04, 3.0, (-9.5, 4.25), 60.0), (0.97, -2.0, (2.5, 7.0), 30.0),
])
def test_recovers_a_known_motion(scale: float, roll: float, shift: tuple[float, float], iod: float) -> None:
    prev = textured()
    pts = mean_face_points(center=(320, 240), iod=iod)
    m = similarity(scale, roll, shift, (320.0, 240.0))
    cur = cv2.warpAffine(prev, m, (640, 480), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    est = estimate_motion(prev, cur, pts)
    assert est is not None
    err = np.linalg.norm(apply_motion(est, pts) - apply_motion(m, pts), axis=1).mean()
    assert err < 0.003 * iod, err  # 0.3% of the eye distance
    s, r = motion_scale_roll(est)
    assert s == pytest.approx(scale, abs=0.005) and r == pytest.approx(roll, abs=0.3)


def test_a_still_face_is_still_and_a_blank_frame_gives_no_motion() -> None:
    img = textured()
    rng = np.random.default_rng(1)
    noisy = np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)  # camera noise only
    pts = mean_face_points(center=(320, 240), iod=40)
    m = estimate_motion(img, noisy, pts)
    assert m is not None and np.array_equal(m, IDENTITY)
    moved = estimate_motion(img, noisy, pts, FlowConfig(still=0.0))  # the noise, measured
    assert moved is not None and np.linalg.norm(apply_motion(moved, pts) - pts, axis=1).mean() < 0.0015 * 40
    flat = np.full((480, 640), 90, np.uint8)
    assert estimate_motion(flat, flat, pts) is None  # nothing to follow


def test_a_face_moving_out_of_reach_is_not_followed() -> None:
    prev = textured()
    pts = mean_face_points(center=(320, 240), iod=40)
    cur = np.roll(prev, 120, axis=1)  # 3 IOD in one frame: beyond FlowConfig.reach
    m = estimate_motion(prev, cur, pts)
    assert m is None or np.linalg.norm(apply_motion(m, pts) - (pts + (120, 0)), axis=1).mean() > 10


def test_input_checks() -> None:
    img = textured()
    pts = mean_face_points(center=(320, 240), iod=40)
    with pytest.raises(ValueError, match="prev_gray must be an HxW uint8"):
        estimate_motion(np.zeros((480, 640, 3), np.uint8), img, pts)
    with pytest.raises(ValueError, match="differ in size"):
        estimate_motion(img, img[:100], pts)
    with pytest.raises(ValueError, match=r"points must be \(68, 2\)"):
        estimate_motion(img, img, pts[:10])
    with pytest.raises(ValueError, match="invalid FlowConfig"):
        FlowConfig(levels=-1)


def test_velocity_motion_round_trip() -> None:
    pts = mean_face_points(center=(200, 150), iod=50).astype(np.float64)
    m = similarity(1.1, -7.0, (12.0, -4.0), (200.0, 150.0))
    est = velocity_motion(pts, apply_motion(m, pts))
    np.testing.assert_allclose(est, m, atol=1e-9)
    assert motion_scale_roll(est) == pytest.approx((1.1, -7.0))
    with pytest.raises(ValueError, match="same"):
        velocity_motion(pts, pts[:5])


def test_smoother_moved_with_the_face_follows_the_motion_without_lag() -> None:
    """A filter carried along by the true motion outputs the moving points exactly; without the
    move it lags (the One Euro low-pass)."""
    base = mean_face_points(center=(100, 240), iod=80).astype(np.float64)
    step = np.array([[1.0, 0.0, 4.0], [0.0, 1.0, 1.0]])  # 4 px right, 1 down a frame: 1.5 IOD/s
    carried, plain = LandmarkSmoother(), LandmarkSmoother()
    pts = base
    for i in range(40):
        if i:
            pts = apply_motion(step, pts)
            carried.move(step)
        a, b = carried(pts, i / 30), plain(pts, i / 30)
    assert np.abs(a - pts).max() < 1e-3
    assert np.abs(b - pts)[:, 0].mean() > 0.1
    f = OneEuroFilter()
    f.move(step)  # nothing to move yet: no error
    f(np.zeros((3, 2)), 0.0)
    with pytest.raises(ValueError, match="2x3"):
        f.move(np.eye(3))
