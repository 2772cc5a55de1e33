"""Rendering primitives against images built independently with OpenCV and float maths."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facefilter.filters import geometry, render, warps


def float_over(frame: np.ndarray, premul: np.ndarray, opacity: float = 1.0) -> np.ndarray:
    """Reference 'over' in float64 for a premultiplied BGRA layer the size of ``frame``."""
    p = premul.astype(np.float64) * opacity
    out = p[..., :3] + frame.astype(np.float64) * (1 - p[..., 3:4] / 255)
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def random_sprite(h: int, w: int, seed: int = 0, smooth: float = 0.0) -> np.ndarray:
    """Random straight-alpha BGRA; ``smooth`` (a blur sigma) bounds the step between neighbours."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    img[..., 3] = np.where(rng.random((h, w)) < 0.3, 255, img[..., 3])
    if smooth:  # also fade to transparent at the border, so the sprite's edge is no sharp step
        img[:6], img[-6:], img[:, :6], img[:, -6:] = 0, 0, 0, 0
        img = cv2.GaussianBlur(img, (0, 0), smooth)
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX)
    return img


def max_step(img: np.ndarray) -> int:
    """The largest difference between neighbouring pixels."""
    i = img.astype(int)
    return int(max(np.abs(np.diff(i, axis=0)).max(), np.abs(np.diff(i, axis=1)).max()))


def test_premultiply_and_to_bgra() -> None:
    px = np.array([[[200, 100, 50, 128]]], np.uint8)
    np.testing.assert_array_equal(render.premultiply(px), [[[100, 50, 25, 128]]])
    grey = np.full((2, 2), 7, np.uint8)
    assert render.to_bgra(grey).shape == (2, 2, 4) and (render.to_bgra(grey)[..., 3] == 255).all()
    ga = np.dstack([grey, np.full((2, 2), 9, np.uint8)])
    np.testing.assert_array_equal(render.to_bgra(ga)[0, 0], [7, 7, 7, 9])
    assert render.to_bgra(np.full((1, 1, 3), 65535, np.uint16))[0, 0, 0] == 255
    with pytest.raises(ValueError, match="BGRA"):
        render.premultiply(np.zeros((2, 2, 3), np.uint8))


@pytest.mark.parametrize(("bg", "alpha", "expected"), [(0, 128, 128), (255, 128, 255), (0, 255, 255), (100, 0, 100)])
def test_semi_transparent_white_gives_the_right_grey(bg: int, alpha: int, expected: int) -> None:
    frame = np.full((4, 4, 3), bg, np.uint8)
    white = render.premultiply(np.dstack([np.full((4, 4, 3), 255, np.uint8), np.full((4, 4), alpha, np.uint8)]))
    render.blend_premultiplied(frame, white)
    assert (frame == expected).all()


def test_blend_matches_float_reference_with_opacity() -> None:
    frame = np.random.default_rng(5).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    sprite = render.premultiply(random_sprite(30, 40))
    for op in (1.0, 0.37):
        out = frame.copy()
        render.blend_premultiplied(out, sprite, op)
        diff = np.abs(out.astype(int) - float_over(frame, sprite, op))
        assert diff.max() <= (0 if op == 1.0 else 1)


def test_blend_writes_into_a_view_of_the_frame_and_nowhere_else() -> None:
    """In place into a region of a frame (rows of packed pixels), and into a strided view too."""
    frame = np.random.default_rng(6).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    sprite = render.premultiply(random_sprite(30, 40))
    expected = frame.copy()
    expected[10:40, 20:60] = float_over(frame[10:40, 20:60], sprite, 1.0)
    out = frame.copy()
    render.blend_premultiplied(out[10:40, 20:60], sprite)
    np.testing.assert_array_equal(out, expected)
    wide = np.zeros((60, 160, 3), np.uint8)
    wide[:, ::2] = frame
    render.blend_premultiplied(wide[10:40, 40:120:2], sprite)  # every other pixel: not packed
    np.testing.assert_array_equal(wide[:, ::2], expected)
    assert not wide[:, 1::2].any()


