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


def test_ssd_anchors_follow_the_mediapipe_layouts() -> None:
    from facefilter.detect.blazeface import SPECS, ssd_anchors

    short, full = ssd_anchors(SPECS["short"]), ssd_anchors(SPECS["full"])
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # short range: 16x16 cells with 2 anchors each, then 8x8 cells with 6 (three stride-16 layers x 2)
    np.testing.assert_allclose(short[0], short[1])
    np.testing.assert_allclose(short[0], [0.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(short[2], [1.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(short[512], short[517])
    np.testing.assert_allclose(short[518], [1.5 / 8, 0.5 / 8])
    np.testing.assert_allclose(full[48], [0.5 / 48, 1.5 / 48])


def test_weighted_nms_averages_a_cluster_by_score() -> None:
    from facefilter.detect.blazeface import weighted_nms

    def row(score: float, x0: float) -> list[float]:
        return [score, x0, 0.0, x0 + 1.0, 1.0, *([x0] * 12)]

    dets = np.array([row(0.6, 0.1), row(0.9, 0.0), row(0.7, 5.0)])
    out = weighted_nms(dets)
    assert out.shape == (2, 17)
    assert out[0, 0] == 0.9 and out[1, 0] == 0.7  # best score kept, best first
    np.testing.assert_allclose(out[0, 1], (0.9 * 0.0 + 0.6 * 0.1) / 1.5)
    np.testing.assert_allclose(out[1, 1:], dets[2, 1:])
    assert weighted_nms(np.zeros((0, 17))).shape == (0, 17)


def test_blazeface_models_ship_with_their_licence_and_source() -> None:
    import hashlib

    from facefilter.detect.blazeface import SPECS, model_path

    folder = model_path("short").parent
    assert "Apache License" in (folder / "LICENSE").read_text()
    source = (folder / "SOURCE.md").read_text()
    for name in SPECS:
        digest = hashlib.sha256(model_path(name).read_bytes()).hexdigest()
        assert digest in source, f"{model_path(name)}: its sha256 is not in {folder / 'SOURCE.md'}"
    with pytest.raises(ValueError, match="unknown BlazeFace model"):
        model_path("tiny")


def test_blazeface_matches_legacy_solution(ibug_dir: Path, blazeface) -> None:  # type: ignore[no-untyped-def]
    """Where mediapipe 0.10.x is installed: the same detections as its legacy face detection
    graphs (scores within 1e-4, coordinates within 1e-2 px)."""
    try:
        from mediapipe.python.solutions import face_detection
    except ImportError:
        pytest.skip("this mediapipe has no legacy solutions API (mediapipe 1.x dropped it)")
    from facefilter.bench.scene import background, composite, make_sprite, place
    from facefilter.data import discover

    records = discover(ibug_dir).records[:60:6]
    for name, selection in (("short", 0), ("full", 1)):
        with face_detection.FaceDetection(min_detection_confidence=0.5, model_selection=selection) as legacy:
            for k, rec in enumerate(records):
                sprite = make_sprite(cv2.imread(str(rec.image)), rec.points)
                frame, _ = composite(background(seed=k), [sprite], [place(sprite, (300, 250), (60, 120, 240)[k % 3])])
                rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                h, w = rgb.shape[:2]
                expected = []
                for d in legacy.process(rgb).detections or []:
                    rb = d.location_data.relative_bounding_box
                    kps = [v for p in d.location_data.relative_keypoints for v in (p.x * w - 0.5, p.y * h - 0.5)]
                    expected.append([d.score[0], rb.xmin * w - 0.5, rb.ymin * h - 0.5,
                                     (rb.xmin + rb.width) * w - 0.5, (rb.ymin + rb.height) * h - 0.5, *kps])
                ours = blazeface.raw_detections(rgb, name)
                assert len(ours) == len(expected), f"{name}, {rec.image}: {len(ours)} against {len(expected)}"
                if expected:
                    exp = np.array(expected)[np.argsort([-e[0] for e in expected], kind="stable")]
                    np.testing.assert_allclose(ours[:, 0], exp[:, 0], atol=1e-4)
                    np.testing.assert_allclose(ours[:, 1:], exp[:, 1:], atol=1e-2)
