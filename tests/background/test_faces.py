"""The face prior: tracked faces drawn as person, so a face the segmenter misses stays out of the effect."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facefilter.background import BackgroundEffect, BackgroundSpec, EffectConfig, FakeSegmenter
from facefilter.background.faces import FOREHEAD, face_mask, face_points
from facefilter.types import Box, Face
from tests.conftest import mean_face_points

H, W = 240, 320


def hull(points: np.ndarray, shape: tuple[int, int] = (H, W)) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(out, cv2.convexHull(np.round(points).astype(np.int32)), 1)
    return out.astype(bool)


def test_the_face_region_is_person_with_a_soft_edge_outward_only() -> None:
    pts = mean_face_points(center=(160, 130), iod=60)
    m = face_mask([pts], (H, W, 3), (H, W))
    assert m is not None and m.dtype == np.float32 and m.shape == (H, W)
    inner = cv2.erode(hull(pts).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert m[inner].min() == 1.0  # the whole landmark hull, to its edge
    span = float(np.linalg.norm(pts[45] - pts[36]))
    brow = pts[17:27].mean(0)
    above = np.round(brow - (0, 0.8 * FOREHEAD * span)).astype(int)
    assert m[above[1], above[0]] == 1.0  # the forehead over the brows
    chin = np.round(pts[8]).astype(int)
    fade = m[chin[1] : chin[1] + 20, chin[0]]
    assert fade[0] > 0.9 and fade[-1] == 0.0 and (np.diff(fade) <= 1e-6).all()  # fades below the chin
    (x0, y0), (x1, y1) = pts.min(0).astype(int), pts.max(0).astype(int)
    far = np.ones((H, W), bool)
    far[max(0, y0 - 60) : y1 + 25, x0 - 25 : x1 + 25] = False
    assert m[far].max() == 0.0


def test_masks_at_the_working_size_and_faces_leaving_the_frame() -> None:
    pts = mean_face_points(center=(300, 130), iod=60)  # partly off the right edge of a 320-px frame
    full = face_mask([pts], (H, W, 3), (H, W))
    half = face_mask([pts], (H, W, 3), (H // 2, W // 2))
    assert full is not None and half is not None and half.shape == (H // 2, W // 2)
    down = cv2.resize(full, (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    assert np.abs(down - half).mean() < 0.01
    assert full[:, -1].max() == 1.0  # reaches the border
    assert face_mask([mean_face_points(center=(900, 130), iod=60)], (H, W, 3), (H, W)) is None  # all outside


@pytest.mark.parametrize("bad", [np.full((68, 2), np.nan), np.zeros((5, 2)), np.zeros((68, 2))])
def test_unusable_faces_are_skipped(bad: np.ndarray) -> None:
    assert face_points(bad) is None
    assert face_mask([bad], (H, W, 3), (H, W)) is None
    assert face_mask([], (H, W, 3), (H, W)) is None


def test_a_face_the_segmenter_misses_is_kept_out_of_the_effect() -> None:
    """The segmenter sees nobody (all zeros): without faces the whole frame is the effect; with the
    tracked face its region shows the camera picture, the rest the effect."""
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (H, W, 3), np.uint8)
    pts = mean_face_points(center=(160, 130), iod=60)
    face = Face(Box.from_points(pts), pts.astype(np.float32), id=1)
    spec = BackgroundSpec.parse("color:#00FF00")
    green = np.array([0, 255, 0], np.uint8)
    off = BackgroundEffect(spec, FakeSegmenter(), EffectConfig(face_prior=False)).apply(frame, [face])
    assert (off == green).all()
    out = BackgroundEffect(spec, FakeSegmenter()).apply(frame, [face])
    inner = cv2.erode(hull(pts).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    np.testing.assert_array_equal(out[inner], frame[inner])
    assert (out[:, :40] == green).all() and (out[:, -40:] == green).all()
    plain = BackgroundEffect(spec, FakeSegmenter()).apply(frame)  # no faces handed over: as before
    assert (plain == green).all()


def test_faces_much_smaller_than_the_largest_are_left_to_the_segmenter() -> None:
    big = mean_face_points(center=(110, 130), iod=70)
    small = mean_face_points(center=(260, 80), iod=25)  # a photo on the wall, a false detection
    m = face_mask([big, small], (H, W, 3), (H, W))
    assert m is not None and m[130, 110] == 1.0 and m[80, 260] == 0.0
    alone = face_mask([small], (H, W, 3), (H, W))  # the only face is the main one
    assert alone is not None and alone[80, 260] == 1.0
    both = face_mask([big, mean_face_points(center=(260, 80), iod=50)], (H, W, 3), (H, W))
    assert both is not None and both[80, 260] == 1.0  # two people at a similar distance
