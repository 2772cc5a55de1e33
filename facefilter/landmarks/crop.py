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


#: Most image pixels one crop pixel may span before :func:`warp_crop` area-averages the image
#: first. The training faces (``../shared/data``: the 68 points span 192 px of each image, cropped
#: at 1.25x to 160 px) are sampled at 1.5 image pixels per crop pixel, so that is the limit: larger
#: photos (an original 300-W image, a close face in a 1080p frame) are averaged down to it instead
#: of being point-sampled, which aliases texture and noise into the crop.
MAX_STEP = 1.5


def crop_step(m: np.ndarray) -> float:
    """Image pixels per crop pixel of the 2x3 matrix ``m`` (the inverse of its linear scale)."""
    return 1.0 / math.sqrt(abs(float(np.linalg.det(np.asarray(m, dtype=np.float64)[:, :2]))))


def warp_crop(image: np.ndarray, m: np.ndarray, size: int, max_step: float | None = MAX_STEP) -> np.ndarray:
    """Crop ``image`` (HxW or HxWxC uint8) with matrix ``m``; outside the image is black.

    When one crop pixel spans more than ``max_step`` image pixels, the part of the image under
    the crop is first area-averaged (:func:`area_prefilter`), then warped: the crop of a large
    photo then looks like that of the training faces instead of aliasing. ``None``: always warp
    directly.
    """
    if max_step is not None:
        image, mats = area_prefilter(image, np.asarray(m, dtype=np.float64)[None], size, max_step)
        m = mats[0]
    return _warp(image, m, size)


def area_prefilter(
    image: np.ndarray, mats: np.ndarray, size: int, max_step: float = MAX_STEP
) -> tuple[np.ndarray, np.ndarray]:
    """The part of ``image`` under the ``(K, 2, 3)`` crops ``mats``, area-averaged (``cv2.INTER_AREA``)
    so that no crop spans more than ``max_step`` of its pixels per crop pixel, and the matrices
    mapping into it. Several crops of one face share one resampling. ``image`` and ``mats`` come
    back unchanged when no crop needs it.
    """
    mats = np.asarray(mats, dtype=np.float64)
    step = max(crop_step(m) for m in mats)
    if step <= max_step * (1 + 1e-6):
        return image, mats
    # The crops' footprint in the image, with a margin for the bilinear taps.
    edge = np.array([[-0.5, -0.5], [size, -0.5], [-0.5, size], [size, size]])
    corners = np.concatenate([apply_affine(invert_affine(m), edge) for m in mats])
    x0, y0 = (np.floor(corners.min(axis=0)) - 2).astype(int)
    x1, y1 = (np.ceil(corners.max(axis=0)) + 3).astype(int)
    h, w = image.shape[:2]
    region = image[max(y0, 0) : max(min(y1, h), 0), max(x0, 0) : max(min(x1, w), 0)]
    if region.size == 0:  # the crops lie wholly outside the image: black either way
        return image, mats
    region = cv2.copyMakeBorder(
        region, max(-y0, 0), max(y1 - h, 0), max(-x0, 0), max(x1 - w, 0), cv2.BORDER_CONSTANT, value=0
    )
    k = max_step / step  # small-image pixels per image pixel
    rw, rh = region.shape[1], region.shape[0]
    nw, nh = max(1, round(rw * k)), max(1, round(rh * k))
    small = cv2.resize(region, (nw, nh), interpolation=cv2.INTER_AREA)
    # Image pixel centre x lands at (x - x0 + 0.5) * nw / rw - 0.5 in the small image.
    sx, sy = nw / rw, nh / rh
    to_small = np.array([[sx, 0.0, (0.5 - x0) * sx - 0.5], [0.0, sy, (0.5 - y0) * sy - 0.5], [0.0, 0.0, 1.0]])
    return small, mats @ np.linalg.inv(to_small)


def _warp(image: np.ndarray, m: np.ndarray, size: int) -> np.ndarray:
    return cv2.warpAffine(
        image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )


def to_target(crop_points: np.ndarray, size: int) -> np.ndarray:
    """Crop pixels -> centred crop units ``[-0.5, 0.5]`` (what the network regresses)."""
    return (np.asarray(crop_points, dtype=np.float64) - (size - 1) / 2.0) / size


def from_target(target: np.ndarray, size: int) -> np.ndarray:
    """Inverse of :func:`to_target`."""
    return np.asarray(target, dtype=np.float64) * size + (size - 1) / 2.0
