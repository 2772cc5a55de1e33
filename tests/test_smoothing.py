"""One Euro landmark smoothing: removes jitter on a still face, follows steps and moves, scale-free."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.landmarks.smoothing import LandmarkSmoother, OneEuroFilter, SmoothingConfig, inter_ocular
from tests.conftest import mean_face_points

FPS = 30.0


def run(smoother: LandmarkSmoother, frames: np.ndarray) -> np.ndarray:
    return np.stack([smoother(f, i / FPS) for i, f in enumerate(frames)])


def test_reduces_jitter_on_a_noisy_still_face() -> None:
    rng = np.random.default_rng(0)
    base = mean_face_points(center=(320, 240), iod=80)
    noisy = base + rng.normal(0, 0.01 * 80, (120, 68, 2))  # 1% IOD jitter
    out = run(LandmarkSmoother(), noisy)
    raw_jitter = noisy[30:].std(axis=0).mean()
    smooth_jitter = out[30:].std(axis=0).mean()
    assert smooth_jitter < 0.6 * raw_jitter
    assert np.abs(out[30:].mean(axis=0) - base).mean() < 0.01 * 80  # no bias


def test_follows_a_step_within_a_few_frames() -> None:
    base = mean_face_points(center=(200, 240), iod=80)
    frames = np.stack([base] * 20 + [base + (80, 0)] * 20)
    out = run(LandmarkSmoother(), frames)
    err = np.abs(out[:, :, 0] - frames[:, :, 0]).mean(axis=1)
    assert err[19] < 1e-6
    assert err[20 + 1] < 0.05 * 80  # within 5% IOD one frame after a full-IOD jump
    assert err[20 + 3] < 0.005 * 80


def test_little_lag_on_fast_motion() -> None:
    base = mean_face_points(center=(100, 240), iod=80)
    speed = 3 * 80 / FPS  # 3 IOD per second
    frames = np.stack([base + (speed * i, 0) for i in range(60)])
    out = run(LandmarkSmoother(), frames)
    lag = np.abs(out[30:, :, 0] - frames[30:, :, 0]).mean()
    assert lag < 0.01 * 80  # under 1% IOD behind at 3 IOD per second


@pytest.mark.parametrize("iod", [30.0, 300.0])
def test_same_behaviour_for_small_and_big_faces(iod: float) -> None:
    """Noise and motion expressed in IOD units give the same output in IOD units."""
    rng = np.random.default_rng(1)
    base = mean_face_points(center=(0, 0), iod=iod)
    ramp = np.concatenate([np.zeros(20), np.linspace(0, 2, 20), np.full(20, 2.0)])[:, None, None] * [iod, 0]
    frames = base + ramp + rng.normal(0, 0.01, (60, 68, 2)) * iod
    out = (run(LandmarkSmoother(), frames) - base) / iod
    ref_base = mean_face_points(center=(0, 0), iod=100.0)
    ref_frames = ref_base + ramp / iod * 100 + (frames - base - ramp) / iod * 100
    ref = (run(LandmarkSmoother(), ref_frames) - ref_base) / 100
    np.testing.assert_allclose(out, ref, atol=1e-4)


def test_disabled_passes_through_and_config_checks() -> None:
    pts = mean_face_points()
    smoother = LandmarkSmoother(SmoothingConfig(enabled=False))
    smoother(pts, 0.0)
    np.testing.assert_array_equal(smoother(pts + 5, 0.033), pts + 5)
    with pytest.raises(ValueError, match="min_cutoff"):
        SmoothingConfig(min_cutoff=0)


def test_one_euro_repeated_timestamp_and_reset() -> None:
    f = OneEuroFilter()
    a = f(np.zeros((3, 2)), 0.0)
    b = f(np.ones((3, 2)), 0.0)  # same time: ignored
    np.testing.assert_array_equal(a, b)
    f.reset()
    np.testing.assert_array_equal(f(np.ones((3, 2)), 1.0), np.ones((3, 2)))
    assert inter_ocular(mean_face_points(iod=50)) == pytest.approx(50, rel=1e-5)
