"""Crop geometry: round trips, centring and the roll convention."""

from __future__ import annotations

import numpy as np

from facefilter.landmarks.crop import apply_affine, crop_matrix, from_target, invert_affine, to_target


def test_crop_round_trip() -> None:
    m = crop_matrix(np.array([40, 30, 100, 120]), 128, 1.3, rotation_deg=17, scale=1.1, shift=(0.05, -0.02))
    pts = np.random.default_rng(0).uniform(0, 200, (68, 2))
    np.testing.assert_allclose(apply_affine(invert_affine(m), apply_affine(m, pts)), pts, atol=1e-9)
    np.testing.assert_allclose(from_target(to_target(pts, 128), 128), pts, atol=1e-9)


def test_rotation_levels_a_rolled_eye_line() -> None:
    angle = 25.0
    a = np.radians(angle)
    left, right = np.array([100.0, 100.0]), np.array([100 + 60 * np.cos(a), 100 + 60 * np.sin(a)])
    m = crop_matrix(np.array([90, 80, 80, 80]), 160, 1.25, rotation_deg=angle)
    l2, r2 = apply_affine(m, np.stack([left, right]))
    assert abs(l2[1] - r2[1]) < 1e-9 and r2[0] > l2[0]


def test_flip_mirrors_about_the_crop_centre() -> None:
    box = np.array([10, 10, 100, 100])
    plain, mirrored = crop_matrix(box, 64, 1.0), crop_matrix(box, 64, 1.0, flip=True)
    p = np.array([[20.0, 40.0]])
    np.testing.assert_allclose(apply_affine(mirrored, p)[0, 0], 63 - apply_affine(plain, p)[0, 0])
