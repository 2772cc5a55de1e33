"""Geometry: transforms against OpenCV, round trips, the face mesh, and warp maps."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facefilter.filters import geometry as g
from facefilter.filters import warps


def rot(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def test_similarity_from_2_round_trip_and_shape() -> None:
    src = np.array([[10.0, 20.0], [50.0, 25.0]])
    dst = np.array([[200.0, 100.0], [180.0, 160.0]])
    m = g.similarity_from_2(src, dst)
    assert m.shape == (2, 3)
    np.testing.assert_allclose(g.apply_affine(m, src), dst, atol=1e-9)
    # A similarity: orthogonal linear part with equal singular values, no reflection.
    sv = np.linalg.svd(m[:, :2], compute_uv=False)
    assert sv[0] == pytest.approx(sv[1])
    assert np.linalg.det(m[:, :2]) > 0
    # Same as OpenCV's 3-point affine with a third point built by rotating the pair by 90 degrees.
    third = lambda p: p[0] + rot(90) @ (p[1] - p[0])  # noqa: E731
    ref = cv2.getAffineTransform(np.float32([*src, third(src)]), np.float32([*dst, third(dst)]))
    np.testing.assert_allclose(m, ref, atol=1e-3)


def test_similarity_from_2_rejects_coincident_points() -> None:
    with pytest.raises(g.GeometryError, match="coincide"):
        g.similarity_from_2([[1, 1], [1, 1]], [[0, 0], [1, 0]])
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        g.similarity_from_2(np.zeros((3, 2)), np.zeros((2, 2)))


def test_affine_and_perspective_match_opencv() -> None:
    rng = np.random.default_rng(0)
    for _ in range(5):
        s3, d3 = rng.uniform(0, 300, (3, 2)), rng.uniform(0, 300, (3, 2))
        ref = cv2.getAffineTransform(s3.astype(np.float32), d3.astype(np.float32))
        np.testing.assert_allclose(g.affine_from_3(s3, d3), ref, rtol=1e-4, atol=1e-3)
    src = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 60.0], [0.0, 60.0]])
    dst = np.array([[12.0, 5.0], [90.0, 14.0], [96.0, 70.0], [3.0, 55.0]])
    h = g.perspective_from_4(src, dst)
    np.testing.assert_allclose(
        h, cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)), atol=1e-6
    )
    np.testing.assert_allclose(g.apply_homography(h, src), dst, atol=1e-9)


def test_collinear_points_are_rejected() -> None:
    line3 = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    with pytest.raises(g.GeometryError, match="collinear"):
        g.affine_from_3(line3, line3)
    quad = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    with pytest.raises(g.GeometryError, match="collinear"):
        g.perspective_from_4(quad, quad)


def test_invert_compose_and_lstsq() -> None:
    m = np.hstack([2.0 * rot(30), [[5.0], [-7.0]]])
    pts = np.random.default_rng(1).uniform(-50, 50, (10, 2))
    np.testing.assert_allclose(g.apply_affine(g.invert_affine(m), g.apply_affine(m, pts)), pts, atol=1e-9)
    np.testing.assert_allclose(
        g.compose_affine(g.invert_affine(m), m), np.hstack([np.eye(2), np.zeros((2, 1))]), atol=1e-12
    )
    np.testing.assert_allclose(g.similarity_lstsq(pts, g.apply_affine(m, pts)), m, atol=1e-9)


def test_face_similarity_recovers_pose() -> None:
    lm = g.template_face((300.0, 200.0), 80.0, roll_deg=25.0)
    m = g.face_similarity(lm)
    assert g.face_scale(lm) == pytest.approx(80.0, rel=1e-6)
    assert np.degrees(np.arctan2(m[1, 0], m[0, 0])) == pytest.approx(25.0, abs=1e-6)
    # Outer eye corners of the template face are exactly iod apart, centred on `centre`.
    np.testing.assert_allclose((lm[36] + lm[45]) / 2, [300.0, 200.0], atol=1e-9)
    assert np.linalg.norm(lm[45] - lm[36]) == pytest.approx(80.0)


def test_extend_landmarks_is_equivariant_under_similarity() -> None:
    lm = g.template_face((0.0, 0.0), 1.0, mouth_open=0.2)
    s = np.hstack([3.0 * rot(-40), [[100.0], [50.0]]])
    ext = g.extend_landmarks(lm)
    assert ext.shape == (g.N_EXTENDED, 2)
    np.testing.assert_allclose(g.extend_landmarks(g.apply_affine(s, lm)), g.apply_affine(s, ext), atol=1e-9)
    # Forehead points are above the brows, border points outside the jaw.
    assert (ext[68:78, 1] < lm[17:27, 1]).all()
    assert ext[78 + 8, 1] > lm[8, 1]


def test_delaunay_empty_circumcircles_and_euler_count() -> None:
    pts = np.random.default_rng(3).uniform(0, 100, (60, 2))
    tris = g.delaunay(pts)
    n_hull = len(cv2.convexHull(pts.astype(np.float32)))
    assert len(tris) == 2 * len(pts) - 2 - n_hull  # any triangulation of the points has this many
    for t in tris:
        a, b, c = pts[t]
        d = 2 * (a[0] * (b[1] - c[1]) + b[0] * (c[1] - a[1]) + c[0] * (a[1] - b[1]))
        ux = ((a @ a) * (b[1] - c[1]) + (b @ b) * (c[1] - a[1]) + (c @ c) * (a[1] - b[1])) / d
        uy = ((a @ a) * (c[0] - b[0]) + (b @ b) * (a[0] - c[0]) + (c @ c) * (b[0] - a[0])) / d
        r2 = (a[0] - ux) ** 2 + (a[1] - uy) ** 2
        others = np.delete(pts, t, axis=0)
        assert (((others - [ux, uy]) ** 2).sum(1) >= r2 * (1 - 1e-9)).all()


def test_mesh_triangulation_tiles_the_template_hull() -> None:
    tmpl = g.extended_template()
    tris = g.mesh_triangles()
    a, b, c = tmpl[tris[:, 0]], tmpl[tris[:, 1]], tmpl[tris[:, 2]]
    area = ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]) / 2
    assert (area > 0).all()  # counter-clockwise with y down, none degenerate
    hull = cv2.contourArea(cv2.convexHull(tmpl.astype(np.float32)))
    assert area.sum() == pytest.approx(hull, rel=1e-6)
    assert set(np.unique(tris)) == set(range(g.N_EXTENDED))


def test_triangle_affines_match_opencv() -> None:
    rng = np.random.default_rng(4)
    src, dst = rng.uniform(0, 200, (9, 2)), rng.uniform(0, 200, (9, 2))
    tris = np.arange(9).reshape(3, 3)
    mats = g.triangle_affines(src, dst, tris)
    for t, m in zip(tris, mats, strict=True):
        ref = cv2.getAffineTransform(src[t].astype(np.float32), dst[t].astype(np.float32))
        np.testing.assert_allclose(m, ref, rtol=1e-4, atol=1e-3)
    assert not g.triangle_affines(np.zeros((3, 2)), src[:3], np.array([[0, 1, 2]])).any()


def test_bulge_map_magnifies_without_folding() -> None:
    roi = (0, 0, 101, 101)
    mx, my = warps.bulge_map(roi, np.array([[50.0, 50.0]]), np.array([30.0]), 0.4)
    # Identity outside the disc, centre fixed, magnification 1 / (1 - 0.4) at the centre.
    assert mx[50, 95] == 95 and my[5, 50] == 5
    assert mx[50, 50] == pytest.approx(50)
    assert (mx[50, 51] - 50) == pytest.approx(0.6, abs=0.01)
    row = mx[50, :]
    assert (np.diff(row) > 0).all()  # monotonic along a ray: no folds
    same = warps.bulge_map(roi, np.array([[50.0, 50.0]]), np.array([30.0]), 0.0)
    np.testing.assert_array_equal(same[0], np.repeat(np.arange(101, dtype=np.float32)[None], 101, 0))


def test_translation_map_moves_control_point() -> None:
    roi = (0, 0, 120, 120)
    mx, my = warps.translation_map(roi, np.array([[60.0, 60.0]]), np.array([[6.0, 0.0]]), 15.0)
    # The destination pixel at the control point reads from 6 px to its left (content moves right).
    assert mx[60, 60] == pytest.approx(54.0)
    assert my[60, 60] == pytest.approx(60.0)
    assert mx[5, 5] == 5.0 and (np.diff(mx[60]) > 0).all()