def test_no_dark_fringes_when_scaling_and_rotating() -> None:
    """An opaque white square with a transparent border, resampled over white, must stay white."""
    bgra = np.zeros((40, 40, 4), np.uint8)
    bgra[10:30, 10:30] = 255
    sprite = render.Sprite.from_bgra(bgra)
    m = np.hstack([1.37 * np.array([[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]]), [[60.0], [20.0]]])
    frame = np.full((120, 140, 3), 255, np.uint8)
    render.draw_affine(frame, sprite, m)
    assert frame.min() >= 254
    # Over black, edge pixels are grey (partial coverage), never a colour darker than coverage says.
    black = np.zeros((120, 140, 3), np.uint8)
    render.draw_affine(black, sprite, m)
    assert black.max() == 255 and (black[..., 0] == black[..., 2]).all()


def test_opaque_square_at_integer_offset_is_pixel_exact() -> None:
    """No resampling involved: the sticker's pixels must land exactly, partly outside the frame too."""
    bgra = np.zeros((12, 12, 4), np.uint8)
    bgra[2:10, 2:10] = (30, 60, 240, 255)
    sprite = render.Sprite.from_bgra(bgra)
    for tx, ty in ((5, 7), (-6, -4), (44, 35)):
        frame = np.full((48, 50, 3), 90, np.uint8)
        render.draw_affine(frame, sprite, np.array([[1.0, 0, tx], [0, 1.0, ty]]))
        expected = np.full((48, 50, 3), 90, np.uint8)
        x0, y0 = max(tx + 2, 0), max(ty + 2, 0)
        expected[y0 : max(ty + 10, 0), x0 : max(tx + 10, 0)] = (30, 60, 240)
        np.testing.assert_array_equal(frame, expected)


@pytest.mark.parametrize(
    "offset", [(60.0, 40.0), (-25.0, -30.0), (150.0, 100.0)], ids=["inside", "top-left", "bottom-right"]
)
def test_draw_affine_matches_cv2_warp_and_blend(offset: tuple[float, float]) -> None:
    """Against warping the whole sticker over the whole frame with cv2 and blending in float.

    OpenCV quantises sample positions to 1/32 pixel from a per-row origin, so warping only the
    visible region (as the renderer does) can move a sample by 1/32 px in x and in y: the
    difference is bounded by 2 x the sprite's largest neighbour step / 32, plus rounding.
    """
    bgra = random_sprite(50, 70, seed=1, smooth=2.5)
    tol = 2 * max_step(render.premultiply(bgra)) // 32 + 2
    sprite = render.Sprite.from_bgra(bgra)
    a = np.radians(20)
    m = np.array([[1.3 * np.cos(a), -1.3 * np.sin(a), offset[0]], [1.3 * np.sin(a), 1.3 * np.cos(a), offset[1]]])
    frame = np.random.default_rng(2).integers(0, 256, (160, 200, 3), dtype=np.uint8)
    out = frame.copy()
    render.draw_affine(out, sprite, m)
    warped = cv2.warpAffine(render.premultiply(bgra), m, (200, 160), flags=cv2.INTER_LINEAR, borderValue=0)
    expected = float_over(frame, warped)
    assert np.abs(out.astype(int) - expected).max() <= tol <= 5


def test_sticker_outside_the_frame_draws_nothing() -> None:
    sprite = render.Sprite.from_bgra(random_sprite(20, 20))
    frame = np.zeros((50, 50, 3), np.uint8)
    m = np.array([[1.0, 0.0, 500.0], [0.0, 1.0, -300.0]])
    assert render.draw_affine(frame, sprite, m) is None
    assert not frame.any()


