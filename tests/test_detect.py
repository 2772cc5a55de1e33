"""Detection: the fake, the box mapping, and MediaPipe BlazeFace on real 300-W faces."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.detect import BoxMapping, Detection, FakeDetector, keypoint_roll, load_box_mapping
from facefilter.detect.mapping import mapping_features, mapping_target
from facefilter.types import Box


def test_fake_detector_scripts_and_counts() -> None:
    d = Detection(Box(1, 2, 30, 40), 0.8)
    fixed = FakeDetector([d])
    frame = np.zeros((20, 20, 3), np.uint8)
    assert fixed.detect(frame) == [d] and fixed.detect(frame) == [d] and fixed.calls == 2
    per_call = FakeDetector(lambda i, f: [d] * i)
    assert [len(per_call.detect(frame)) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match=r"HxWx3 uint8 BGR frame, got float64 \(20, 20, 3\)"):
        fixed.detect(frame.astype(np.float64))


def test_crop_box_and_keypoint_roll() -> None:
    raw = Detection(Box(0, 0, 10, 10), 0.9)
    assert raw.crop_box() == raw.box and keypoint_roll(raw) == 0.0
    mapped = Detection(Box(0, 0, 10, 10), 0.9, landmark_box=Box(1, 1, 12, 12))
    assert mapped.crop_box() == Box(1, 1, 12, 12)
    kps = np.zeros((6, 2), np.float32)
    kps[0], kps[1] = (10, 10), (20, 20)  # left eye lower-right of the right eye: turned clockwise
    assert keypoint_roll(Detection(raw.box, 0.9, kps)) == pytest.approx(45.0)


def synthetic_detections(rng: np.random.Generator, n: int) -> list[tuple[Detection, np.ndarray]]:
    """Detections whose keypoints sit at fixed spots of a face square; points span a box 1.3x larger."""
    canon = np.array([[-0.2, -0.1], [0.2, -0.1], [0, 0.05], [0, 0.2], [-0.45, 0], [0.45, 0]])
    out = []
    for _ in range(n):
        c, s, a = rng.uniform(100, 300, 2), rng.uniform(60, 200), np.radians(rng.uniform(-25, 25))
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        kps = (canon * s) @ rot.T + c
        square = np.array([[-0.65, -0.5], [0.65, -0.5], [0.65, 0.8], [-0.65, 0.8]]) * s @ rot.T + c
        pts = np.concatenate([square, np.repeat(square[:1], 64, 0)])
        box = Box(c[0] - s / 2, c[1] - s / 2, s, s)
        out.append((Detection(box, 0.9, kps.astype(np.float32)), pts.astype(np.float32)))
    return out


def test_box_mapping_fit_recovers_a_known_relation() -> None:
    from facefilter.tools.calibrate import Sample, box_errors, fit_mapping

    rng = np.random.default_rng(0)
    data = synthetic_detections(rng, 200)
    samples = [Sample(i, 100, pts, {"short": det}) for i, (det, pts) in enumerate(data)]
    mapping = fit_mapping(samples, "short", use_roll=True, ridge=0.0)
    centre, scale = box_errors(samples, "short", mapping)
    assert centre.max() < 1e-6 and scale.max() < 1e-6
    det, pts = data[0]
    box, roll = mapping(det)
    f, r = mapping_features(det, True)
    assert roll == pytest.approx(r) and f.shape == (13,)
    np.testing.assert_allclose(mapping_target(Detection(Box(*box), 1), pts, roll), 0, atol=1e-6)
    again = BoxMapping.from_dict(json.loads(json.dumps(mapping.to_dict())))
    np.testing.assert_allclose(again(det)[0], box, atol=1e-3)


def test_shipped_box_mapping_loads_and_bad_files_say_why(tmp_path: Path) -> None:
    for model in ("short", "full"):
        m = load_box_mapping(model)
        assert m.weights.shape == (13, 3) and 0.7 < np.exp(m.box_weights[2]) < 1.5  # similar sizes
    bad = tmp_path / "m.json"
    bad.write_text('{"models": {"short": {"weights": [[1, 2]], "box_weights": [0, 0, 0]}}}')
    with pytest.raises(ValueError, match=r"m\.json \[short\]: weights must be \(13, 3\)"):
        load_box_mapping("short", bad)
    with pytest.raises(ValueError, match="no mapping for model 'full'"):
        load_box_mapping("full", bad)


@pytest.fixture(scope="module")
def blazeface():  # type: ignore[no-untyped-def]
    from facefilter.detect import BlazeFaceDetector

    with BlazeFaceDetector() as det:
        yield det


def test_blazeface_finds_real_faces_and_maps_their_boxes(ibug_dir: Path, blazeface) -> None:  # type: ignore[no-untyped-def]
    from facefilter.bench.scene import background, composite, make_sprite, place
    from facefilter.data import discover

    records = discover(ibug_dir).records[:40:8]
    for k, rec in enumerate(records):
        sprite = make_sprite(cv2.imread(str(rec.image)), rec.points)
        side = (100, 150, 220)[k % 3]
        frame, pts = composite(background(seed=k), [sprite], [place(sprite, (320, 240), side)])
        dets = blazeface.detect(frame)
        assert dets, f"{rec.image}: no face found"
        gt = Box.from_points(pts[0])
        lm = dets[0].crop_box()
        assert np.linalg.norm(np.subtract(lm.center, gt.center)) < 0.15 * side, rec.image
        assert 0.75 < lm.width / max(gt.width, gt.height) < 1.3, rec.image
        assert 0.5 < dets[0].score <= 1.0 and dets[0].keypoints is not None


def test_blazeface_finds_nothing_on_a_blank_frame(blazeface) -> None:  # type: ignore[no-untyped-def]
    assert blazeface.detect(np.full((480, 640, 3), 90, np.uint8)) == []
