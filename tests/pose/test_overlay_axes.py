"""The head pose axes of the landmark overlay: where they go and that they are drawn only with a pose."""

from __future__ import annotations

import numpy as np

from facefilter.overlay import AXIS_COLORS, AXIS_MM, draw_overlay, pose_axes
from facefilter.pose import MEAN_FACE_3D, HeadPose
from facefilter.types import Box, Face

FOCAL, CENTER = 640.0, (319.5, 239.5)


def face_with(pose: HeadPose | None) -> Face:
    pts = HeadPose.from_angles(0, 0, 0, [0, 0, 500], FOCAL, CENTER).project(MEAN_FACE_3D)
    return Face(Box.from_points(pts), pts, 1, 1.0, {}, pose)


def test_axes_of_a_frontal_pose_point_right_down_and_at_the_camera() -> None:
    z = 500.0
    pose = HeadPose.from_angles(0, 0, 0, [0, 0, z], FOCAL, CENTER)
    tip, x_end, y_end, facing = pose_axes(pose).astype(np.float64)
    tip3 = MEAN_FACE_3D[30].astype(np.float64)
    np.testing.assert_allclose(tip, tip3[:2] * FOCAL / (z + tip3[2]) + CENTER, atol=1e-3)
    np.testing.assert_allclose(x_end - tip, [AXIS_MM * FOCAL / (z + tip3[2]), 0.0], atol=1e-3)
    np.testing.assert_allclose(y_end - tip, [0.0, AXIS_MM * FOCAL / (z + tip3[2])], atol=1e-3)
    assert np.linalg.norm(facing - tip) < 0.2 * np.linalg.norm(x_end - tip)  # seen end-on


def test_a_turned_face_looks_the_way_its_facing_axis_points() -> None:
    right = pose_axes(HeadPose.from_angles(30, 0, 0, [0, 0, 500], FOCAL, CENTER))
    down = pose_axes(HeadPose.from_angles(0, 30, 0, [0, 0, 500], FOCAL, CENTER))
    assert right[3, 0] - right[0, 0] > 20 and down[3, 1] - down[0, 1] > 20


def test_overlay_draws_the_axes_only_for_faces_with_a_pose() -> None:
    pose = HeadPose.from_angles(0, 0, 0, [0, 0, 500], FOCAL, CENTER)
    with_pose = draw_overlay(np.zeros((480, 640, 3), np.uint8), [face_with(pose)], show_box=False)
    without = draw_overlay(np.zeros((480, 640, 3), np.uint8), [face_with(None)], show_box=False)
    tip, x_end = pose_axes(pose)[:2]
    mid = np.round((tip + x_end) / 2).astype(int)  # halfway along the red x axis, clear of the points
    assert tuple(with_pose[mid[1], mid[0]]) == AXIS_COLORS[0]
    assert not without[mid[1], mid[0]].any()
    changed = np.any(with_pose != without, axis=2)
    assert changed.sum() > 100
    hide = draw_overlay(np.zeros((480, 640, 3), np.uint8), [face_with(pose)], show_box=False, show_pose=False)
    np.testing.assert_array_equal(hide, without)
