"""Crop geometry shared by training and inference (pure numpy).

A face box (the 300-W tight box around the 68 points) becomes a square crop of side
``crop_scale * max(width, height)`` centred on the box. Matrices are 2x3 affine maps from
**image pixels to crop pixels** (``cv2.warpAffine`` convention, pixel centres at integers).
Model targets are crop pixels divided by the crop size, minus 0.5 (so in ``[-0.5, 0.5]``).
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def crop_matrix(
    box: np.ndarray,
    size: int,
    crop_scale: float,
    *,
    rotation_deg: float = 0.0,
    scale: float = 1.0,
    shift: tuple[float, float] = (0.0, 0.0),
    flip: bool = False,
) -> np.ndarray:
    """2x3 float64 affine mapping image pixels to ``size`` x ``size`` crop pixels.

    ``box`` is ``(left, top, width, height)``. ``rotation_deg`` turns the crop
    counter-clockwise around the box centre (the face then appears rotated clockwise),
    ``scale > 1`` zooms in, ``shift`` moves the crop centre by fractions of the crop side,
    ``flip`` mirrors the crop left-right. With the defaults the box centre lands on the crop
    centre and the box's longer side spans ``size / crop_scale`` pixels.
    """
    left, top, width, height = (float(v) for v in np.asarray(box, dtype=np.float64).reshape(4))
    side = max(width, height) * crop_scale
    if not side > 0:
        raise ValueError(f"box must have a positive size, got width={width} height={height}")
    cx = left + width / 2.0 + shift[0] * side
    cy = top + height / 2.0 + shift[1] * side
    k = size / side * scale
    a = math.radians(rotation_deg)
    cos, sin = math.cos(a) * k, math.sin(a) * k
    # Rotate+scale about the centre, then move the centre to the crop centre.
    lin = np.array([[cos, sin], [-sin, cos]])
    if flip:
        lin = np.array([[-1.0, 0.0], [0.0, 1.0]]) @ lin
    c = (size - 1) / 2.0
    t = np.array([c, c]) - lin @ np.array([cx, cy])
    return np.hstack([lin, t[:, None]])


def invert_affine(m: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine matrix."""
    return cv2.invertAffineTransform(np.asarray(m, dtype=np.float64))


def apply_affine(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(..., 2)`` points with a 2x3 matrix; returns float64 of the same shape."""
    p = np.asarray(points, dtype=np.float64)
    return p @ m[:, :2].T + m[:, 2]


def warp_crop(image: np.ndarray, m: np.ndarray, size: int) -> np.ndarray:
    """Crop ``image`` (HxW or HxWxC uint8) with matrix ``m``; outside the image is black."""
    return cv2.warpAffine(
        image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )


def to_target(crop_points: np.ndarray, size: int) -> np.ndarray:
    """Crop pixels -> centred crop units ``[-0.5, 0.5]`` (what the network regresses)."""
    return (np.asarray(crop_points, dtype=np.float64) - (size - 1) / 2.0) / size


def from_target(target: np.ndarray, size: int) -> np.ndarray:
    """Inverse of :func:`to_target`."""
    return np.asarray(target, dtype=np.float64) * size + (size - 1) / 2.0
