"""Large-pose synthesis (facefilter.train.profile): geometry of the turned faces and their points."""

from __future__ import annotations

import numpy as np
import pytest

from facefilter.pose import MEAN_FACE_3D, estimate_pose
from facefilter.train.profile import FILLS, ProfileSynth, fit_head
from facefilter.types import rotation_from_angles

SIZE = 320
SCALE = 1.1  # pixels per mm: the 68 points span ~160 px of the 320 px picture, as in training
INNER = np.arange(17, 68)


def _frontal_face(yaw: float = 0.0, pitch: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A textured grey picture and the weak-perspective projection of the mean face in it."""
    rng = np.random.default_rng(3)
    image = (rng.uniform(0, 255, (40, 40)).repeat(8, 0).repeat(8, 1)).astype(np.uint8)
    rot = rotation_from_angles(yaw, pitch, 0.0)
    pts = SCALE * (MEAN_FACE_3D.astype(np.float64) @ rot.T)[:, :2] + np.array([SIZE / 2, SIZE / 2 - 50])
    return image, pts


def _long_focal_yaw(points: np.ndarray) -> float:
    """Yaw of the pose fitted to ``points`` (refitted from the first fit: from a frontal start the
    fit converges only to about +-60 deg)."""
    first = estimate_pose(points, (SIZE, SIZE), focal=8.0 * SIZE)
    return estimate_pose(points, (SIZE, SIZE), previous=first, focal=8.0 * SIZE).yaw


def test_fit_recovers_a_projected_mean_face() -> None:
    _, pts = _frontal_face(yaw=20.0, pitch=-10.0)
    fit = fit_head(pts, (SIZE, SIZE))
    assert fit.yaw == pytest.approx(20.0, abs=1.5)
    assert fit.pitch == pytest.approx(-10.0, abs=1.5)
    assert fit.scale == pytest.approx(SCALE, rel=0.03)


def test_zero_turn_is_nearly_the_identity() -> None:
    image, pts = _frontal_face()
    s = ProfileSynth().render(image, pts, 0.0, 0.0, relative=True)
    assert np.abs(s.points - pts).max() < 0.5
    diff = np.abs(s.image.astype(np.int16) - image.astype(np.int16))
    assert diff.mean() < 1.0 and not s.revealed.any()


@pytest.mark.parametrize(("yaw", "pitch"), [(-75.0, 0.0), (-45.0, 25.0), (30.0, -30.0), (60.0, 10.0), (75.0, 30.0)])
def test_turned_points_follow_the_rotated_face_and_stay_inside(yaw: float, pitch: float) -> None:
    image, pts = _frontal_face()
    s = ProfileSynth().render(image, pts, yaw, pitch)
    assert s.image.shape == image.shape
    assert (s.points >= 0).all() and (s.points <= SIZE - 1).all()
    # The inner points are the rotated 3-D points re-projected (same scale; only a shift from the pivot).
    expected = SCALE * (MEAN_FACE_3D.astype(np.float64) @ rotation_from_angles(yaw, pitch, 0.0).T)[:, :2]
    shift = (s.points[INNER] - expected[INNER]).mean(0)
    assert np.abs(s.points[INNER] - (expected[INNER] + shift)).max() < 0.5
    # Yaw sign and size: the pose fitted to the new points is the asked one.
    assert _long_focal_yaw(s.points) == pytest.approx(yaw, abs=4.0)


def test_far_outline_moves_to_the_silhouette() -> None:
    """Turned right (nose to the image right), the far-side outline (9-16) leaves the hidden 3-D
    jaw for the cheek line, further right; the near side (0-7) stays on the jaw."""
    image, pts = _frontal_face()
    s = ProfileSynth().render(image, pts, 60.0, 0.0)
    jaw = SCALE * (MEAN_FACE_3D.astype(np.float64) @ rotation_from_angles(60.0, 0.0, 0.0).T)[:, :2]
    jaw += (s.points[INNER] - jaw[INNER]).mean(0)
    far = np.arange(9, 17)
    assert (s.points[far, 0] - jaw[far, 0] > 3.0).sum() >= 6
    near = np.arange(0, 8)
    assert np.abs(s.points[near] - jaw[near]).max() < 1.0
    # The far outline stays between the nose tip's column and the near jaw, not past the nose.
    assert (s.points[far, 0] <= s.points[30, 0] + 2.0).all()


def test_the_turn_reveals_pixels_and_every_fill_changes_only_them() -> None:
    image, pts = _frontal_face()
    base = ProfileSynth().render(image, pts, -70.0, 0.0, fill="stretch")
    assert base.revealed.mean() > 0.01
    for fill in FILLS[1:]:
        s = ProfileSynth().render(image, pts, -70.0, 0.0, rng=np.random.default_rng(1), fill=fill)
        changed = np.abs(s.image.astype(np.int16) - base.image.astype(np.int16)) > 2
        # (the rng also jitters the face depth, so compare only far from the revealed area's edge)
        assert changed[base.revealed].mean() > 0.2, fill
    with pytest.raises(ValueError, match="fill"):
        ProfileSynth().render(image, pts, -70.0, 0.0, fill="paint")


def test_random_turns_on_real_faces_keep_points_inside(ibug_dir) -> None:
    from facefilter.data import load_many
    from facefilter.train.dataset import cache_face

    ibug_records = load_many([ibug_dir]).records

    synth = ProfileSynth(work_side=256)
    rng = np.random.default_rng(0)
    done = 0
    for rec in ibug_records[:12]:
        face = cache_face(rec, 400)
        s = synth(face.image, face.points, rng)
        if s is None:
            continue
        h, w = s.image.shape[:2]
        assert (s.points >= 0).all() and (s.points[:, 0] <= w - 1).all() and (s.points[:, 1] <= h - 1).all()
        assert abs(s.yaw) >= 20.0
        done += 1
    assert done >= 10
