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


def _nose_offset(points: np.ndarray) -> float:
    from facefilter.types import OUTER_EYE_CORNERS

    a, b = OUTER_EYE_CORNERS
    return float(abs(points[30, 0] - (points[a, 0] + points[b, 0]) / 2) / np.linalg.norm(points[a] - points[b]))


def test_clip_faces_come_as_they_are_unless_frontal_only(ibug_dir) -> None:  # type: ignore[no-untyped-def]
    from facefilter.bench.pipeline import FRONTAL_NOSE_OFFSET, clip_specs, pick_faces

    mixed = [_nose_offset(s.points) for s in pick_faces(ibug_dir, 6, seed=0)]
    frontal = [_nose_offset(s.points) for s in pick_faces(ibug_dir, 6, seed=0, frontal_only=True)]
    assert max(mixed) > FRONTAL_NOSE_OFFSET  # turned faces are in the default clips
    assert max(frontal) <= FRONTAL_NOSE_OFFSET
    assert mixed[0] == frontal[0]  # the same seeded order: a frontal first face is in both
    assert all(s.frontal_only for s in clip_specs("1,2@70", "1,3", 2, 8, 2, frontal_only=True))
    assert not any(s.frontal_only for s in clip_specs("1,2@70", "1,3", 2, 8, 2))


def test_rounds_alternate_which_pipeline_goes_first_and_a_missing_reference_is_dropped() -> None:
    from facefilter.bench.pipeline import ReferenceUnavailable, interleaved

    calls: list[str] = []

    def run(kind: str) -> dict[str, object]:
        calls.append(kind)
        return {"kind": kind, "n": len(calls)}

    got = interleaved(["ours", "facemesh"], 3, run)
    assert calls == ["ours", "facemesh", "facemesh", "ours", "ours", "facemesh"]
    assert [r["n"] for r in got["ours"]] == [1, 4, 5] and len(got["facemesh"]) == 3

    def no_reference(kind: str) -> dict[str, object]:
        if kind == "facemesh":
            raise ReferenceUnavailable("no mediapipe here")
        return {"kind": kind}

    got = interleaved(["ours", "facemesh"], 3, no_reference)
    assert list(got) == ["ours"] and len(got["ours"]) == 3


def test_fps_ratios_pair_rounds_and_the_cpu_share_is_cpu_over_wall() -> None:
    from facefilter.bench.pipeline import cpu_share, ratio_rounds

    ours = [{"frames": 300, "wall_s": 10.0}, {"frames": 300, "wall_s": 5.0}]
    ref = [{"frames": 300, "wall_s": 5.0}, {"frames": 300, "wall_s": 5.0}]
    assert ratio_rounds(ours, ref) == pytest.approx([0.5, 1.0])
    paced = [{"frames": 300, "wall_s": 10.0, "cpu_s": c} for c in (2.0, 3.0, 9.0)]
    share, fps = cpu_share(paced)
    assert share == pytest.approx(30.0) and fps == pytest.approx(30.0)


def test_the_reference_factory_says_when_face_mesh_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from facefilter.bench.pipeline import ReferenceUnavailable, facemesh_reference

    monkeypatch.setitem(sys.modules, "facefilter.bench.facemesh68", None)  # import fails
    with pytest.raises(ReferenceUnavailable, match="Face Mesh reference"):
        facemesh_reference()


def test_a_paced_run_takes_real_time_and_closes_the_reference(ibug_dir, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from facefilter.bench import pipeline
    from facefilter.bench.pipeline import build_clip, run_pipeline

    class FakeReference:
        closed = False

        def process(self, frame: np.ndarray) -> list[np.ndarray]:
            return [mean_face_points(center=(320, 240), iod=60)]

        def close(self) -> None:
            FakeReference.closed = True

    monkeypatch.setattr(pipeline, "facemesh_reference", lambda max_faces=4: FakeReference())
    clip, truth = build_clip(ClipSpec(1, still=0.2, motion=0.2), ibug_dir, tmp_path)
    res = run_pipeline("facemesh", str(clip), {"filter": None}, pace_fps=30.0)
    assert res["frames"] == len(truth) == 12 and len(res["results"]) == 12  # type: ignore[arg-type]
    assert res["wall_s"] >= 11 / 30  # frame i not before i / 30 s
    assert 0 < res["cpu_s"] <= res["wall_s"] * 2 + 0.5  # type: ignore[operator]
    assert FakeReference.closed
