"""Head pose on tracked faces: every face carries one, smoothed on the track, warm-started, with the
configured focal length, mirrored with the picture by the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.detect import Detection, FakeDetector
from facefilter.landmarks.smoothing import SmoothingConfig
from facefilter.pipeline import Pipeline, mirror_faces
from facefilter.pose import MEAN_FACE_3D, HeadPose, default_camera, estimate_pose
from facefilter.tracker import FaceTracker, PoseSmoother, TrackerConfig
from facefilter.types import FLIP_PERMUTATION, Box, Face

W, H = 640, 480
FOCAL, CENTER = default_camera((W, H))


class PoseScene:
    """Stand-in landmark model and detector: the mean face projected at ``pose`` (plus ``noise`` px)."""

    flip_test = False

    def __init__(self, seed: int = 0) -> None:
        self.points = np.zeros((68, 2), np.float32)
        self.rng = np.random.default_rng(seed)

    def show(self, yaw: float, pitch: float, roll: float, noise: float = 0.0, focal: float = FOCAL) -> None:
        pose = HeadPose.from_angles(yaw, pitch, roll, [10, -5, 600], focal, CENTER)
        self.points = pose.project(MEAN_FACE_3D) + self.rng.normal(0, noise, (68, 2)).astype(np.float32)

    def predict(self, image: np.ndarray, boxes: np.ndarray, angles: np.ndarray | None = None) -> np.ndarray:
        return np.repeat(self.points[None], len(boxes), axis=0)

    def detector(self) -> FakeDetector:
        return FakeDetector(lambda i, frame: [Detection(Box.from_points(self.points), 0.9)])


def tracker_for(scene: PoseScene, smoothing: bool | SmoothingConfig = True, **cfg: object) -> FaceTracker:
    config = TrackerConfig(**cfg)  # type: ignore[arg-type]
    return FaceTracker(model=scene, detector=scene.detector(), smoothing=smoothing, config=config)  # type: ignore[arg-type]


FRAME = np.full((H, W, 3), 40, np.uint8)


def test_every_tracked_face_carries_its_pose() -> None:
    scene = PoseScene()
    tracker = tracker_for(scene)
    scene.show(25.0, -10.0, 8.0)
    for i in range(5):
        faces = tracker.process(FRAME, i / 30)
        assert len(faces) == 1 and isinstance(faces[0].pose, HeadPose)
        pose = faces[0].pose
        assert (pose.yaw, pose.pitch, pose.roll) == pytest.approx((25.0, -10.0, 8.0), abs=0.01)
        assert pose.focal == FOCAL and pose.center == CENTER


def test_focal_option_reaches_the_pose() -> None:
    scene = PoseScene()
    tracker = tracker_for(scene, focal=1000.0)
    scene.show(30.0, 0.0, 0.0, focal=1000.0)
    pose = tracker.process(FRAME, 0.0)[0].pose
    assert pose is not None and pose.focal == 1000.0 and pose.yaw == pytest.approx(30.0, abs=0.01)
    with pytest.raises(ValueError, match="focal"):
        TrackerConfig(focal=0.0)


def test_pose_smoothing_steadies_a_still_face_without_bias() -> None:
    angles = {}
    for smooth in (False, True):
        scene = PoseScene(seed=1)
        tracker = tracker_for(scene, smoothing=smooth)
        out = []
        for i in range(90):
            scene.show(15.0, 5.0, -3.0, noise=0.6)  # ~0.6 px on a 95 px inter-ocular distance
            out.append([getattr(tracker.process(FRAME, i / 30)[0].pose, a) for a in ("yaw", "pitch", "roll")])
        angles[smooth] = np.array(out)[20:]
    raw_std, smooth_std = angles[False].std(0), angles[True].std(0)
    assert (smooth_std < 0.5 * raw_std).all(), (raw_std, smooth_std)
    np.testing.assert_allclose(angles[True].mean(0), [15.0, 5.0, -3.0], atol=0.3)


def test_pose_smoother_follows_a_turn_within_a_few_frames() -> None:
    smoother = PoseSmoother(SmoothingConfig())
    still = HeadPose.from_angles(0.0, 0.0, 0.0, [0, 0, 600], FOCAL, CENTER)
    for i in range(30):
        smoother(still, i / 30)
    turned = HeadPose.from_angles(20.0, 0.0, 0.0, [0, 0, 600], FOCAL, CENTER)
    yaws = [smoother(turned, (30 + i) / 30).yaw for i in range(8)]
    assert yaws[0] > 5.0 and yaws[5] > 19.0  # most of a sudden 20 deg turn at once, all of it within 6 frames
    assert smoother(turned, 40 / 30).rvec == pytest.approx(turned.rvec, abs=1e-3)


def test_pose_smoother_is_the_one_euro_filter_of_the_landmarks_on_angles_and_translation() -> None:
    """The pose smoother's scalar filter does the landmarks' numpy One Euro arithmetic exactly."""
    from facefilter.landmarks.smoothing import OneEuroFilter
    from facefilter.tracker import _OneEuro3

    rng = np.random.default_rng(3)
    c = SmoothingConfig()
    ref, ours = OneEuroFilter(c.min_cutoff, c.beta, c.d_cutoff), _OneEuro3(c.min_cutoff, c.beta, c.d_cutoff)
    x = np.zeros(3)
    t = 0.0
    for i in range(200):
        x = x + rng.normal(0, 0.5 if i % 50 < 25 else 5.0, 3)  # still, then fast
        t += 1 / 30 if i != 77 else 0.0  # and one repeated timestamp
        np.testing.assert_allclose(ours(x.tolist(), t, 40.0), ref(x[None], t, 40.0)[0], rtol=1e-12, atol=1e-12)


def test_pose_smoother_off_passes_poses_through() -> None:
    smoother = PoseSmoother(SmoothingConfig(enabled=False))
    a = HeadPose.from_angles(0.0, 0.0, 0.0, [0, 0, 600], FOCAL, CENTER)
    b = HeadPose.from_angles(30.0, 0.0, 0.0, [0, 0, 600], FOCAL, CENTER)
    smoother(a, 0.0)
    assert smoother(b, 1 / 30) is b


def test_pose_smoother_does_not_wrap_across_180_degrees() -> None:
    smoother = PoseSmoother(SmoothingConfig())
    smoother(HeadPose.from_angles(0.0, 179.0, 0.0, [0, 0, 600], FOCAL, CENTER), 0.0)
    out = smoother(HeadPose.from_angles(0.0, -179.0, 0.0, [0, 0, 600], FOCAL, CENTER), 1 / 30)
    assert abs(out.pitch) > 178.0  # stays near +-180, never swings through 0


def test_pipeline_mirrors_the_pose_with_the_picture() -> None:
    scene = PoseScene()
    pipe = Pipeline(tracker_for(scene, smoothing=False))
    pipe.mirror = True
    scene.show(30.0, 12.0, 10.0)
    face = pipe.process(FRAME, 0.0).faces[0]
    assert face.pose is not None
    assert (face.pose.yaw, face.pose.pitch, face.pose.roll) == pytest.approx((-30.0, 12.0, -10.0), abs=0.01)
    again = estimate_pose(face.landmarks, (W, H))  # the mirrored picture's own pose
    assert (again.yaw, again.pitch, again.roll) == pytest.approx((face.pose.yaw, face.pose.pitch, face.pose.roll),
                                                                 abs=0.01)
    np.testing.assert_allclose(again.rvec, face.pose.rvec, atol=1e-4)
    np.testing.assert_allclose(again.tvec, face.pose.tvec, atol=0.05)


def test_mirror_faces_mirrors_the_pose_and_keeps_none() -> None:
    pose = HeadPose.from_angles(-20.0, 8.0, 15.0, [40, 10, 700], FOCAL, CENTER)
    pts = pose.project(MEAN_FACE_3D)
    with_pose = Face(Box.from_points(pts), pts, 3, 0.8, {"roll": 15.0}, pose)
    without = Face(Box.from_points(pts), pts, 4, 0.8)
    a, b = mirror_faces([with_pose, without], W)
    assert b.pose is None
    assert a.pose is not None and (a.pose.yaw, a.pose.pitch, a.pose.roll) == pytest.approx((20.0, 8.0, -15.0))
    np.testing.assert_allclose(a.pose.project(MEAN_FACE_3D), a.landmarks, atol=1e-3)  # fits the mirrored points
    flipped = pts.copy()
    flipped[:, 0] = (W - 1) - flipped[:, 0]
    np.testing.assert_allclose(a.landmarks, flipped[list(FLIP_PERMUTATION)], atol=1e-4)
