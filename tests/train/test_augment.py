"""Augmentation keeps points on their image features, and the flip permutation is right."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facefilter.landmarks.crop import crop_matrix
from facefilter.train.augment import Augment, flip_points
from facefilter.types import EYE_L, EYE_R, FLIP_PERMUTATION
from tests.conftest import mean_face_points

GEOMETRY_ONLY = dict(brightness=0.0, contrast=0.0, gamma=0.0, blur=0.0, noise=0.0, occlusion=0.0)


def test_flip_permutation_is_its_own_inverse_and_swaps_the_eyes() -> None:
    perm = np.asarray(FLIP_PERMUTATION)
    np.testing.assert_array_equal(perm[perm], np.arange(68))
    assert perm[36] == 45 and perm[45] == 36  # outer eye corners
    assert set(perm[list(EYE_R)]) == set(EYE_L)
    assert perm[30] == 30 and perm[8] == 8 and perm[51] == 51  # nose tip, chin, upper lip stay


def test_flipped_face_keeps_its_right_eye_on_the_image_left() -> None:
    pts = mean_face_points(center=(100, 100))
    flipped = flip_points(pts, width=200)
    # Subject's right eye (36..41) is on the image's left for a frontal face, before and after.
    assert pts[list(EYE_R), 0].mean() < pts[list(EYE_L), 0].mean()
    assert flipped[list(EYE_R), 0].mean() < flipped[list(EYE_L), 0].mean()
    np.testing.assert_allclose(flip_points(flipped, 200), pts, atol=1e-9)


@pytest.mark.parametrize("flipped", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_augment_keeps_points_on_their_dots(seed: int, flipped: bool) -> None:
    pts = mean_face_points(center=(192, 192), iod=140)
    image = np.zeros((384, 384), np.uint8)
    marked = [8, 30, 36, 45, 48, 54, 19]
    for k, i in enumerate(marked):  # a distinct grey level per landmark
        cv2.circle(image, tuple(int(round(v)) for v in pts[i]), 4, 60 + 25 * k, -1, lineType=cv2.LINE_8)
    box = np.r_[pts.min(0), pts.max(0) - pts.min(0)]
    aug = Augment(rotation=40, scale=0.2, shift=0.1, flip=float(flipped), **GEOMETRY_ONLY)
    crop, out = aug(image, box, pts, 160, 1.25, np.random.default_rng(seed))
    perm = np.asarray(FLIP_PERMUTATION)
    checked = 0
    for j in range(68):
        src = perm[j] if flipped else j  # which original point's dot sits under output label j
        if src not in marked or not np.all((out[j] >= 3) & (out[j] <= 156)):
            continue  # no dot, or the warp pushed this point out of the crop
        checked += 1
        level = 60 + 25 * marked.index(src)
        x, y = (int(round(v)) for v in out[j])
        patch = crop[y - 1 : y + 2, x - 1 : x + 2].astype(int)
        assert np.abs(patch - level).min() <= 12, f"label {j}: found {patch.ravel()} not {level}"
    assert checked >= 5


def test_mirror_labels_stay_semantic() -> None:
    pts = mean_face_points(center=(192, 192), iod=140)
    box = np.r_[pts.min(0), pts.max(0) - pts.min(0)]
    aug = Augment(rotation=0, scale=0, shift=0, flip=1.0, **GEOMETRY_ONLY)
    _, out = aug(np.zeros((384, 384), np.uint8), box, pts, 160, 1.25, np.random.default_rng(0))
    assert out[36, 0] < out[45, 0]  # the mirrored face is still frontal: right eye on the image left


def test_plain_crop_centres_the_box() -> None:
    m = crop_matrix(np.array([100, 50, 80, 60]), 160, 1.25)
    centre = m[:, :2] @ np.array([140, 80]) + m[:, 2]
    np.testing.assert_allclose(centre, [79.5, 79.5])
    assert abs(m[0, 0] * 80 * 1.25 - 160) < 1e-9  # the box's long side spans size / crop_scale


def test_photometric_jitter_is_deterministic_per_seed() -> None:
    crop = (np.arange(160 * 160) % 251).astype(np.uint8).reshape(160, 160)
    a = Augment().photometric(crop, np.random.default_rng(3))
    b = Augment().photometric(crop, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.uint8 and a.shape == crop.shape
