"""The shipped 3-D mean face (mm, symmetric, nose toward the camera) and the builder that makes it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from facefilter.pose import MEAN_FACE_3D, MEAN_FACE_FILE, load_mean_face
from facefilter.tools.meanface import build, symmetrise
from facefilter.types import FLIP_PERMUTATION, HeadPose, rotation_from_angles

FLIP = list(FLIP_PERMUTATION)


def test_shape_dtype_and_read_only() -> None:
    assert MEAN_FACE_3D.shape == (68, 3) and MEAN_FACE_3D.dtype == np.float32
    assert np.isfinite(MEAN_FACE_3D).all()
    with pytest.raises(ValueError):
        MEAN_FACE_3D[0, 0] = 1.0


def test_left_right_symmetric() -> None:
    mirrored = (MEAN_FACE_3D * [-1, 1, 1])[FLIP]
    np.testing.assert_allclose(mirrored, MEAN_FACE_3D, atol=1e-3)
    assert np.abs(MEAN_FACE_3D[[8, 27, 28, 29, 30, 33, 51, 57], 0]).max() < 1e-3  # midline points


def test_millimetre_scale_and_axes() -> None:
    m = MEAN_FACE_3D.astype(np.float64)
    assert np.linalg.norm(m[36] - m[45]) == pytest.approx(90.0, abs=0.01)  # the documented ex-ex width
    np.testing.assert_allclose((m[36] + m[45]) / 2, 0.0, atol=1e-3)  # origin between the outer eye corners
    assert m[45, 0] > m[36, 0]  # x to the image right: point 45 is the eye corner on the image right
    assert m[8, 1] > m[30, 1] > m[27, 1] > m[19, 1]  # y down: brow, nose bridge, nose tip, chin
    assert m[30, 2] < m[27, 2] < 0.0  # z away from the camera: the nose tip is nearest
    assert 95.0 < m[8, 1] - m[27, 1] < 140.0  # nasion to chin: an adult face height in mm
    assert 25.0 < -m[30, 2] < 60.0  # nose tip ahead of the eye corners


def test_the_file_documents_its_build_command() -> None:
    doc = json.loads(MEAN_FACE_FILE.read_text(encoding="utf-8"))
    assert doc["units"] == "mm"
    assert doc["built_by"].startswith("python -m facefilter.tools.meanface")


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "face.json"
    bad.write_text(json.dumps({"points": [[0, 0, 0]] * 67}))
    with pytest.raises(ValueError, match=r"face\.json.*\(67, 3\)"):
        load_mean_face(bad)
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=r"face\.json"):
        load_mean_face(bad)
    bad.write_text(json.dumps({"pts": []}))
    with pytest.raises(ValueError, match="'points'"):
        load_mean_face(bad)


def test_builder_recovers_a_known_face_from_turned_scaled_copies() -> None:
    rng = np.random.default_rng(1)
    truth = MEAN_FACE_3D.astype(np.float64)
    shapes = []
    for _ in range(20):  # each turn with its inverse: the average orientation is the truth's own
        r = rotation_from_angles(*rng.uniform(-25, 25, 3))
        for rot in (r, r.T):
            s = rng.uniform(2, 6)
            shapes.append(truth @ rot.T * s + rng.uniform(-100, 100, 3) + rng.normal(0, 0.05, truth.shape))
    face = build(np.stack(shapes), ex_ex_mm=90.0)
    np.testing.assert_allclose(face, truth, atol=0.2)


def test_symmetrise_removes_a_turn_and_averages_mirror_pairs() -> None:
    truth = MEAN_FACE_3D.astype(np.float64)
    lopsided = truth.copy()
    lopsided[45] += [3.0, 0.0, 0.0]
    lopsided[36] += [3.0, 0.0, 0.0]  # the same shift on both: the mirrored average cancels it
    turned = lopsided @ rotation_from_angles(8.0, 0.0, 5.0).T
    out = symmetrise(turned)
    out -= (out[36] + out[45]) / 2
    np.testing.assert_allclose((out * [-1, 1, 1])[FLIP], out, atol=1e-9)
    assert np.abs(out - truth).max() < 1.5


def test_a_frontal_pose_projects_the_face_upright() -> None:
    pose = HeadPose.from_angles(0, 0, 0, [0, 0, 600], focal=640, center=(319.5, 239.5))
    uv = pose.project(MEAN_FACE_3D)
    assert uv[45, 0] > uv[36, 0] and abs(uv[36, 1] - uv[45, 1]) < 1e-3 and uv[8, 1] > uv[30, 1]


def test_the_build_command_remakes_the_shipped_face(ibug_dir: Path, tmp_path: Path) -> None:
    from facefilter.tools.meanface import main

    out = tmp_path / "face.json"
    assert main(["--data", str(ibug_dir), "--out", str(out)]) == 0
    remade = load_mean_face(out)
    assert np.abs(remade - MEAN_FACE_3D).max() < 0.5  # mm: the same recipe on the same data
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["faces"]["with_mesh"] >= 300
