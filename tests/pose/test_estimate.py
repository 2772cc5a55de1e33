"""estimate_pose and HeadPose: accuracy on projected mean faces, sign conventions, warm start,
mouth opening, mirroring, projection, input checks, and the yaw sign on real 300-W faces."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.pose import MEAN_FACE_3D, RIGID_POINTS, HeadPose, default_camera, estimate_pose
from facefilter.types import EYE_L, EYE_R, FLIP_PERMUTATION, JAW, MOUTH, rotation_from_angles

W, H = 640, 480
FOCAL, CENTER = default_camera((W, H))
FACE = MEAN_FACE_3D.astype(np.float64)


def eye_roll(points: np.ndarray) -> float:
    """The roll of ``facefilter.pipeline.eye_roll``, restated here so the test does not load the pipeline."""
    d = points[list(EYE_L)].mean(0) - points[list(EYE_R)].mean(0)
    return math.degrees(math.atan2(d[1], d[0]))


def pinhole(points_cam: np.ndarray) -> np.ndarray:
    """Camera-space mm -> pixels of the default 640x480 camera, written out independently of HeadPose."""
    return points_cam[:, :2] / points_cam[:, 2:3] * FOCAL + np.asarray(CENTER)


def synthetic(rng: np.random.Generator, n: int) -> list[tuple[HeadPose, np.ndarray]]:
    """``n`` random poses (yaw, pitch +-45, roll +-30 deg) and their projected points with 1% IOD noise."""
    out = []
    for _ in range(n):
        yaw, pitch = rng.uniform(-45, 45, 2)
        roll = rng.uniform(-30, 30)
        t = [rng.uniform(-80, 80), rng.uniform(-60, 60), rng.uniform(350, 1200)]
        pose = HeadPose.from_angles(yaw, pitch, roll, t, FOCAL, CENTER)
        pts = pose.project(FACE).astype(np.float64)
        iod = np.linalg.norm(pts[36] - pts[45])
        out.append((pose, pts + rng.normal(0, 0.01 * iod, pts.shape)))
    return out


def angle_errors(a: HeadPose, b: HeadPose) -> np.ndarray:
    return np.abs([a.yaw - b.yaw, a.pitch - b.pitch, a.roll - b.roll])


def test_accuracy_on_projected_mean_faces_with_noise() -> None:
    errors = np.array([angle_errors(estimate_pose(pts, (W, H)), pose)
                       for pose, pts in synthetic(np.random.default_rng(0), 400)])
    median, p95 = np.median(errors, 0), np.percentile(errors, 95, 0)
    assert (median <= 2.0).all(), f"median yaw/pitch/roll error {median}"
    assert (p95 <= 5.0).all(), f"95th percentile yaw/pitch/roll error {p95}"


def test_noiseless_projection_is_recovered_exactly() -> None:
    pose = HeadPose.from_angles(35.0, -20.0, 12.0, [30, -20, 700], FOCAL, CENTER)
    est = estimate_pose(pose.project(FACE), (W, H))
    assert angle_errors(est, pose).max() < 0.01
    np.testing.assert_allclose(est.tvec, pose.tvec, atol=0.5)
    np.testing.assert_allclose(est.rotation, pose.rotation, atol=2e-4)


def test_opening_the_mouth_does_not_turn_the_head() -> None:
    pose = HeadPose.from_angles(20.0, 10.0, -5.0, [0, 0, 600], FOCAL, CENTER)
    opened = FACE.copy()
    lower = [i for i in (*JAW, *MOUTH) if FACE[i, 1] > FACE[62, 1]]  # jaw and lips below the mouth's middle
    hinge = np.array([0.0, 20.0, 60.0])  # jaw hinge: below the eyes, behind the face
    opened[lower] = (FACE[lower] - hinge) @ rotation_from_angles(0, 20.0, 0).T + hinge  # 20 deg: a wide-open mouth
    assert np.linalg.norm(opened[66] - FACE[66]) > 25.0  # the lower lip really moved (mm)
    closed_est = estimate_pose(pose.project(FACE), (W, H))
    open_est = estimate_pose(pose.project(opened), (W, H))
    assert angle_errors(open_est, closed_est).max() <= 1.0
    assert not set(RIGID_POINTS) & set(lower)


def test_warm_start_gives_the_same_answer() -> None:
    for pose, pts in synthetic(np.random.default_rng(2), 30):
        cold = estimate_pose(pts, (W, H))
        near = HeadPose.from_angles(pose.yaw + 4, pose.pitch - 3, pose.roll + 2, pose.tvec * 1.05, FOCAL, CENTER)
        warm = estimate_pose(pts, (W, H), previous=near)
        assert angle_errors(warm, cold).max() < 1e-3
        np.testing.assert_allclose(warm.tvec, cold.tvec, atol=0.05)


def test_nose_pointing_to_the_image_right_is_positive_yaw() -> None:
    a = math.radians(30.0)  # turn about the vertical axis taking the nose (z < 0) toward +x
    rot = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    pts = pinhole(FACE @ rot.T + [0, 0, 600])
    assert pts[30, 0] > (pts[36, 0] + pts[45, 0]) / 2  # the nose tip is right of the eye corners' middle
    assert estimate_pose(pts, (W, H)).yaw == pytest.approx(30.0, abs=0.01)


def test_chin_going_down_is_positive_pitch() -> None:
    a = math.radians(25.0)  # nod: the nose tip (z < 0) goes down (+y), the chin down and back
    rot = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    up = pinhole(FACE + [0, 0, 600])
    down = pinhole(FACE @ rot.T + [0, 0, 600])
    assert (down[30, 1] - down[27, 1]) > (up[30, 1] - up[27, 1])  # the nose points further down
    assert estimate_pose(down, (W, H)).pitch == pytest.approx(25.0, abs=0.01)


@pytest.mark.parametrize("roll", [-25.0, -5.0, 10.0, 30.0])
def test_roll_matches_the_eye_line_roll(roll: float) -> None:
    pose = HeadPose.from_angles(0.0, 0.0, roll, [0, 0, 600], FOCAL, CENTER)
    pts = pose.project(FACE)
    est = estimate_pose(pts, (W, H))
    assert est.roll == pytest.approx(eye_roll(pts), abs=0.05) and est.roll == pytest.approx(roll, abs=0.01)


def test_project_matches_opencv_and_the_identity_pose() -> None:
    pose = HeadPose.from_angles(15.0, -10.0, 5.0, [20, 10, 500], FOCAL, CENTER)
    ref, _ = cv2.projectPoints(FACE, pose.rvec, pose.tvec, pose.camera_matrix, np.zeros(4))
    np.testing.assert_allclose(pose.project(FACE), ref.reshape(-1, 2), atol=1e-3)
    ident = HeadPose.from_angles(0.0, 0.0, 0.0, [0, 0, 500], FOCAL, CENTER)
    np.testing.assert_allclose(ident.rvec, 0.0, atol=1e-12)
    np.testing.assert_allclose(ident.project(FACE), FACE[:, :2] * FOCAL / (500 + FACE[:, 2:3]) + CENTER, atol=1e-3)
    np.testing.assert_allclose(ident.to_camera(FACE), FACE + [0, 0, 500], atol=1e-9)


def test_from_rvec_and_from_angles_agree() -> None:
    a = HeadPose.from_angles(-40.0, 30.0, -20.0, [0, 0, 500], FOCAL, CENTER)
    b = HeadPose.from_rvec(a.rvec, a.tvec, FOCAL, CENTER)
    assert (b.yaw, b.pitch, b.roll) == pytest.approx((-40.0, 30.0, -20.0), abs=1e-9)
    np.testing.assert_allclose(cv2.Rodrigues(a.rvec)[0], a.rotation, atol=1e-12)


def test_points_behind_the_camera_project_to_nan() -> None:
    pose = HeadPose.from_angles(0, 0, 0, [0, 0, 20], FOCAL, CENTER)
    uv = pose.project(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, -30.0]]))
    assert np.isfinite(uv[0]).all() and np.isnan(uv[1]).all()


def test_mirrored_pose_is_the_pose_of_the_mirrored_points() -> None:
    for _, pts in synthetic(np.random.default_rng(3), 20):
        mirrored_pts = pts.copy()
        mirrored_pts[:, 0] = (W - 1) - mirrored_pts[:, 0]
        mirrored_pts = mirrored_pts[list(FLIP_PERMUTATION)]
        est = estimate_pose(pts, (W, H))
        want = est.mirrored(W)
        got = estimate_pose(mirrored_pts, (W, H))
        assert (want.yaw, want.pitch, want.roll) == pytest.approx((-est.yaw, est.pitch, -est.roll))
        assert angle_errors(got, want).max() < 1e-3
        np.testing.assert_allclose(got.rvec, want.rvec, atol=1e-5)
        np.testing.assert_allclose(got.tvec, want.tvec, atol=0.05)
        np.testing.assert_allclose(want.project(FACE)[list(FLIP_PERMUTATION)][:, 0], (W - 1) - est.project(FACE)[:, 0],
                                   atol=1e-3)


def test_focal_defaults_to_the_longer_side_and_can_be_set() -> None:
    pose = HeadPose.from_angles(10, 5, 0, [0, 0, 600], 900.0, CENTER)
    pts = pose.project(FACE)
    assert estimate_pose(pts, (W, H)).focal == 640.0
    assert estimate_pose(pts, (480, 640)).center == (239.5, 319.5)
    est = estimate_pose(pts, (W, H), focal=900.0)
    assert est.focal == 900.0 and angle_errors(est, pose).max() < 0.01


@pytest.mark.parametrize("bad", [np.zeros((67, 2)), np.zeros((68, 3)), np.zeros(136)])
def test_landmark_shape_errors_name_the_shape(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"\(68, 2\).*" + re_shape(bad.shape)):
        estimate_pose(bad, (W, H))


def re_shape(shape: tuple[int, ...]) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


def test_other_input_errors() -> None:
    pts = HeadPose.from_angles(0, 0, 0, [0, 0, 600], FOCAL, CENTER).project(FACE)
    nan = pts.copy()
    nan[3, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        estimate_pose(nan, (W, H))
    for size in [(0, 480), (640,), None]:
        with pytest.raises(ValueError, match="frame_size"):
            estimate_pose(pts, size)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="focal"):
        estimate_pose(pts, (W, H), focal=-5.0)
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        HeadPose.from_angles(0, 0, 0, [0, 0, 600], FOCAL, CENTER).project(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="rvec"):
        HeadPose(0, 0, 0, np.zeros(2), np.zeros(3), FOCAL, CENTER)
    with pytest.raises(ValueError, match="focal"):
        HeadPose(0, 0, 0, np.zeros(3), np.zeros(3), 0.0, CENTER)


def test_yaw_sign_on_turned_300w_faces(ibug_dir: Path) -> None:
    from facefilter.data import discover

    records = discover(ibug_dir).records
    checked = 0
    for rec in records:
        p = np.asarray(rec.points, np.float64)
        er, el = p[list(EYE_R)].mean(0), p[list(EYE_L)].mean(0)
        u = (el - er) / np.linalg.norm(el - er)
        offset = float((p[30] - (er + el) / 2) @ u) / np.linalg.norm(p[36] - p[45])
        if abs(offset) < 0.25:  # clearly turned only: the nose tip a quarter of the eye span off the midline
            continue
        pose = estimate_pose(p, (384, 384))
        assert np.sign(pose.yaw) == np.sign(offset), f"{rec.image}: nose offset {offset:+.2f} IOD, yaw {pose.yaw:+.1f}"
        assert abs(pose.yaw) > 10.0, f"{rec.image}: a clearly turned face estimated at yaw {pose.yaw:+.1f}"
        checked += 1
    assert checked >= 50


def test_yaw_sign_on_the_gallerys_turned_faces(shared_data: Path) -> None:
    from facefilter.tools.gallery import pick_faces

    faces = {f.label: f for f in pick_faces(shared_data)}
    for label, sign in (("turned left", -1.0), ("turned right", 1.0), ("frontal", 0.0)):
        img = faces[label].image
        yaw = estimate_pose(faces[label].landmarks, (img.shape[1], img.shape[0])).yaw
        if sign:  # the gallery's "turned left" face has its nose toward the image left
            assert np.sign(yaw) == sign and abs(yaw) > 15.0, f"{label}: yaw {yaw:+.1f}"
        else:
            assert abs(yaw) < 10.0, f"{label}: yaw {yaw:+.1f}"


def test_rotation_and_camera_matrix_are_computed_once_and_read_only() -> None:
    """Several layers read a face's rotation each frame: it is cached, so it must not be writable."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        rvec = rng.normal(size=3) * rng.uniform(0.0, 3.0)
        for pose in (HeadPose.from_rvec(rvec, [0, 0, 500], FOCAL, CENTER),
                     HeadPose(0.0, 0.0, 0.0, rvec, np.array([0.0, 0.0, 500.0]), FOCAL, CENTER)):  # fmt: skip
            np.testing.assert_allclose(pose.rotation, cv2.Rodrigues(rvec)[0], atol=1e-12)
            assert pose.rotation is pose.rotation and pose.camera_matrix is pose.camera_matrix
            for m in (pose.rotation, pose.camera_matrix):
                with pytest.raises(ValueError):
                    m[0, 0] = 2.0
        yaw, pitch, roll = rng.uniform(-80, 80, 3)
        pose = HeadPose.from_angles(yaw, pitch, roll, [0, 0, 500], FOCAL, CENTER)  # keeps its own rotation
        np.testing.assert_allclose(pose.rotation, cv2.Rodrigues(pose.rvec)[0], atol=1e-12)
        with pytest.raises(ValueError):
            pose.rotation[0, 0] = 2.0
