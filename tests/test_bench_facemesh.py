"""The Face Mesh reference rebuilt on the TFLite interpreter: ROIs, points on real faces, tracking,
and (where mediapipe 0.10.x is installed) the legacy solution's points."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.bench.facemesh import INPUT, FaceMeshReference, Roi, roi_from, roi_matrix


def test_roi_is_a_turned_square_around_the_box() -> None:
    roi = roi_from((10.0, 20.0, 50.0, 80.0), np.array([0.0, 0.0]), np.array([10.0, 10.0]))
    assert (roi.cx, roi.cy, roi.side) == (30.0, 50.0, 90.0)
    assert roi.angle == pytest.approx(math.radians(45))  # eye line down to the right: turned clockwise
    m = roi_matrix(roi)
    corners = np.array([[0, 0, 1], [INPUT, INPUT, 1], [INPUT / 2, INPUT / 2, 1]], float) @ m.T
    np.testing.assert_allclose(corners[2], [30.0, 50.0])
    np.testing.assert_allclose(np.linalg.norm(corners[1] - corners[0]), 90.0 * math.sqrt(2))
    assert Roi(0, 0, 10, 0).iou(Roi(0, 0, 10, 1.0)) == 1.0 and Roi(0, 0, 10, 0).iou(Roi(20, 0, 10, 0)) == 0.0


def _face_frame(ibug_dir: Path, index: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    from facefilter.bench.scene import background, composite, make_sprite, place
    from facefilter.data import discover

    rec = discover(ibug_dir).records[index]
    sprite = make_sprite(cv2.imread(str(rec.image)), rec.points)
    frame, pts = composite(background(seed=index), [sprite], [place(sprite, (300 + shift, 240), 180)])
    return frame, pts[0]


def test_facemesh_reference_finds_and_tracks_real_faces(ibug_dir: Path) -> None:
    from facefilter.bench.facemesh68 import mesh_to_68
    from facefilter.landmarks.metrics import nme

    with FaceMeshReference(max_faces=1) as mesh:
        for t in range(4):
            frame, gt = _face_frame(ibug_dir, 3, shift=4.0 * t)
            found = mesh.process(frame)
            assert len(found) == 1 and found[0].shape == (468, 3) and found[0].dtype == np.float32
            assert nme(mesh_to_68(found[0][:, :2])[None], gt[None])[0] < 0.10
        assert mesh.detections_run == 1  # frames 2-4 tracked from the points
        assert mesh.process(np.full((480, 640, 3), 90, np.uint8)) == []


def test_facemesh_reference_matches_the_legacy_solution(ibug_dir: Path) -> None:
    try:
        from mediapipe.python.solutions import face_mesh
    except ImportError:
        pytest.skip("this mediapipe has no legacy solutions API (mediapipe 1.x dropped it)")
    from facefilter.bench.facemesh import legacy_meshes

    with face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=False) as legacy, \
            FaceMeshReference(max_faces=1) as ours:
        for t in range(4):
            frame, gt = _face_frame(ibug_dir, 5, shift=5.0 * t)
            a, b = ours.process(frame), legacy_meshes(legacy, frame)
            assert len(a) == len(b) == 1
            iod = float(np.linalg.norm(gt[36] - gt[45]))
            assert np.abs(a[0][:, :2] - b[0][:, :2]).max() < 0.01 * iod  # legacy vs ours: 0.03% measured
