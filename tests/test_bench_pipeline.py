"""The pipeline benchmark's scoring, clip motion and synthetic scenes (the benchmark itself is not a test)."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.bench.pipeline import JITTER_SKIP, ClipSpec, score, trajectory
from facefilter.bench.scene import background, composite, make_sprite, place
from facefilter.types import Box
from tests.conftest import draw_face, mean_face_points


def test_score_perfect_missing_and_noisy() -> None:
    truth = np.stack([mean_face_points(center=(100 + t, 100), iod=50)[None] for t in range(40)])
    perfect = [([truth[t, 0]], [1]) for t in range(40)]
    s = score(perfect, truth, still_frames=30)
    assert s.nme == pytest.approx(0) and s.miss == 0 and s.jitter == pytest.approx(0) and s.id_switches == 0

    holes = [([], []) if t % 4 == 0 else ([truth[t, 0]], [1 + (t >= 20)]) for t in range(40)]
    s = score(holes, truth, still_frames=30)
    assert s.miss == pytest.approx(25.0) and s.id_switches == 1

    rng = np.random.default_rng(0)
    noisy = [([truth[t, 0] + rng.normal(0, 0.5, (68, 2))], []) for t in range(40)]
    s = score(noisy, truth, still_frames=30)
    assert s.jitter == pytest.approx(0.5 / 50 * 100, rel=0.2)  # std of the error, % of IOD
    assert s.id_switches == -1  # no ids (the reference)
    assert JITTER_SKIP < 30


def test_trajectory_is_still_then_within_the_issue_ranges() -> None:
    spec = ClipSpec(faces=1)
    still = {trajectory(spec, 0, t / 30) for t in range(60)}
    assert len(still) == 1
    moving = [trajectory(spec, 0, 2 + t / 30) for t in range(240)]
    rolls = [r for _, _, r in moving]
    sides = [s for _, s, _ in moving]
    assert max(map(abs, rolls)) <= 20.0 and max(map(abs, rolls)) > 19.0
    assert min(sides) >= 0.8 * 170 - 1e-6 and max(sides) <= 1.2 * 170 + 1e-6


def test_composite_places_points_where_asked() -> None:
    pts = mean_face_points(center=(100, 100), iod=60)
    sprite = make_sprite(draw_face(pts), pts)
    frame, out = composite(background(), [sprite], [place(sprite, (320, 240), 150)])
    box = Box.from_points(out[0])
    assert box.center == pytest.approx((320, 240), abs=1e-3) and max(box.width, box.height) == pytest.approx(150)
    m = place(sprite, (320, 240), 150, 10)
    frame, out = composite(background(), [sprite], [m])
    assert frame.shape == (480, 640, 3) and out.shape == (1, 68, 2)
    assert m[:, :2] @ sprite.center + m[:, 2] == pytest.approx((320, 240))  # turned about the box centre
    # turned 10 deg counter-clockwise on screen: the left eye (45) is higher than the right one (36)
    assert out[0, 45, 1] < out[0, 36, 1]


def test_build_clip_writes_a_readable_clip_into_a_new_folder(ibug_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import cv2

    from facefilter.bench.pipeline import build_clip

    path, truth = build_clip(ClipSpec(2, still=0.2, motion=0.3), ibug_dir, tmp_path / "new" / "folder")
    cap = cv2.VideoCapture(str(path))
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, frame = cap.read()
    cap.release()
    assert ok and frame.shape == (480, 640, 3)
    assert truth.shape == (frames, 2, 68, 2) and frames == 15
