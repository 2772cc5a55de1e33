"""Crop geometry: round trips, centring, the roll convention, and area-averaged crops of large images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facefilter.landmarks.crop import (
    MAX_STEP,
    apply_affine,
    area_prefilter,
    crop_matrix,
    crop_step,
    from_target,
    invert_affine,
    to_target,
    warp_crop,
)


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


def test_crop_step_is_image_pixels_per_crop_pixel() -> None:
    m = crop_matrix(np.array([0, 0, 480, 300]), 160, 1.25, rotation_deg=33, scale=0.9, flip=True)
    assert abs(crop_step(m) - 480 * 1.25 / 160 / 0.9) < 1e-9


def test_warp_crop_up_to_max_step_is_the_plain_warp() -> None:
    """At the training faces' scale (1.5 image px per crop px) nothing changes: same pixels."""
    image = np.random.default_rng(0).integers(0, 256, (384, 384), dtype=np.uint8)
    for side in (160, 240):  # 1.0 and 1.5 image px per crop px
        m = crop_matrix(np.array([96, 96, 192, 192]), 160, side / 192, rotation_deg=7)
        direct = cv2.warpAffine(image, m, (160, 160), flags=cv2.INTER_LINEAR, borderValue=0)
        assert crop_step(m) <= MAX_STEP + 1e-9
        np.testing.assert_array_equal(warp_crop(image, m, 160), direct)


def test_warp_crop_averages_a_large_image_instead_of_aliasing() -> None:
    """A one-pixel checkerboard cropped at ~7 image px per crop px is flat grey, not moire."""
    board = ((np.indices((1400, 1400)).sum(axis=0) % 2) * 255).astype(np.uint8)
    m = crop_matrix(np.array([100, 120, 900, 900]), 160, 1.25, rotation_deg=11)
    assert crop_step(m) > 6
    averaged = warp_crop(board, m, 160)[20:-20, 20:-20].astype(np.float64)
    aliased = warp_crop(board, m, 160, max_step=None)[20:-20, 20:-20].astype(np.float64)
    assert abs(averaged.mean() - 127.5) < 3 and averaged.std() < 4, (averaged.mean(), averaged.std())
    assert aliased.std() > 40  # what point sampling does to the same texture


@pytest.mark.parametrize("shared", [False, True])
def test_warp_crop_keeps_features_in_place_when_averaging(shared: bool) -> None:
    """Blobs in a large photo land where the crop matrix maps them: off-centre, rolled, at the
    image's edge, and when several crops of a face share one averaging (``area_prefilter``)."""
    h, w = 1500, 2000
    # A face box whose crop runs past the top of the image (zero-filled, as without averaging).
    box = np.array([650, 0, 700, 700])
    m = crop_matrix(box, 160, 1.4, rotation_deg=-23, shift=(0.02, -0.04))
    assert crop_step(m) > 5
    in_crop = np.array([[30.3, 120.0], [80.0, 80.0], [131.7, 140.2], [110.0, 45.5]])
    spots = apply_affine(invert_affine(m), in_crop)
    assert spots[:, 1].min() > 40 and apply_affine(m, np.array([[1000.0, 0.0]]))[0, 1] > 10
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.zeros((h, w), np.float32)
    for x, y in spots:
        image += 255 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 14.0**2))
    image = np.clip(image, 0, 255).astype(np.uint8)
    mats = [m]
    if shared:  # the test-time crops of one face: zoomed and shifted a little
        mats += [crop_matrix(box, 160, 1.4, rotation_deg=-23, scale=z, shift=(0.02 + dx, -0.04))
                 for z, dx in ((0.95, 0.03), (1.05, -0.03))]
        small, small_mats = area_prefilter(image, np.stack(mats), 160)
        assert small.shape[0] < h / 2
        crops = [warp_crop(small, sm, 160, max_step=None) for sm in small_mats]
    else:
        crops = [warp_crop(image, m, 160)]
    gy, gx = np.mgrid[0:160, 0:160]
    for mat, crop in zip(mats, crops, strict=True):
        crop = crop.astype(np.float64)
        for p in apply_affine(mat, spots):
            win = (np.abs(gx - p[0]) <= 6) & (np.abs(gy - p[1]) <= 6)
            wts = crop * win
            found = np.array([(wts * gx).sum(), (wts * gy).sum()]) / wts.sum()
            assert np.linalg.norm(found - p) < 0.25, (found, p)
        above = apply_affine(mat, np.array([[1000.0, -40.0]]))[0].round().astype(int)  # above the image
        assert crop[above[1], above[0]] == 0
