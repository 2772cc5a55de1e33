"""Small builders shared by the filter tests: filter folders on disk, rolled synthetic faces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tests.conftest import mean_face_points


def face_points(centre: tuple[float, float] = (160.0, 120.0), iod: float = 60.0, roll: float = 0.0) -> np.ndarray:
    """The conftest mean face, rolled by ``roll`` degrees (clockwise on screen) about its eye midpoint."""
    pts = mean_face_points(centre, iod).astype(np.float64)
    mid = (pts[36] + pts[45]) / 2
    a = np.radians(roll)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return ((pts - mid) @ r.T + mid).astype(np.float32)


def thumbnail() -> np.ndarray:
    return np.full((16, 16, 3), 128, np.uint8)


def write_filter(
    root: Path, name: str, layers: list[dict[str, Any]], images: dict[str, np.ndarray], **top: Any
) -> Path:
    """A filter folder ``root/name`` with a JSON manifest, the given images and a thumbnail."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, img in images.items():
        cv2.imwrite(str(folder / file), img)
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    manifest = {"format": 1, "title": name.title(), "layers": layers, **top}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def blob_sprite(size: tuple[int, int], points: list[tuple[float, float]], sigma: float = 2.5) -> np.ndarray:
    """Straight-alpha BGRA: opaque white Gaussian blobs centred on ``points`` (x, y), transparent elsewhere."""
    h, w = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.zeros((h, w))
    for px, py in points:
        a = np.maximum(a, np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sigma**2)))
    alpha = np.round(a * 255).astype(np.uint8)
    return np.dstack([np.full((h, w, 3), 255, np.uint8), alpha])


def centroid_near(img: np.ndarray, background: np.ndarray, xy: np.ndarray, radius: int) -> np.ndarray:
    """Intensity-weighted centroid of ``img - background`` in a square window around ``xy``."""
    diff = np.abs(img.astype(np.float64) - background.astype(np.float64)).sum(2)
    x0, y0 = int(round(xy[0])) - radius, int(round(xy[1])) - radius
    win = diff[y0 : y0 + 2 * radius + 1, x0 : x0 + 2 * radius + 1]
    ys, xs = np.mgrid[0 : win.shape[0], 0 : win.shape[1]]
    total = win.sum()
    assert total > 0, f"nothing drawn near {xy}"
    return np.array([(xs * win).sum() / total + x0, (ys * win).sum() / total + y0])
