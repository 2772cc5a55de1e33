"""Shared fixtures: the 300-W data folder (skips with the reason when absent) and tiny synthetic faces."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_ENV = "FACEFILTER_DATA"


def shared_data_dir() -> Path:
    """``$FACEFILTER_DATA`` or ``../shared/data`` beside the repo."""
    return Path(os.environ.get(DATA_ENV, REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; tests that need it skip (saying why) when it is absent."""
    path = shared_data_dir()
    if not (path / "ibug300w-train" / "labels.xml").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared data: {path}/ibug300w-train/labels.xml not found")
        pytest.skip(f"shared data not found at {path} (set {DATA_ENV})")
    return path


@pytest.fixture(scope="session")
def ibug_dir(shared_data: Path) -> Path:
    return shared_data / "ibug300w-train"


def mean_face_points(center: tuple[float, float] = (100.0, 100.0), iod: float = 60.0) -> np.ndarray:
    """A plausible frontal 68-point face (float32 (68, 2)) with the given outer-eye distance."""
    t = np.linspace(0, np.pi, 17)
    jaw = np.stack([-np.cos(t) * 0.95, 0.05 + np.sin(t) * 1.05], 1)
    brow_r = np.stack([np.linspace(-0.85, -0.15, 5), -0.55 - 0.08 * np.sin(np.linspace(0, np.pi, 5))], 1)
    brow_l = brow_r[::-1] * [-1, 1]
    bridge = np.stack([np.zeros(4), np.linspace(-0.35, 0.1, 4)], 1)
    nose_b = np.stack([np.linspace(-0.2, 0.2, 5), 0.22 + 0.04 * np.sin(np.linspace(0, np.pi, 5))], 1)
    a = np.linspace(0, 2 * np.pi, 7)[:-1]
    eye = np.stack([-np.cos(a) * 0.2, -np.sin(a) * 0.07], 1)
    eye_r, eye_l = eye + [-0.5, -0.3], (eye * [-1, 1])[[3, 2, 1, 0, 5, 4]] + [0.5, -0.3]
    b = np.linspace(0, 2 * np.pi, 13)[:-1]
    mouth_o = np.stack([-np.cos(b) * 0.38, np.sin(b) * 0.14], 1) + [0, 0.55]
    c = np.linspace(0, 2 * np.pi, 9)[:-1]
    mouth_i = np.stack([-np.cos(c) * 0.28, np.sin(c) * 0.05], 1) + [0, 0.55]
    pts = np.concatenate([jaw, brow_r, brow_l, bridge, nose_b, eye_r, eye_l, mouth_o, mouth_i])
    scale = iod / 1.4  # outer eye corners are 1.4 units apart
    return (pts * scale + np.asarray(center)).astype(np.float32)


def draw_face(points: np.ndarray, size: tuple[int, int] = (200, 200), bg: int = 40) -> np.ndarray:
    """A BGR uint8 cartoon face drawn through ``points`` (skin ellipse, eyes, brows, nose, mouth)."""
    h, w = size
    img = np.full((h, w, 3), bg, np.uint8)
    p = np.round(points).astype(np.int32)
    cv2.fillConvexPoly(img, cv2.convexHull(np.concatenate([p[:17], p[17:27]])), (150, 180, 220))
    for group in (range(36, 42), range(42, 48)):
        cv2.fillPoly(img, [p[list(group)]], (255, 255, 255))
    cv2.polylines(img, [p[17:22], p[22:27], p[27:31], p[31:36]], False, (60, 60, 90), 2)
    cv2.fillPoly(img, [p[48:60]], (60, 60, 180))
    return img


@pytest.fixture()
def synthetic_face() -> tuple[np.ndarray, np.ndarray]:
    """(BGR 200x200 image, (68, 2) points) of a drawn frontal face."""
    pts = mean_face_points()
    return draw_face(pts), pts
