"""FaceTracker's face-ness check and group handling: a non-face starts no track, a track that stops
being a face is dropped within a few frames while one odd frame does not drop it, the largest faces
come first when ``max_faces`` cuts, and the shipped classifier on real photos (data permitting).

The landmark network is a stand-in (the true points of the drawn face nearest its crop); the
face-ness model is a stand-in whose score the test sets per face position and frame."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.detect import Detection, FakeDetector
from facefilter.tracker import FaceTracker, TrackerConfig
from facefilter.types import Box
from tests.conftest import draw_face, mean_face_points


class TruthNet:
    """Stand-in landmark model: the true points of the face nearest the crop centre."""

    flip_test = False

    def __init__(self, truth: list[np.ndarray]) -> None:
        self.truth = truth

    def predict(self, image: np.ndarray, boxes: np.ndarray, angles: np.ndarray | None = None) -> np.ndarray:
        out = []
        for b in np.asarray(boxes, np.float64):
            c = b[:2] + b[2:] / 2
            out.append(min(self.truth, key=lambda p: float(np.linalg.norm(p.mean(0) - c))))
        return np.asarray(out, np.float32).reshape(-1, 68, 2)


class ScoreByPosition:
    """Stand-in face-ness model: ``fn(frame_no, box_centre_x) -> score``; records the calls."""

    def __init__(self, fn: Callable[[int, float], float]) -> None:
        self.fn, self.frame, self.calls = fn, 0, 0

    def score(self, gray: np.ndarray, boxes: np.ndarray, rolls: np.ndarray | None = None) -> np.ndarray:
        assert gray.ndim == 2 and gray.dtype == np.uint8
        self.calls += 1
        return np.array([self.fn(self.frame, float(b[0] + b[2] / 2)) for b in np.asarray(boxes)], np.float32)

    def close(self) -> None:
        pass


def frame_with(faces: list[np.ndarray]) -> np.ndarray:
    img = np.full((480, 640, 3), 40, np.uint8)
    for p in faces:
        img = np.maximum(img, draw_face(p, (480, 640)))
    return img


def make(truth: list[np.ndarray], fn: Callable[[int, float], float], **cfg: object
         ) -> tuple[FaceTracker, ScoreByPosition]:
    net = TruthNet(truth)
    det = FakeDetector(lambda i, frame: [Detection(Box.from_points(p), 0.9) for p in net.truth])
    tracker = FaceTracker(model=net, detector=det, smoothing=False, config=TrackerConfig(**cfg))  # type: ignore[arg-type]
    judge = ScoreByPosition(fn)
    tracker.faceness = judge  # type: ignore[assignment]
    return tracker, judge


def run(tracker: FaceTracker, judge: ScoreByPosition, truth: list[np.ndarray], frames: int) -> list[list[int]]:
    ids = []
    img = frame_with(truth)
    for i in range(frames):
        judge.frame = i
        ids.append([f.id for f in tracker.process(img, i / 30)])
    return ids


def test_a_detection_that_is_no_face_starts_no_track() -> None:
    truth = [mean_face_points((150, 200), 60), mean_face_points((450, 200), 60)]
    tracker, judge = make(truth, lambda i, x: 0.97 if x < 300 else 0.1)  # the right one is "a hand"
    ids = run(tracker, judge, truth, 12)
    assert all(len(s) == 1 for s in ids), ids
    assert tracker.process(frame_with(truth), 1.0)[0].landmarks[:, 0].mean() < 300


def test_a_track_that_stops_being_a_face_is_dropped_within_three_frames() -> None:
    truth = [mean_face_points((300, 240), 70)]
    tracker, judge = make(truth, lambda i, x: 0.95 if i < 10 else 0.05, redetect_interval=30, faceness_every=1)
    ids = run(tracker, judge, truth, 20)
    assert all(s == [1] for s in ids[:10])
    gone = next(i for i, s in enumerate(ids) if not s)
    assert 10 <= gone <= 12, ids
    assert all(s == [] or s[0] > 1 for s in ids[gone:])  # never the old id again


def test_one_odd_frame_does_not_drop_a_face() -> None:
    truth = [mean_face_points((300, 240), 70)]
    odd = {8, 15, 22}  # a blink, a hand passing: the classifier doubts for a frame
    tracker, judge = make(truth, lambda i, x: 0.1 if i in odd else 0.97, redetect_interval=30, faceness_every=1)
    ids = run(tracker, judge, truth, 25)
    assert all(s == [1] for s in ids), ids


def test_faceness_every_checks_followed_faces_less_often() -> None:
    truth = [mean_face_points((300, 240), 70)]
    tracker, judge = make(truth, lambda i, x: 0.97, faceness_every=4, redetect_interval=100)
    run(tracker, judge, truth, 20)
    assert 5 <= judge.calls <= 7  # the birth check, then every 4th frame


def test_without_weights_the_check_is_off_and_thresholds_are_checked() -> None:
    truth = [mean_face_points((300, 240), 70)]
    tracker = FaceTracker(model=TruthNet(truth), detector=FakeDetector(), config=TrackerConfig())  # type: ignore[arg-type]
    assert tracker.faceness is None  # a stand-in network has no weights file: synthetic frames, no check
    with pytest.raises(ValueError, match="faceness_birth"):
        TrackerConfig(faceness_keep=1.5)
    with pytest.raises(ValueError, match="faceness_every"):
        TrackerConfig(faceness_every=0)


def test_groups_are_not_cut_to_four_and_the_largest_come_first() -> None:
    assert TrackerConfig().max_faces >= 8
    sizes = [40, 44, 48, 52, 56, 60, 64, 68, 72]  # iod; detections arrive smallest first with the best score
    truth = [mean_face_points((110 + 210 * (k % 3), 90 + 150 * (k // 3)), iod) for k, iod in enumerate(sizes)]

    def tracker(max_faces: int) -> FaceTracker:
        net = TruthNet(truth)
        det = FakeDetector(lambda i, f: [Detection(Box.from_points(p), 0.99 - 0.01 * k) for k, p in enumerate(truth)])
        return FaceTracker(model=net, detector=det, smoothing=False, config=TrackerConfig(max_faces=max_faces))  # type: ignore[arg-type]

    img = frame_with(truth)
    assert len(tracker(10).process(img, 0.0)) == 9
    faces = tracker(3).process(img, 0.0)
    got = sorted(round(f.inter_ocular) for f in faces)
    assert got == pytest.approx([64, 68, 72], abs=2), got


def real_image(path: Path) -> np.ndarray:
    if not path.is_file():
        pytest.skip(f"{path} absent (set FACEFILTER_DATA)")
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert img is not None, path
    return img


@pytest.fixture(scope="module")
def app_tracker():  # type: ignore[no-untyped-def]
    from facefilter.landmarks.faceness import shipped_faceness_path

    if not shipped_faceness_path().is_file():
        pytest.skip("models/faceness.onnx not built")
    pytest.importorskip("mediapipe")
    with FaceTracker(device="cpu") as tracker:
        yield tracker


def photo_faces(tracker: FaceTracker, img: np.ndarray, frames: int = 3) -> int:
    tracker.reset()
    faces = []
    for i in range(frames):
        faces = tracker.process(img, i / 30)
    return len(faces)


def test_the_app_tracker_finds_a_real_face_and_no_dog(app_tracker, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    from facefilter.data import discover, split_indices

    records = discover(shared_data / "ibug300w-train").records
    _, val = split_indices(len(records), 0.1, seed=0)
    found = [photo_faces(app_tracker, real_image(records[i].image)) for i in val[:6]]
    assert sum(n >= 1 for n in found) >= 5, found
    dogs = shared_data / "real-dev" / "neg_photo_dogs.jpg"
    assert photo_faces(app_tracker, real_image(dogs)) == 0


def test_by_default_a_ghost_goes_within_five_frames() -> None:
    truth = [mean_face_points((300, 240), 70)]
    tracker, judge = make(truth, lambda i, x: 0.95 if i < 10 else 0.05, redetect_interval=30)
    ids = run(tracker, judge, truth, 20)
    assert all(s == [1] for s in ids[:10])
    assert next(i for i, s in enumerate(ids) if not s) <= 14, ids
