"""Synthetic scenes from annotated photos: faces pasted into a frame with a known similarity warp.

Used to measure the detector (``facefilter.tools.calibrate``) and the whole pipeline
(``facefilter-bench pipeline``) against known landmarks. Frames are HxWx3 uint8 BGR; matrices
are 2x3 and map **source-photo pixels to frame pixels** (``cv2.warpAffine`` convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facefilter.landmarks.crop import apply_affine


@dataclass
class FaceSprite:
    """A photo, its ``(68, 2)`` points and a soft float32 ``[0, 1]`` mask around the head."""

    image: np.ndarray
    points: np.ndarray
    mask: np.ndarray

    @property
    def center(self) -> np.ndarray:
        """Centre of the tight landmark box, source pixels."""
        return (self.points.min(0) + self.points.max(0)) / 2.0

    @property
    def side(self) -> float:
        """Longer side of the tight landmark box, source pixels."""
        return float((self.points.max(0) - self.points.min(0)).max())


def make_sprite(image: np.ndarray, points: np.ndarray) -> FaceSprite:
    """Cut-out of a head: an ellipse around the landmarks (taller upwards for the forehead), feathered."""
    pts = np.asarray(points, dtype=np.float64)
    lo, hi = pts.min(0), pts.max(0)
    cx, cy = (lo + hi) / 2.0
    w, h = hi - lo
    mask = np.zeros(image.shape[:2], np.float32)
    cv2.ellipse(mask, (round(cx), round(cy - 0.15 * h)), (round(0.75 * w), round(0.85 * h)), 0, 0, 360, 1.0, -1)
    k = max(3, int(0.15 * max(w, h)) | 1)
    mask = cv2.GaussianBlur(mask, (k, k), 0)
    return FaceSprite(image, pts.astype(np.float32), mask)


def background(size: tuple[int, int] = (640, 480), seed: int = 0) -> np.ndarray:
    """A smooth, coloured, room-like BGR background of ``size`` = (width, height)."""
    rng = np.random.default_rng(seed)
    w, h = size
    low = rng.uniform(40, 200, (6, 8, 3)).astype(np.float32)
    img = cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC)
    img += rng.normal(0, 6, (h, w, 3)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def similarity(src_center: np.ndarray, dst_center: np.ndarray, scale: float, angle_deg: float) -> np.ndarray:
    """2x3 matrix: rotate by ``angle_deg`` (counter-clockwise on screen) and scale about ``src_center``,
    then move it to ``dst_center``."""
    m = cv2.getRotationMatrix2D((float(src_center[0]), float(src_center[1])), float(angle_deg), float(scale))
    m[:, 2] += np.asarray(dst_center, dtype=np.float64) - np.asarray(src_center, dtype=np.float64)
    return m


def place(sprite: FaceSprite, center: tuple[float, float], box_side: float, angle_deg: float = 0.0) -> np.ndarray:
    """Matrix putting ``sprite``'s landmark-box centre at ``center`` with its longer side ``box_side`` px."""
    return similarity(sprite.center, np.asarray(center), box_side / sprite.side, angle_deg)


def composite(
    frame: np.ndarray, sprites: list[FaceSprite], matrices: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Paste each sprite onto a copy of ``frame`` with its matrix; returns (frame, ``(N, 68, 2)`` points)."""
    out = frame.astype(np.float32)
    h, w = frame.shape[:2]
    points = []
    for sprite, m in zip(sprites, matrices, strict=True):
        # Warp only the bounding rectangle of the pasted head: much cheaper than the whole frame.
        hs, ws = sprite.image.shape[:2]
        corners = apply_affine(m, np.array([[0, 0], [ws - 1, 0], [0, hs - 1], [ws - 1, hs - 1]], np.float64))
        x0, y0 = np.clip(np.floor(corners.min(0)).astype(int), 0, [w, h])
        x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int) + 1, 0, [w, h])
        if x1 > x0 and y1 > y0:
            mm = m.copy()
            mm[:, 2] -= (x0, y0)
            size = (int(x1 - x0), int(y1 - y0))
            img = cv2.warpAffine(sprite.image, mm, size, flags=cv2.INTER_LINEAR).astype(np.float32)
            a = cv2.warpAffine(sprite.mask, mm, size, flags=cv2.INTER_LINEAR)[..., None]
            roi = out[y0:y1, x0:x1]
            out[y0:y1, x0:x1] = roi * (1 - a) + img * a
        points.append(apply_affine(m, sprite.points))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), np.asarray(points, np.float32).reshape(-1, 68, 2)
