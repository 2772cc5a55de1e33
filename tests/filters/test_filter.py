"""Filter.render end to end: placement against cv2 references, round trips, poses, sizes, faces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.expression.config import to_extra
from facefilter.filters import Filter, builtin_filters
from facefilter.filters.conditions import POSE_MEASURES, Measure, measure
from facefilter.filters.geometry import template_face
from facefilter.types import Box, Face
from tests.conftest import draw_face
from tests.filters.helpers import blob_sprite, centroid_near, face_points, write_filter


def soft_square(size: int = 64, colour: tuple[int, int, int] = (40, 90, 220)) -> np.ndarray:
    """An opaque square sticker with a 3-px soft edge (straight-alpha BGRA)."""
    a = np.zeros((size, size), np.float32)
    a[8:-8, 8:-8] = 1
    a = cv2.GaussianBlur(a, (0, 0), 1.5)
    return np.dstack([np.full((size, size, 3), colour, np.uint8), np.round(a * 255).astype(np.uint8)])


def test_similarity_sticker_matches_independent_cv2_placement(tmp_path: Path) -> None:
    sticker = soft_square()
    img_pts = np.array([[8.0, 8.0], [55.0, 8.0]])  # top corners of the square -> outer eye corners
    folder = write_filter(tmp_path, "square", [{"placement": "similarity", "image": "sq.png", "anchors": [36, 45],
                          "image_points": img_pts.tolist()}], {"sq.png": sticker})  # fmt: skip
    flt = Filter.load(folder)
    lm = face_points((170.0, 110.0), 70.0, roll=17.0)
    frame = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    frame = cv2.GaussianBlur(frame, (0, 0), 2)
    out = flt.render(frame, [Face(Box.from_points(lm), lm)])

    # Expected, built with OpenCV only: a 3-point affine where the third point is the second one
    # turned 90 degrees about the first (so it is the similarity), then straight-alpha blending.
    def third(p: np.ndarray) -> np.ndarray:
        d = p[1] - p[0]
        return p[0] + np.array([-d[1], d[0]])

    dst = lm[[36, 45]].astype(np.float64)
    m = cv2.getAffineTransform(np.float32([*img_pts, third(img_pts)]), np.float32([*dst, third(dst)]))
    colour = cv2.warpAffine(sticker[..., :3], m, (320, 240), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(sticker[..., 3], m, (320, 240), flags=cv2.INTER_LINEAR)[..., None] / 255.0
    expected = np.clip(np.floor(colour * alpha + frame * (1 - alpha) + 0.5), 0, 255)
    diff = np.abs(out.astype(int) - expected.astype(int))
    assert diff.max() <= 4  # 1/32-px sample rounding on a soft edge, see test_render
    assert (diff > 1).mean() < 0.002
    assert (diff[alpha[..., 0] == 1] <= 1).all()  # the opaque interior is exact


@pytest.mark.parametrize(
    ("placement", "anchors", "iod", "roll"),
    [
        ("similarity", [36, 45], 60.0, 0.0),
        ("similarity", [36, 45], 60.0, 45.0),
        ("similarity", [36, 45], 60.0, -45.0),
        ("similarity", [36, 45], 40.0, 30.0),
        ("affine", [36, 45, 57], 80.0, -20.0),
        ("perspective", [17, 26, 54, 48], 90.0, 45.0),
        ("similarity", [[36, 37, 38, 39, 40, 41], [42, 43, 44, 45, 46, 47]], 60.0, 10.0),
    ],
)
def test_anchors_land_exactly_on_the_landmarks(
    tmp_path: Path, placement: str, anchors: list, iod: float, roll: float
) -> None:
    """Round trip: blobs drawn at the image points end up centred on the anchor landmarks."""
    rng = np.random.default_rng(len(anchors))
    img_pts = [(40.0, 40.0), (260.0, 52.0), (220.0, 210.0), (60.0, 190.0)][: len(anchors)]
    img_pts = [(x + rng.uniform(-0.5, 0.5), y + rng.uniform(-0.5, 0.5)) for x, y in img_pts]
    sprite = blob_sprite((250, 300), img_pts, sigma=3.0)
    folder = write_filter(tmp_path, "blobs", [{"placement": placement, "image": "b.png", "anchors": anchors,
                          "image_points": [list(p) for p in img_pts]}], {"b.png": sprite})  # fmt: skip
    lm = face_points((200.0, 150.0), iod, roll)
    frame = np.zeros((300, 400, 3), np.uint8)
    out = Filter.load(folder).render(frame, [lm])
    for a in anchors:
        target = lm[a].mean(0) if isinstance(a, list) else lm[a]
        got = centroid_near(out, frame, target, radius=max(4, int(iod * 0.12)))
        assert np.linalg.norm(got - target) < 0.15, (a, got, target)


def test_tiny_huge_partly_outside_and_several_faces(tmp_path: Path) -> None:
    folder = write_filter(tmp_path, "square", [{"placement": "similarity", "image": "sq.png", "anchors": [36, 45],
                          "image_points": [[8, 8], [55, 8]]}], {"sq.png": soft_square()})  # fmt: skip
    flt = Filter.load(folder)
    frame = np.full((240, 320, 3), 30, np.uint8)
    tiny = face_points((60.0, 60.0), 40.0 / 1.4 * 0.6)  # a face about 40 px wide
    huge = face_points((160.0, 120.0), 1500.0)  # much larger than the frame
    edge = face_points((300.0, 5.0), 80.0)  # half outside
    for faces in ([tiny], [huge], [edge], [tiny, edge]):
        out = flt.render(frame, faces)
        assert out.shape == frame.shape and out.dtype == np.uint8
        assert (out != frame).any()
    # Several faces: each gets its own sticker, as if rendered one after the other.
    a, b = face_points((80.0, 80.0), 50.0), face_points((230.0, 150.0), 60.0, 20.0)
    both = flt.render(frame, [a, b])
    np.testing.assert_array_equal(both, flt.render(flt.render(frame, [a]), [b]))
    assert (both != flt.render(frame, [a])).any() and (both != flt.render(frame, [b])).any()


def test_render_is_pure_and_deterministic() -> None:
    filters = builtin_filters()
    lm = face_points((160.0, 140.0), 80.0)
    frame = draw_face(lm, (260, 320))
    before = frame.copy()
    for flt in filters.values():
        first = flt.render(frame, [lm])
        np.testing.assert_array_equal(frame, before)  # input not modified
        assert first is not frame
        np.testing.assert_array_equal(first, flt.render(frame, [lm]))  # deterministic


def test_bad_inputs() -> None:
    flt = builtin_filters()["sunglasses"]
    lm = face_points()
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        flt.render(np.zeros((10, 10), np.uint8), [lm])
    with pytest.raises(ValueError, match=r"\(68, 2\)"):
        flt.render(np.zeros((10, 10, 3), np.uint8), [np.zeros((5, 2))])
    frame = np.zeros((240, 320, 3), np.uint8)
    nan = lm.copy()
    nan[3] = np.nan
    np.testing.assert_array_equal(flt.render(frame, [nan, np.zeros((68, 2))]), frame)  # skipped, no crash
    np.testing.assert_array_equal(flt.render(frame, []), frame)


def test_condition_shows_layer_only_with_open_mouth(tmp_path: Path) -> None:
    folder = write_filter(tmp_path, "tongue", [{"placement": "similarity", "image": "sq.png", "anchors": [48, 54],
                          "image_points": [[8, 8], [55, 8]], "when": {"measure": "mouth_open", "above": 0.15,
                          "fade": 0.04}}], {"sq.png": soft_square()})  # fmt: skip
    flt = Filter.load(folder)
    frame = np.zeros((300, 400, 3), np.uint8)
    closed = template_face((200.0, 120.0), 90.0)
    wide = template_face((200.0, 120.0), 90.0, mouth_open=0.3)
    assert measure(closed, Measure.MOUTH_OPEN) < 0.1 < 0.3 < measure(wide, Measure.MOUTH_OPEN)
    assert not flt.render(frame, [closed]).any()
    full = flt.render(frame, [wide])
    assert full.max() > 200
    # Exactly at the threshold the layer is half transparent (the fade is centred on it).
    lo, hi = 0.0, 0.3
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (
            (mid, hi) if measure(template_face((0, 0), 1.0, mouth_open=mid), Measure.MOUTH_OPEN) < 0.15 else (lo, mid)
        )
    half = flt.render(frame, [template_face((200.0, 120.0), 90.0, mouth_open=lo)])
    assert half.max() == pytest.approx(full.max() / 2, abs=2)


def test_measures_do_not_depend_on_size_or_roll() -> None:
    for m in (m for m in Measure if m not in POSE_MEASURES):  # the head's angles: see tests/filters/test_head.py
        ref = measure(template_face((0.0, 0.0), 100.0, 0.0, 0.2), m)
        for iod, roll in ((40.0, 45.0), (900.0, -30.0)):
            assert measure(template_face((500.0, 400.0), iod, roll, 0.2), m) == pytest.approx(ref, rel=1e-6)


def test_builtin_filters_are_complete_and_change_the_face() -> None:
    filters = builtin_filters()
    assert len(filters) >= 10
    assert {"sunglasses", "round_glasses", "moustache", "beard", "dog", "cat", "crown", "party_hat", "clown_nose",
            "face_paint", "big_eyes"} <= set(filters)  # fmt: skip
    lm = template_face((200.0, 190.0), 110.0, 8.0, mouth_open=0.25)
    frame = draw_face(lm, (400, 400))
    expressive = lm.copy()  # smiling and winking too, for the lenses that react to it (facefilter.filters.triggers)
    expressive[[48, 60, 54, 64]] += [[-9.0, -3.0], [-9.0, -3.0], [9.0, -3.0], [9.0, -3.0]]
    expressive[[37, 38]] = expressive[[41, 40]]
    for name, flt in filters.items():
        assert flt.name == name and flt.title
        thumb = cv2.imread(str(flt.thumbnail))
        assert thumb is not None and thumb.shape == (128, 128, 3), name
        face: np.ndarray | Face = lm if flt.state is None else expressive
        if flt.needs_expression:  # emotion lenses: a surprised face (the expression network's output)
            probs = [0.05, 0.02, 0.8, 0.03, 0.03, 0.03, 0.02, 0.02]
            face = Face(Box.from_points(expressive), expressive, 1, 1.0, to_extra(probs))
        out = flt.render(frame, [face])
        if name == "face_swap":  # trades faces: one face is left alone, and it says why (test_swap.py)
            assert np.array_equal(out, frame) and flt.status, name
            continue
        changed = np.abs(out.astype(int) - frame).sum(2) > 30
        assert changed.mean() > 0.003, f"{name} changed too little"
        ys, xs = np.nonzero(changed)
        # Whatever it draws stays around the face (hats above it): within 2.2 iod of the eye midpoint.
        assert np.hypot(xs - 200.0, ys - 190.0).max() < 2.3 * 110.0, name


def test_big_eyes_and_slim_face_move_pixels_where_expected() -> None:
    filters = builtin_filters()
    lm = template_face((200.0, 170.0), 120.0)
    frame = draw_face(lm, (360, 400))
    eyes = filters["big_eyes"].render(frame, [lm])
    white = lambda img: (img.min(2) > 240).sum()  # noqa: E731  (the drawn eyes are white)
    assert white(eyes) > 1.3 * white(frame)
    np.testing.assert_array_equal(eyes[300:], frame[300:])  # far from the eyes nothing moves
    slim = filters["slim_face"].render(frame, [lm])
    skin = lambda img: (np.abs(img.astype(int) - (150, 180, 220)).sum(2) < 30).sum()  # noqa: E731
    assert skin(slim) < 0.97 * skin(frame)
    np.testing.assert_array_equal(slim[:120], frame[:120])


def test_filters_package_does_not_import_qt() -> None:
    code = "import sys, facefilter.filters; sys.exit(any(m.startswith('PyQt') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
