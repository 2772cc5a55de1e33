"""Near profile, landmark-placed layers fade with the head's turn from the camera ray (engine.turn_fade)."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from facefilter.filters.engine import TURN_FADE_END, TURN_FADE_START, Filter, turn_angle, turn_fade
from facefilter.pose import MEAN_FACE_3D
from facefilter.types import HeadPose

SIZE = (640, 480)
FOCAL = 640.0
CENTER = ((SIZE[0] - 1) / 2, (SIZE[1] - 1) / 2)


def _pose(yaw: float, x_mm: float = 0.0) -> HeadPose:
    return HeadPose.from_angles(yaw, 0.0, 0.0, np.array([x_mm, 0.0, 600.0]), FOCAL, CENTER)


def _project(pose: HeadPose) -> np.ndarray:
    cam = MEAN_FACE_3D.astype(np.float64) @ np.asarray(pose.rotation).T + pose.tvec
    return FOCAL * cam[:, :2] / cam[:, 2:] + np.asarray(CENTER)


def test_fade_is_one_then_smooth_then_zero() -> None:
    assert turn_fade(0.0) == 1.0 and turn_fade(TURN_FADE_START) == 1.0
    assert turn_fade(TURN_FADE_END) == 0.0 and turn_fade(89.0) == 0.0
    mid = turn_fade((TURN_FADE_START + TURN_FADE_END) / 2)
    assert mid == pytest.approx(0.5)
    grid = [turn_fade(a) for a in np.linspace(0, 90, 91)]
    assert all(a >= b for a, b in itertools.pairwise(grid))


@pytest.mark.parametrize("yaw", [-80.0, -40.0, 0.0, 30.0, 70.0])
def test_turn_angle_is_yaw_for_a_centred_face(yaw: float) -> None:
    assert turn_angle(_pose(yaw)) == pytest.approx(abs(yaw), abs=1e-6)


def test_turn_angle_is_measured_against_the_camera_ray() -> None:
    ray = float(np.degrees(np.arctan2(300.0, 600.0)))  # a face 300 mm right of the axis, 600 mm away
    # Nose pointing back at the camera (to the image left): not turned from the ray.
    assert turn_angle(_pose(-ray, x_mm=300.0)) == pytest.approx(0.0, abs=1e-6)
    assert turn_angle(_pose(+ray, x_mm=300.0)) == pytest.approx(2 * ray, abs=1e-6)


STICKER_2D = Path(__file__).parent / "data" / "manifests_2d" / "sunglasses"  # a landmark-placed sticker


def test_a_sticker_fades_out_near_profile_but_stays_on_frontal_faces() -> None:
    flt = Filter.load(STICKER_2D)
    frame = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)

    def drawn(yaw: float) -> int:
        pose = _pose(yaw)
        out = flt.render(frame, [SimpleNamespace(landmarks=_project(pose), pose=pose, id=1)])
        return int((np.abs(out.astype(np.int16) - frame).max(axis=2) > 8).sum())

    frontal, turned, mid, profile = drawn(0.0), drawn(55.0), drawn(72.5), drawn(84.0)
    assert frontal > 1000 and turned > 300
    assert profile == 0  # faded out: nothing drawn
    assert mid > 0