def test_draw_perspective_matches_cv2() -> None:
    bgra = random_sprite(40, 60, seed=3, smooth=2.5)
    tol = 2 * max_step(render.premultiply(bgra)) // 32 + 2
    sprite = render.Sprite.from_bgra(bgra)
    src = np.array([[0.0, 0.0], [59.0, 0.0], [59.0, 39.0], [0.0, 39.0]])
    dst = np.array([[-10.0, 12.0], [70.0, 5.0], [80.0, 60.0], [-5.0, 48.0]])
    h = geometry.perspective_from_4(src, dst)
    frame = np.random.default_rng(4).integers(0, 256, (70, 90, 3), dtype=np.uint8)
    out = frame.copy()
    render.draw_perspective(out, sprite, h)
    warped = cv2.warpPerspective(render.premultiply(bgra), h, (90, 70), flags=cv2.INTER_LINEAR, borderValue=0)
    assert np.abs(out.astype(int) - float_over(frame, warped)).max() <= tol <= 5


def test_minified_sticker_is_filtered_not_aliased() -> None:
    """A 1-pixel checkerboard shrunk 8x must come out as an even grey (the mip pyramid), not moire."""
    checker = ((np.indices((256, 256)).sum(0) % 2) * 255).astype(np.uint8)
    bgra = np.dstack([checker, checker, checker, np.full((256, 256), 255, np.uint8)])
    sprite = render.Sprite.from_bgra(bgra)
    frame = np.zeros((40, 40, 3), np.uint8)
    render.draw_affine(frame, sprite, np.array([[0.125, 0.0, 4.0], [0.0, 0.125, 4.0]]))
    inner = frame[8:32, 8:32, 0].astype(float)
    assert abs(inner.mean() - 127.5) < 2 and inner.std() < 2


@pytest.mark.parametrize("map_step", [1, 2])
def test_mesh_with_one_affine_equals_draw_affine(map_step: int) -> None:
    """Bending a texture by a single affine map through the face mesh equals warping it directly."""
    size = 256
    tex = np.zeros((size, size, 4), np.uint8)
    pts = geometry.mesh_template(size)
    inner = np.round(pts[:68]).astype(np.int32)
    cv2.fillConvexPoly(tex, cv2.convexHull(inner[17:48]), (40, 180, 230, 255))  # paint well inside the hull
    cv2.circle(tex, (128, 128), 20, (250, 20, 90, 160), -1)
    tex = cv2.GaussianBlur(tex, (0, 0), 3)  # smooth, so 1/32-px sample rounding costs at most 1-2 levels
    sprite = render.Sprite.from_bgra(tex)
    m = np.array([[0.9, -0.25, 40.0], [0.3, 0.85, 30.0]])
    frame = np.random.default_rng(6).integers(0, 256, (300, 320, 3), dtype=np.uint8)
    a, b = frame.copy(), frame.copy()
    render.draw_mesh(a, sprite, pts, geometry.apply_affine(m, pts), geometry.mesh_triangles(), map_step=map_step)
    render.draw_affine(b, sprite, m)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 2


def test_half_resolution_mesh_maps_match_full_resolution() -> None:
    """On a real face mesh (piecewise, not one affine) step=2 maps differ only along triangle seams."""
    from facefilter.filters import builtin_filters
    from facefilter.filters.engine import FaceGeometry

    mesh = builtin_filters()["face_paint"]._layers[0]
    face = FaceGeometry(geometry.template_face((320.0, 220.0), 230.0, 15.0, 0.3))
    outs = []
    for step in (1, 2):
        out = np.full((480, 640, 3), 120, np.uint8)
        scale = face.scale / mesh.pixels_per_unit
        render.draw_mesh(out, mesh.sprite, mesh.texture_points, face.extended, mesh.triangles, 1.0, scale, step)
        outs.append(out.astype(int))
    diff = np.abs(outs[0] - outs[1])
    assert diff.mean() < 0.01 and (diff > 4).mean() < 1e-4


def test_remap_identity_keeps_the_frame() -> None:
    frame = np.random.default_rng(7).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    out = frame.copy()
    roi = (5, 6, 30, 20)
    mx, my = warps.bulge_map(roi, np.zeros((0, 2)), np.zeros(0), 0.5)
    render.remap_region(out, roi, mx, my)
    np.testing.assert_array_equal(out, frame)
