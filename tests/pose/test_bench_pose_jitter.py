"""The still-face head pose jitter figure of ``facefilter-bench pipeline``."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.bench.pipeline import JITTER_SKIP, pose_jitter
from facefilter.pose import MEAN_FACE_3D, HeadPose


def test_pose_jitter_is_the_std_over_the_still_frames_of_the_matched_face() -> None:
    pts = HeadPose.from_angles(0, 0, 0, [0, 0, 500], 640, (319.5, 239.5)).project(MEAN_FACE_3D)
    truth = np.repeat(pts[None, None], 40, axis=0)  # 40 frames, one face
    rng = np.random.default_rng(0)
    yaws = rng.normal(0, 0.5, 40)
    far = pts + 300  # another face, far from the true one: never matched
    results = [([far, pts], [2, 1], [(99.0, 99.0, 99.0), (float(y), 1.0, -2.0)]) for y in yaws]
    jit = pose_jitter(results, truth, still_frames=30)
    assert jit is not None
    np.testing.assert_allclose(jit, [np.std(yaws[JITTER_SKIP:30]), 0.0, 0.0], atol=1e-12)


def test_pose_jitter_without_poses_is_none() -> None:
    pts = np.zeros((68, 2), np.float32) + np.arange(68)[:, None]
    truth = np.repeat(pts[None, None], 20, axis=0)
    assert pose_jitter([([pts], [], [])] * 20, truth, still_frames=20) is None
    assert pose_jitter([([pts], [1], [None])] * 20, truth, still_frames=20) is None


@pytest.mark.parametrize("still", [0, JITTER_SKIP])
def test_pose_jitter_with_no_still_frames_is_none(still: int) -> None:
    truth = np.zeros((5, 1, 68, 2), np.float32)
    assert pose_jitter([([], [], [])] * 5, truth, still_frames=still) is None
