"""FaceTracker and Pipeline: ids, re-detection, losing and finding faces, mirroring, rendering.

Most tests use a fake landmark model that answers with the true points of the scene (so they
test the tracking logic, not the network); the last ones run the real model and BlazeFace.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.detect import Detection, FakeDetector
from facefilter.landmarks.metrics import nme
from facefilter.pipeline import Pipeline, mirror_faces
from facefilter.tracker import FaceTracker, TrackerConfig, eye_roll, upright_box
from facefilter.types import Box, Face
from tests.conftest import draw_face, mean_face_points


class SceneModel:
    """Stand-in for LandmarkModel: the true points of the scene face nearest the crop centre."""

    flip_test = False

    def __init__(self) -> None:
        self.truth: list[np.ndarray] = []
        self.calls = 0

    def predict(self, image: np.ndarray, boxes: np.ndarray, angles: np.ndarray | None = None) -> np.ndarray:
        self.calls += 1
        out = []
        for b in np.asarray(boxes, np.float64):
            c = b[:2] + b[2:] / 2
            near = [p for p in self.truth if np.linalg.norm(p.mean(0) - c) < 0.5 * b[2:].max()]
            if near:
                out.append(min(near, key=lambda p: np.linalg.norm(p.mean(0) - c)))
            else:  # no face there: a face-shaped guess at the crop centre, as a network would give
                out.append(mean_face_points(center=tuple(c), iod=b[2:].max() / 2.2))
        return np.asarray(out, np.float32).reshape(-1, 68, 2)


def scene_detector(scene: SceneModel) -> FakeDetector:
    return FakeDetector(lambda i, frame: [Detection(Box.from_points(p), 0.9) for p in scene.truth])


def frame_with(faces: Sequence[np.ndarray], size: tuple[int, int] = (480, 640)) -> np.ndarray:
    img = np.full((*size, 3), 40, np.uint8)
    for p in faces:
        img = np.maximum(img, draw_face(p, size))
    return img


def make_tracker(scene: SceneModel, **cfg: object) -> tuple[FaceTracker, FakeDetector]:
    det = scene_detector(scene)
    config = TrackerConfig(**{"smoothing": TrackerConfig().smoothing, **cfg})  # type: ignore[arg-type]
    return FaceTracker(model=scene, detector=det, smoothing=False, config=config), det  # type: ignore[arg-type]


def test_ids_stay_stable_on_a_moving_face() -> None:
    scene = SceneModel()
    tracker, det = make_tracker(scene, redetect_interval=5)
    ids = []
    for i in range(30):
        scene.truth = [mean_face_points(center=(200 + 6 * i, 240 + 2 * i), iod=70)]
        faces = tracker.process(frame_with(scene.truth), timestamp=i / 30)
        assert len(faces) == 1
        np.testing.assert_allclose(faces[0].landmarks, scene.truth[0], atol=1e-4)
        ids.append(faces[0].id)
    assert set(ids) == {1}
    assert det.calls == 6  # frames 0, 5, 10, ...: detection every redetect_interval frames


def test_two_faces_keep_their_ids_and_a_new_one_is_found() -> None:
    scene = SceneModel()
    tracker, _ = make_tracker(scene, redetect_interval=4)
    a, b = (mean_face_points(center=(150, 200), iod=60), mean_face_points(center=(450, 200), iod=60))
    scene.truth = [a, b]
    first = {f.id: f.landmarks.mean(0) for f in tracker.process(frame_with(scene.truth), 0.0)}
    assert sorted(first) == [1, 2]
    for i in range(1, 8):  # they move towards each other; ids follow the faces
        scene.truth = [a + (5 * i, 0), b - (5 * i, 0)]
        faces = {f.id: f for f in tracker.process(frame_with(scene.truth), i / 30)}
        assert faces[1].landmarks.mean(0)[0] < faces[2].landmarks.mean(0)[0]
    c = mean_face_points(center=(320, 380), iod=50)
    scene.truth = [*scene.truth, c]
    seen = []
    for i in range(8, 14):
        seen.append(sorted(f.id for f in tracker.process(frame_with(scene.truth), i / 30)))
    assert seen[-1] == [1, 2, 3]  # found at the next detection round
    assert seen.index([1, 2, 3]) <= 4


def test_a_face_that_leaves_is_dropped_and_max_faces_holds() -> None:
    scene = SceneModel()
    tracker, _ = make_tracker(scene, redetect_interval=3, max_faces=2)
    scene.truth = [mean_face_points(center=(120 + 190 * k, 200), iod=50) for k in range(3)]
    assert len(tracker.process(frame_with(scene.truth), 0.0)) == 2  # only max_faces tracked
    scene.truth = scene.truth[1:]  # face 1 leaves; the crop then holds no face
    for i in range(1, 8):
        faces = tracker.process(frame_with(scene.truth), i / 30)
    ids = sorted(f.id for f in faces)
    assert 1 not in ids and len(ids) == 2


def test_tracks_a_lost_face_again_at_once() -> None:
    """A prediction that leaves the frame drops the track and forces a detection next frame."""
    scene = SceneModel()
    tracker, det = make_tracker(scene, redetect_interval=100)
    scene.truth = [mean_face_points(center=(320, 240), iod=60)]
    tracker.process(frame_with(scene.truth), 0.0)
    scene.truth = [mean_face_points(center=(700, 240), iod=60)]  # predicted centre outside the frame
    assert tracker.process(frame_with(scene.truth), 0.033) == []
    scene.truth = [mean_face_points(center=(320, 240), iod=60)]
    calls = det.calls
    faces = tracker.process(frame_with(scene.truth), 0.066)
    assert det.calls == calls + 1 and [f.id for f in faces] == [2]


def test_new_tracker_on_a_still_image_detects_from_scratch() -> None:
    scene = SceneModel()
    scene.truth = [mean_face_points(center=(300, 200), iod=80)]
    tracker, det = make_tracker(scene)
    faces = tracker.process(frame_with(scene.truth))
    assert det.calls == 1 and len(faces) == 1 and faces[0].id == 1
    tracker.reset()
    assert tracker.process(frame_with(scene.truth))[0].id == 1 and det.calls == 2


def test_no_face_means_detection_every_frame() -> None:
    scene = SceneModel()
    tracker, det = make_tracker(scene, redetect_interval=10)
    for i in range(4):
        assert tracker.process(frame_with([]), i / 30) == []
    assert det.calls == 4 and scene.calls == 0


def test_eye_roll_and_upright_box() -> None:
    pts = mean_face_points(center=(200, 200), iod=80)
    m = cv2.getRotationMatrix2D((200, 200), -20, 1.0)  # -20 deg in cv2 = clockwise on screen
    rot = pts @ m[:, :2].T + m[:, 2]
    assert eye_roll(pts) == pytest.approx(0, abs=1e-4)
    assert eye_roll(rot) == pytest.approx(20, abs=1e-3)
    up = upright_box(rot, 20.0)
    ref = Box.from_points(pts)
    np.testing.assert_allclose(up[2:], [ref.width, ref.height], atol=1e-3)
    np.testing.assert_allclose(up[:2] + up[2:] / 2, m[:, :2] @ ref.center + m[:, 2], atol=1e-3)


def test_mirror_faces_round_trip() -> None:
    face = Face(Box(0, 0, 1, 1), mean_face_points(center=(100, 120)), id=3, extra={"roll": 5.0})
    once = mirror_faces([face], 640)[0]
    assert once.landmarks[36, 0] < once.landmarks[45, 0]  # still the image-left eye at 36
    assert once.extra["roll"] == -5.0 and once.id == 3
    np.testing.assert_allclose(mirror_faces([once], 640)[0].landmarks, face.landmarks, atol=1e-4)


class RecordingFilter:
    name = "rec"

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.times: list[float | None] = []

    def render(self, frame_bgr: np.ndarray, faces: Sequence[Face], t: float | None = None) -> np.ndarray:
        self.seen.append(len(faces))
        self.times.append(t)
        out = frame_bgr.copy()
        out[:10, :10] = (0, 0, 255)
        return out


def test_pipeline_filter_overlay_mirror_and_timings() -> None:
    scene = SceneModel()
    scene.truth = [mean_face_points(center=(200, 240), iod=80)]
    tracker, _ = make_tracker(scene)
    flt = RecordingFilter()
    pipe = Pipeline(tracker, {"rec": flt})
    frame = frame_with(scene.truth)
    before = frame.copy()
    res = pipe.process(frame, 0.0)
    np.testing.assert_array_equal(res.frame, frame)  # nothing active: the frame as it came
    assert res.frame is not frame
    assert {"detect", "landmarks", "smooth", "track", "render", "total"} <= set(res.timings_ms)
    pipe.active_filter, pipe.overlay, pipe.mirror = "rec", True, True
    res = pipe.process(frame, 0.033)
    np.testing.assert_array_equal(frame, before)  # input untouched
    assert flt.seen == [1]
    assert flt.times == [0.033]  # the frame's timestamp drives the filter's animations
    assert tuple(res.frame[0, 0]) == (0, 0, 255)  # the filter drew on the mirrored frame
    np.testing.assert_array_equal(res.frame[100:, 600], frame[100:, 39])
    assert res.faces[0].landmarks[:, 0].mean() == pytest.approx(639 - scene.truth[0][:, 0].mean(), abs=1e-3)
    assert res.faces[0].id == 1  # toggling mirror keeps the track
    x, y = np.round(res.faces[0].landmarks[30]).astype(int)
    assert tuple(res.frame[y, x]) == (0, 255, 0)  # overlay point of face 1


def test_background_is_composited_under_the_filter_with_a_fake_segmenter(tmp_path: Path) -> None:
    from facefilter.background import BackgroundError, FakeSegmenter

    scene = SceneModel()
    scene.truth = [mean_face_points(center=(200, 240), iod=80)]
    tracker, _ = make_tracker(scene)
    person = np.zeros((480, 640), np.float32)
    person[120:, 100:300] = 1.0  # the "person": a block around the face
    fake = FakeSegmenter(person)
    flt = RecordingFilter()
    pipe = Pipeline(tracker, {"rec": flt}, segmenter=fake)
    pipe.set_background("color:#0000FF")
    assert str(pipe.background_spec) == "color:#0000FF"
    frame = frame_with(scene.truth)
    before = frame.copy()
    pipe.active_filter = "rec"
    res = pipe.process(frame, 0.0)
    np.testing.assert_array_equal(frame, before)  # input untouched
    assert fake.calls == 1 and flt.seen == [1]  # the face was still tracked on the camera frame
    np.testing.assert_array_equal(res.frame[120:, 100:300], frame[120:, 100:300])  # the person as they are
    assert (res.frame[20:, 320:] == (255, 0, 0)).all()  # the room replaced by the colour (BGR)
    assert tuple(res.frame[0, 0]) == (0, 0, 255)  # the filter drew on top of the background
    assert res.timings_ms["background"] > 0
    pipe.mirror = True
    res = pipe.process(frame, 0.033)
    np.testing.assert_array_equal(res.frame[120:, 340:540], frame[120:, 100:300][:, ::-1])  # mirrored after
    assert (res.frame[200:, :300] == (255, 0, 0)).all()
    pipe.set_background(None)
    assert pipe.background is None and not pipe.background_spec.active
    np.testing.assert_array_equal(pipe.process(frame, 0.066).frame[200:, :300], frame[200:, 340:][:, ::-1])
    with pytest.raises(BackgroundError, match=r"missing\.png: no such file"):
        pipe.set_background(f"image:{tmp_path / 'missing.png'}")
    assert pipe.background is None  # the effect stays off


def test_the_pipeline_hands_its_tracked_faces_to_the_background_effect() -> None:
    """The segmenter sees nobody: the tracked face still shows (the effect's face prior), the rest
    of the frame is the colour."""
    from facefilter.background import FakeSegmenter

    scene = SceneModel()
    scene.truth = [mean_face_points(center=(200, 240), iod=80)]
    tracker, _ = make_tracker(scene)
    pipe = Pipeline(tracker, {}, segmenter=FakeSegmenter())
    pipe.set_background("color:#0000FF")
    frame = frame_with(scene.truth)
    res = pipe.process(frame, 0.0)
    assert len(res.faces) == 1
    x, y = np.round(res.faces[0].landmarks[30]).astype(int)  # the nose tip
    np.testing.assert_array_equal(res.frame[y - 5 : y + 5, x - 5 : x + 5], frame[y - 5 : y + 5, x - 5 : x + 5])
    assert (res.frame[:, 400:] == (255, 0, 0)).all()


def test_tracker_rejects_bad_frames() -> None:
    scene = SceneModel()
    tracker, _ = make_tracker(scene)
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        tracker.process(np.zeros((10, 10), np.uint8))


# -- the real model and detector on 300-W faces ------------------------------------------------


@pytest.fixture(scope="module")
def real_tracker_parts():  # type: ignore[no-untyped-def]
    from facefilter.detect.blazeface import BlazeFaceDetector
    from facefilter.landmarks import LandmarkModel
    from facefilter.landmarks.onnx import use_onnx

    model = LandmarkModel.load_single(device="cpu")  # what the app's tracker runs
    assert use_onnx(model)
    det = BlazeFaceDetector()
    yield model, det
    det.close()


@functools.cache
def first_records(ibug_dir: Path, n: int) -> list:  # type: ignore[type-arg]
    from facefilter.data import discover

    return discover(ibug_dir).records[:n]


def pasted_faces(ibug_dir: Path, n: int, angle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A 640x480 frame with the first ``n`` 300-W faces side by side (tight box 150 px), and their points."""
    from facefilter.bench.scene import background, composite, make_sprite, place

    recs = first_records(ibug_dir, n)
    sprites = [make_sprite(cv2.imread(str(r.image)), r.points) for r in recs]
    centers = [(110 + 210 * k, 240) for k in range(n)]
    mats = [place(s, c, 150, angle) for s, c in zip(sprites, centers, strict=True)]
    return composite(background(), sprites, mats)


def test_tracker_end_to_end_on_real_faces(ibug_dir, real_tracker_parts) -> None:  # type: ignore[no-untyped-def]
    model, det = real_tracker_parts
    frame, truth = pasted_faces(ibug_dir, 3)
    tracker = FaceTracker(model=model, detector=det)
    for i in range(3):
        faces = tracker.process(frame, i / 30)
    assert sorted(f.id for f in faces) == [1, 2, 3]
    faces.sort(key=lambda f: f.landmarks[:, 0].mean())
    errors = nme(np.stack([f.landmarks for f in faces]), truth)
    model.flip_test = False
    from_truth = nme(model.predict(frame, np.stack([Box.from_points(p).as_array() for p in truth])), truth)
    # about as good as crops from the true boxes, whatever the weights' accuracy (a weak snapshot
    # drifts a little when it crops from its own points: 2 points on the rolled third face)
    assert np.all(errors < from_truth + 0.03), (errors, from_truth)


def test_tracker_follows_a_rolled_face(ibug_dir, real_tracker_parts) -> None:  # type: ignore[no-untyped-def]
    model, det = real_tracker_parts
    tracker = FaceTracker(model=model, detector=det, smoothing=False)
    for i, angle in enumerate(np.linspace(0, 25, 6)):
        frame, truth = pasted_faces(ibug_dir, 1, angle=float(angle))
        faces = tracker.process(frame, i / 30)
        assert [f.id for f in faces] == [1]
    upright = model.predict(frame, upright_box(truth[0], -25.0)[None], np.array([-25.0]))
    assert float(nme(faces[0].landmarks[None], truth)[0]) < float(nme(upright, truth)[0]) + 0.02
    assert faces[0].extra["roll"] == pytest.approx(-25, abs=8)  # cv2's +25 deg is counter-clockwise


def test_onnx_runtime_matches_pytorch(ibug_dir) -> None:  # type: ignore[no-untyped-def]
    import torch

    from facefilter.landmarks import LandmarkModel
    from facefilter.landmarks.onnx import use_onnx

    frame, truth = pasted_faces(ibug_dir, 2)
    boxes = np.stack([Box.from_points(p).as_array() for p in truth])
    model = LandmarkModel.load(device="cpu", flip_test=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # several threads crawl on a busy 2-core machine
    try:
        ref = model.predict(frame, boxes, np.array([5.0, -10.0]))
    finally:
        torch.set_num_threads(threads)
    assert use_onnx(model)
    np.testing.assert_allclose(model.predict(frame, boxes, np.array([5.0, -10.0])), ref, atol=1e-3)
