"""facefilter-bench yaw: bins, the stable-point distance, and the real-footage loop on fakes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from facefilter.bench.yaw import (
    OFF,
    RealFaces,
    bin_table,
    format_real,
    match_faces,
    real_by_yaw,
    stable_distance,
    yaw_bin,
)
from facefilter.pose import MEAN_FACE_3D
from facefilter.types import rotation_from_angles

SIZE = 400


def _face(yaw: float, dx: float = 0.0) -> np.ndarray:
    pts = 1.5 * (MEAN_FACE_3D.astype(np.float64) @ rotation_from_angles(yaw, 0.0, 0.0).T)[:, :2]
    return pts + np.array([SIZE / 2 + dx, SIZE / 2 - 60])


def test_yaw_bins_cover_both_signs_and_the_edges() -> None:
    assert [yaw_bin(y) for y in (0.0, -14.9, 15.0, -29.0, 30.0, 44.9, -45.0, 89.0, 90.0)] == [0, 0, 1, 1, 2, 2, 3, 3, 3]
    assert yaw_bin(91.0) is None


def test_stable_distance_is_in_eye_distances_and_ignores_the_jaw() -> None:
    ref = _face(0.0)
    eye = np.linalg.norm(ref[36] - ref[45])
    moved = ref.copy()
    moved[:17] += 50.0  # the outline is not a stable point
    assert stable_distance(moved, ref) == pytest.approx(0.0)
    assert stable_distance(ref + [0.2 * eye, 0.0], ref) == pytest.approx(0.2)


def test_match_takes_the_nearest_face_within_half_an_eye_distance() -> None:
    ref = _face(0.0)
    near, far = ref + 3.0, ref + 200.0
    assert match_faces([far, near], ref) is near
    assert match_faces([far], ref) is None and match_faces([], ref) is None


def test_bin_table_counts_shares_and_medians() -> None:
    rows = bin_table([5.0, -10.0, 20.0, 50.0, 60.0, 70.0], [0.02, 0.2, 0.05, 0.2, 0.3, 0.01])
    assert [r["faces"] for r in rows] == [2, 1, 0, 3]
    assert rows[0]["off"] == pytest.approx(50.0) and rows[3]["off"] == pytest.approx(100 * 2 / 3)
    assert rows[3]["median"] == pytest.approx(20.0) and np.isnan(rows[2]["median"])
    assert OFF == 0.10


class _FakeTracker:
    """Returns the reference's points shifted by ``shift`` pixels (or no face)."""

    def __init__(self, faces: list[np.ndarray]) -> None:
        self.faces = faces

    def reset(self) -> None:
        pass

    def process(self, frame: np.ndarray, t: float) -> list[SimpleNamespace]:
        return [SimpleNamespace(landmarks=f) for f in self.faces]


class _FakeReference:
    def __init__(self, faces: list[np.ndarray]) -> None:
        self.faces, self.closed = faces, False

    def process(self, frame: np.ndarray) -> list[np.ndarray]:
        return self.faces

    def close(self) -> None:
        self.closed = True


def test_real_loop_bins_by_the_reference_yaw_and_counts_misses(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "| file | FACES | hard case |\n|---|---|---|\n| a.jpg | 2 | two |\n| neg.jpg | 0 | none |\n"
    )
    cv2.imwrite(str(tmp_path / "a.jpg"), np.full((SIZE, SIZE, 3), 100, np.uint8))
    turned, frontal = _face(40.0, dx=-80.0), _face(0.0, dx=90.0)
    eye = np.linalg.norm(frontal[36] - frontal[45])
    refs: list[_FakeReference] = []

    def reference(static: bool, max_faces: int) -> _FakeReference:
        assert static and max_faces == 2
        refs.append(_FakeReference([turned, frontal]))
        return refs[-1]

    trackers = {"good": _FakeTracker([turned + 1.0, frontal]), "bad": _FakeTracker([frontal + [0.15 * eye, 0.0]])}
    out, shots = real_by_yaw(tmp_path, trackers, reference, photo_frames=2, keep_turned=1)
    assert refs and all(r.closed for r in refs)
    assert isinstance(out["good"], RealFaces) and len(out["good"].dists) == 2
    # (orthographic test faces read by a perspective pose fit: the yaws are only near 0 and 40)
    assert sorted(yaw_bin(y) for y in out["good"].yaws) == [0, 2]
    assert len(out["bad"].dists) == 1 and out["bad"].dists[0] == pytest.approx(0.15, abs=1e-3)
    assert len(out["bad"].missed) == 1 and yaw_bin(out["bad"].missed[0]) == 2
    assert len(shots) == 1 and abs(shots[0].yaw) > 30
    table = format_real(out)
    assert "| 30-45 deg | 1 / 0.0%" in table and "bad" in table
